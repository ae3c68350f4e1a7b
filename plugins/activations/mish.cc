// Mish: y = x tanh(softplus(x)) = x tanh(ln(1 + e^x)), elementwise.
//
//   x: any shape.  y: the shape of x.
#include <algorithm>
#include <cmath>

#include "core/op_registry.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

// ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|), whose exponential is at most 1.
template <typename T>
T StableSoftplus(T x) {
  return std::max(x, T{0}) + std::log1p(std::exp(-std::abs(x)));
}

// sigmoid(x), the derivative of softplus, in the same overflow-free form.
template <typename T>
T StableSigmoid(T x) {
  const T e = std::exp(-std::abs(x));
  return x >= 0 ? T{1} / (T{1} + e) : e / (T{1} + e);
}

struct MishFn {
  template <typename T>
  static T Value(T x) {
    return x * std::tanh(StableSoftplus(x));
  }
  // With t = tanh(softplus(x)): dt/dx = (1 - t²) sigmoid(x), so
  //   dy/dx = t + x (1 - t²) sigmoid(x).
  template <typename T>
  static T Derivative(T x, T) {
    const T t = std::tanh(StableSoftplus(x));
    return t + x * (T{1} - t * t) * StableSigmoid(x);
  }
};

NABLA_REGISTER_OP("Mish")
    .Input("x")
    .Output("y")
    .Category(OpCategory::kActivation)
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<MishFn>)
    .Gradient(UnaryGradient<MishFn>)
    .Doc("Mish x tanh(softplus(x)), elementwise, stable for large |x|.");

}  // namespace
}  // namespace nabla
