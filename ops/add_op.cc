// Add: z = a + b, elementwise with NumPy broadcasting.
//
//   a, b: shapes that broadcast (ops/broadcast.h).  z: the broadcast shape.
#include "core/op_registry.h"
#include "ops/binary_op.h"

namespace nabla {
namespace {

struct AddFn {
  template <typename T>
  static T Value(T a, T b) {
    return a + b;
  }
  // dz/da = 1, dz/db = 1; the gradient kernel sums dz over broadcast dims.
  template <typename T>
  static T DzDa(T a, T b, T z) {
    return 1;
  }
  template <typename T>
  static T DzDb(T a, T b, T z) {
    return 1;
  }
};

NABLA_REGISTER_OP("Add")
    .Input("a")
    .Input("b")
    .Output("z")
    .ShapeFn(BinaryShape)
    .Forward(BinaryForward<AddFn>)
    .Gradient(BinaryGradient<AddFn>)
    .GradientReads(ForwardValues::kNone)
    .InPlace()
    .Doc("z = a + b, with broadcasting.");

}  // namespace
}  // namespace nabla
