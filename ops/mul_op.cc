// Mul: z = a * b, elementwise with NumPy broadcasting.
//
//   a, b: shapes that broadcast (ops/broadcast.h).  z: the broadcast shape.
#include "core/op_registry.h"
#include "ops/binary_op.h"

namespace nabla {
namespace {

struct MulFn {
  template <typename T>
  static T Value(T a, T b) {
    return a * b;
  }
  // dz/da = b, dz/db = a; the gradient kernel sums over broadcast dims.
  template <typename T>
  static T DzDa(T a, T b, T z) {
    return b;
  }
  template <typename T>
  static T DzDb(T a, T b, T z) {
    return a;
  }
};

NABLA_REGISTER_OP("Mul")
    .Input("a")
    .Input("b")
    .Output("z")
    .ShapeFn(BinaryShape)
    .Forward(BinaryForward<MulFn>)
    .Gradient(BinaryGradient<MulFn>)
    .GradientReads(ForwardValues::kInputs)
    .InPlace()
    .Doc("z = a * b, with broadcasting.");

}  // namespace
}  // namespace nabla
