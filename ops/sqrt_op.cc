// Sqrt: y = √x, elementwise; NaN for x < 0.
//
//   x: any shape.  y: the shape of x.
#include <cmath>

#include "core/op_registry.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

struct SqrtFn {
  template <typename T>
  static T Value(T x) {
    return std::sqrt(x);
  }
  // dy/dx = 1 / (2 √x): infinite at 0, as in PyTorch.
  template <typename T>
  static T Derivative(T, T y) {
    return T(0.5) / y;
  }
};

NABLA_REGISTER_OP("Sqrt")
    .Input("x")
    .Output("y")
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<SqrtFn>)
    .Gradient(UnaryGradient<SqrtFn>)
    .GradientReads(ForwardValues::kOutputs)
    .InPlace()
    .GradientInPlace()
    .Doc("y = √x, elementwise (NaN for x < 0).");

}  // namespace
}  // namespace nabla
