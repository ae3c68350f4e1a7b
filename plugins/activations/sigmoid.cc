// Sigmoid: y = 1 / (1 + e^-x), elementwise.
//
//   x: any shape.  y: the shape of x, in (0, 1).
#include <cmath>

#include "core/op_registry.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

struct SigmoidFn {
  // e^-x overflows for x << 0, so negative x uses the equivalent
  // e^x / (1 + e^x), whose exponential is at most 1.
  template <typename T>
  static T Value(T x) {
    if (x >= 0) return T{1} / (T{1} + std::exp(-x));
    const T e = std::exp(x);
    return e / (T{1} + e);
  }
  // dy/dx = e^-x / (1 + e^-x)² = y (1 - y).
  template <typename T>
  static T Derivative(T, T y) {
    return y * (T{1} - y);
  }
};

NABLA_REGISTER_OP("Sigmoid")
    .Input("x")
    .Output("y")
    .Category(OpCategory::kActivation)
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<SigmoidFn>)
    .Gradient(UnaryGradient<SigmoidFn>)
    .GradientReads(ForwardValues::kOutputs)
    .InPlace()
    .GradientInPlace()
    .Doc("Logistic sigmoid 1 / (1 + e^-x), elementwise.");

}  // namespace
}  // namespace nabla
