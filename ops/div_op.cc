// Div: z = a / b, elementwise with NumPy broadcasting.
//
//   a, b: shapes that broadcast (ops/broadcast.h).  z: the broadcast shape.
#include "core/op_registry.h"
#include "ops/binary_op.h"

namespace nabla {
namespace {

struct DivFn {
  template <typename T>
  static T Value(T a, T b) {
    return a / b;
  }
  // dz/da = 1/b, dz/db = -a/b² = -z/b; sums over broadcast dims.
  template <typename T>
  static T DzDa(T a, T b, T z) {
    return 1 / b;
  }
  template <typename T>
  static T DzDb(T a, T b, T z) {
    return -z / b;
  }
};

NABLA_REGISTER_OP("Div")
    .Input("a")
    .Input("b")
    .Output("z")
    .ShapeFn(BinaryShape)
    .Forward(BinaryForward<DivFn>)
    .Gradient(BinaryGradient<DivFn>)
    .Doc("z = a / b, with broadcasting.");

}  // namespace
}  // namespace nabla
