// Tanh: y = tanh x, elementwise.
//
//   x: any shape.  y: the shape of x, in (-1, 1).
#include <cmath>

#include "core/op_registry.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

struct TanhFn {
  template <typename T>
  static T Value(T x) {
    return std::tanh(x);
  }
  // dy/dx = 1 - tanh² x = 1 - y².
  template <typename T>
  static T Derivative(T, T y) {
    return T{1} - y * y;
  }
};

NABLA_REGISTER_OP("Tanh")
    .Input("x")
    .Output("y")
    .Category(OpCategory::kActivation)
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<TanhFn>)
    .Gradient(UnaryGradient<TanhFn>)
    .GradientReads(ForwardValues::kOutputs)
    .InPlace()
    .GradientInPlace()
    .Doc("Hyperbolic tangent, elementwise.");

}  // namespace
}  // namespace nabla
