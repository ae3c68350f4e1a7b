// Neg: y = -x, elementwise.
//
//   x: any shape.  y: the shape of x.
#include "core/op_registry.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

struct NegFn {
  template <typename T>
  static T Value(T x) {
    return -x;
  }
  // dy/dx = -1.
  template <typename T>
  static T Derivative(T x, T y) {
    return -1;
  }
};

NABLA_REGISTER_OP("Neg")
    .Input("x")
    .Output("y")
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<NegFn>)
    .Gradient(UnaryGradient<NegFn>)
    .GradientReads(ForwardValues::kNone)
    .InPlace()
    .GradientInPlace()
    .Doc("y = -x, elementwise.");

}  // namespace
}  // namespace nabla
