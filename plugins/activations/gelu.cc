// GELU: y = x Φ(x), elementwise, where Φ is the standard normal CDF.
//
//   x: any shape.  attr approximate: "none" (default) for the exact
//   x Φ(x) = x/2 (1 + erf(x/√2)); "tanh" for PyTorch's approximation
//   x/2 (1 + tanh(√(2/π) (x + 0.044715 x³))).  y: the shape of x.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

constexpr double kSqrtHalf = 0.70710678118654752440;     // 1/√2
constexpr double kInvSqrt2Pi = 0.39894228040143267794;   // 1/√(2π)
constexpr double kSqrt2OverPi = 0.79788456080286535588;  // √(2/π)
constexpr double kTanhCubic = 0.044715;

struct GeluFn {
  explicit GeluFn(const ResolvedAttrs& attrs)
      : tanh_form(attrs.GetString("approximate") == "tanh") {}

  template <typename T>
  T Value(T x) const {
    return tanh_form ? TanhValue(x) : ExactValue(x);
  }
  template <typename T>
  T Derivative(T x, T) const {
    return tanh_form ? TanhDerivative(x) : ExactDerivative(x);
  }

  // Φ(x) = erfc(-x/√2) / 2; unlike (1 + erf(x/√2)) / 2 it does not cancel
  // for x << 0.
  template <typename T>
  static T ExactValue(T x) {
    return T{0.5} * x * std::erfc(-x * static_cast<T>(kSqrtHalf));
  }
  // dy/dx = Φ(x) + x φ(x), φ(x) = e^(-x²/2) / √(2π).
  template <typename T>
  static T ExactDerivative(T x) {
    const T cdf = T{0.5} * std::erfc(-x * static_cast<T>(kSqrtHalf));
    const T pdf = static_cast<T>(kInvSqrt2Pi) * std::exp(T{-0.5} * x * x);
    return cdf + x * pdf;
  }

  template <typename T>
  static T TanhValue(T x) {
    const T u = static_cast<T>(kSqrt2OverPi) *
                (x + static_cast<T>(kTanhCubic) * x * x * x);
    return T{0.5} * x * (T{1} + std::tanh(u));
  }
  // With u = √(2/π) (x + c x³) and t = tanh u:
  //   dy/dx = (1 + t)/2 + x/2 (1 - t²) √(2/π) (1 + 3c x²).
  // Once t rounds to ±1 the second term is 0; computing it then would give
  // 0 · inf = NaN where x² overflows.
  template <typename T>
  static T TanhDerivative(T x) {
    const T x2 = x * x;
    const T u = static_cast<T>(kSqrt2OverPi) *
                (x + static_cast<T>(kTanhCubic) * x2 * x);
    const T t = std::tanh(u);
    const T sech2 = T{1} - t * t;
    if (sech2 == 0) return T{0.5} * (T{1} + t);
    return T{0.5} * (T{1} + t) +
           T{0.5} * x * sech2 * static_cast<T>(kSqrt2OverPi) *
               (T{1} + T{3} * static_cast<T>(kTanhCubic) * x2);
  }

  bool tanh_form;
};

[[nodiscard]] absl::Status GeluShape(ShapeContext& ctx) {
  const std::string& approximate = ctx.attrs().GetString("approximate");
  if (approximate != "none" && approximate != "tanh") {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'approximate' must be \"none\" or \"tanh\", "
                     "got \"",
                     approximate, "\""));
  }
  return UnaryShape(ctx);
}

NABLA_REGISTER_OP("GELU")
    .Input("x")
    .Output("y")
    .Attr("approximate", "none")
    .Category(OpCategory::kActivation)
    .ShapeFn(GeluShape)
    .Forward(UnaryForward<GeluFn>)
    .Gradient(UnaryGradient<GeluFn>)
    .Doc(
        "Gaussian error linear unit x Φ(x); approximate=\"tanh\" for the "
        "tanh form.");

}  // namespace
}  // namespace nabla
