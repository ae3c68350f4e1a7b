// Floor, Ceil, Round and Trunc: x to a whole number, elementwise. Round
// goes to the nearest, halves to even (ONNX's and IEEE's default); Trunc
// towards zero (ONNX's Cast of a float to an integer).
//
//   x: any shape.  y: the shape of x.
//
// Each is a step function: its derivative is 0 wherever it exists, and
// the gradient is 0 everywhere (as PyTorch's), so a rounded value passes
// no gradient back.
#include <cmath>

#include "core/op_registry.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

struct StepDerivative {
  template <typename T>
  static T Derivative(T /*x*/, T /*y*/) {
    return T(0);
  }
};

struct FloorFn : StepDerivative {
  template <typename T>
  static T Value(T x) {
    return std::floor(x);
  }
};

struct CeilFn : StepDerivative {
  template <typename T>
  static T Value(T x) {
    return std::ceil(x);
  }
};

struct RoundFn : StepDerivative {
  // nearbyint rounds as the rounding mode says: to nearest, halves to
  // even, unless a program changed it.
  template <typename T>
  static T Value(T x) {
    return std::nearbyint(x);
  }
};

struct TruncFn : StepDerivative {
  template <typename T>
  static T Value(T x) {
    return std::trunc(x);
  }
};

NABLA_REGISTER_OP("Floor")
    .Input("x")
    .Output("y")
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<FloorFn>)
    .Gradient(UnaryGradient<FloorFn>)
    .GradientReads(ForwardValues::kInputs)
    .InPlace()
    .Doc("y = ⌊x⌋, elementwise; the gradient is 0.");

NABLA_REGISTER_OP("Ceil")
    .Input("x")
    .Output("y")
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<CeilFn>)
    .Gradient(UnaryGradient<CeilFn>)
    .GradientReads(ForwardValues::kInputs)
    .InPlace()
    .Doc("y = ⌈x⌉, elementwise; the gradient is 0.");

NABLA_REGISTER_OP("Round")
    .Input("x")
    .Output("y")
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<RoundFn>)
    .Gradient(UnaryGradient<RoundFn>)
    .GradientReads(ForwardValues::kInputs)
    .InPlace()
    .Doc(
        "y = x rounded to the nearest whole number, halves to even; the "
        "gradient is 0.");

NABLA_REGISTER_OP("Trunc")
    .Input("x")
    .Output("y")
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<TruncFn>)
    .Gradient(UnaryGradient<TruncFn>)
    .GradientReads(ForwardValues::kInputs)
    .InPlace()
    .Doc("y = x rounded towards zero, elementwise; the gradient is 0.");

}  // namespace
}  // namespace nabla
