// Softplus: y = ln(1 + e^x), elementwise.
//
//   x: any shape.  y: the shape of x, positive.
#include <algorithm>
#include <cmath>

#include "core/op_registry.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

struct SoftplusFn {
  // ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|): the exponential is at most 1,
  // so nothing overflows, and log1p keeps the tail e^x for x << 0.
  template <typename T>
  static T Value(T x) {
    return std::max(x, T{0}) + std::log1p(std::exp(-std::abs(x)));
  }
  // dy/dx = e^x / (1 + e^x) = sigmoid(x), in the form whose exponential is
  // at most 1.
  template <typename T>
  static T Derivative(T x, T) {
    const T e = std::exp(-std::abs(x));
    return x >= 0 ? T{1} / (T{1} + e) : e / (T{1} + e);
  }
};

NABLA_REGISTER_OP("Softplus")
    .Input("x")
    .Output("y")
    .Category(OpCategory::kActivation)
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<SoftplusFn>)
    .Gradient(UnaryGradient<SoftplusFn>)
    .Doc("Softplus ln(1 + e^x), elementwise, stable for large |x|.");

}  // namespace
}  // namespace nabla
