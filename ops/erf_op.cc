// Erf: y = erf(x) = 2/√π ∫₀ˣ e^(-t²) dt, elementwise (ONNX's Erf; GELU
// exported by PyTorch is built from it).
//
//   x: any shape.  y: the shape of x.
#include <cmath>

#include "core/op_registry.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

struct ErfFn {
  template <typename T>
  static T Value(T x) {
    return std::erf(x);
  }
  // dy/dx = 2/√π e^(-x²).
  template <typename T>
  static T Derivative(T x, T /*y*/) {
    constexpr double kTwoOverSqrtPi = 1.12837916709551257390;
    return static_cast<T>(kTwoOverSqrtPi) * std::exp(-x * x);
  }
};

NABLA_REGISTER_OP("Erf")
    .Input("x")
    .Output("y")
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<ErfFn>)
    .Gradient(UnaryGradient<ErfFn>)
    .GradientReads(ForwardValues::kInputs)
    .Doc("y = erf(x), the error function, elementwise.");

}  // namespace
}  // namespace nabla
