// Swish: y = x sigmoid(beta x), elementwise; SiLU is Swish with beta = 1.
// Both names are registered here, since they share one functor.
//
//   x: any shape.  attr beta (Swish only): float, default 1.0, finite.
//   y: the shape of x.
#include <cmath>

#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

// sigmoid(z) in the form whose exponential is at most 1, so it neither
// overflows nor loses the tail e^z for z << 0.
template <typename T>
T StableSigmoid(T z) {
  const T e = std::exp(-std::abs(z));
  return z >= 0 ? T{1} / (T{1} + e) : e / (T{1} + e);
}

struct SwishFn {
  explicit SwishFn(double beta_value) : beta(beta_value) {}
  explicit SwishFn(const ResolvedAttrs& attrs)
      : SwishFn(attrs.GetFloat("beta")) {}

  template <typename T>
  T Value(T x) const {
    return x * StableSigmoid(static_cast<T>(beta) * x);
  }
  // With s = sigmoid(beta x), ds/dx = beta s (1 - s), so
  //   dy/dx = s + beta x s (1 - s).
  // From x, not y: s = y / x is undefined at 0. Once s rounds to 0 or 1 the
  // second term is 0; computing it then would give inf · 0 = NaN where
  // beta x overflows.
  template <typename T>
  T Derivative(T x, T) const {
    const T b = static_cast<T>(beta);
    const T s = StableSigmoid(b * x);
    const T ds = s * (T{1} - s);
    return ds == 0 ? s : s + b * x * ds;
  }

  double beta;
};

struct SiluFn : SwishFn {
  SiluFn() : SwishFn(1.0) {}
};

[[nodiscard]] absl::Status SwishShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckFiniteAttr(ctx.attrs(), "beta"));
  return UnaryShape(ctx);
}

NABLA_REGISTER_OP("Swish")
    .Input("x")
    .Output("y")
    .Attr("beta", 1.0)
    .Category(OpCategory::kActivation)
    .ShapeFn(SwishShape)
    .Forward(UnaryForward<SwishFn>)
    .Gradient(UnaryGradient<SwishFn>)
    .Doc("Swish x sigmoid(beta x), elementwise.");

NABLA_REGISTER_OP("SiLU")
    .Input("x")
    .Output("y")
    .Category(OpCategory::kActivation)
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<SiluFn>)
    .Gradient(UnaryGradient<SiluFn>)
    .Doc("Sigmoid linear unit x sigmoid(x): Swish with beta = 1.");

}  // namespace
}  // namespace nabla
