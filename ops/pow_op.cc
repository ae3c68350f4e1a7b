// Pow: z = a^b, elementwise with NumPy broadcasting.
//
//   a, b: shapes that broadcast (ops/broadcast.h).  z: the broadcast shape.
#include <cmath>

#include "core/op_registry.h"
#include "ops/binary_op.h"

namespace nabla {
namespace {

struct PowFn {
  template <typename T>
  static T Value(T a, T b) {
    return std::pow(a, b);
  }
  // dz/da = b a^(b - 1), 0 where b = 0 (z is 1 for every a there).
  template <typename T>
  static T DzDa(T a, T b, T) {
    return b == 0 ? T(0) : b * std::pow(a, b - 1);
  }
  // dz/db = z ln a, 0 where a = 0 and b >= 0 (z is 0 or 1 nearby), as in
  // PyTorch; NaN for a < 0, where a^b is not differentiable in b.
  template <typename T>
  static T DzDb(T a, T b, T z) {
    return a == 0 && b >= 0 ? T(0) : z * std::log(a);
  }
};

NABLA_REGISTER_OP("Pow")
    .Input("a")
    .Input("b")
    .Output("z")
    .ShapeFn(BinaryShape)
    .Forward(BinaryForward<PowFn>)
    .Gradient(BinaryGradient<PowFn>)
    .Doc("z = a^b, with broadcasting.");

}  // namespace
}  // namespace nabla
