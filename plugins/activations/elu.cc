// ELU: y = x for x > 0, alpha (e^x - 1) otherwise, elementwise.
//
//   x: any shape.  attr alpha: float, default 1.0, finite (negative is
//   allowed).  y: the shape of x.
#include <cmath>

#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

struct EluFn {
  explicit EluFn(const ResolvedAttrs& attrs) : alpha(attrs.GetFloat("alpha")) {}

  // expm1 keeps the relative precision of e^x - 1 for x near 0.
  template <typename T>
  T Value(T x) const {
    return x > 0 ? x : static_cast<T>(alpha) * std::expm1(x);
  }
  // dy/dx = 1 for x > 0 and alpha e^x otherwise (alpha at x = 0, as in
  // PyTorch). From x rather than as y + alpha, which cancels for x << 0.
  template <typename T>
  T Derivative(T x, T) const {
    return x > 0 ? T{1} : static_cast<T>(alpha) * std::exp(x);
  }

  double alpha;
};

[[nodiscard]] absl::Status EluShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckFiniteAttr(ctx.attrs(), "alpha"));
  return UnaryShape(ctx);
}

NABLA_REGISTER_OP("ELU")
    .Input("x")
    .Output("y")
    .Attr("alpha", 1.0)
    .Category(OpCategory::kActivation)
    .ShapeFn(EluShape)
    .Forward(UnaryForward<EluFn>)
    .Gradient(UnaryGradient<EluFn>)
    .Doc("Exponential linear unit: x for x > 0, alpha (e^x - 1) otherwise.");

}  // namespace
}  // namespace nabla
