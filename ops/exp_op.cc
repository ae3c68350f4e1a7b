// Exp: y = eˣ, elementwise.
//
//   x: any shape.  y: the shape of x.
#include <cmath>

#include "core/op_registry.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

struct ExpFn {
  template <typename T>
  static T Value(T x) {
    return std::exp(x);
  }
  // dy/dx = eˣ = y.
  template <typename T>
  static T Derivative(T x, T y) {
    return y;
  }
};

NABLA_REGISTER_OP("Exp")
    .Input("x")
    .Output("y")
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<ExpFn>)
    .Gradient(UnaryGradient<ExpFn>)
    .GradientReads(ForwardValues::kOutputs)
    .InPlace()
    .GradientInPlace()
    .Doc("y = eˣ, elementwise.");

}  // namespace
}  // namespace nabla
