// LeakyReLU: y = x for x > 0, alpha x otherwise, elementwise.
//
//   x: any shape.  attr alpha: float, default 0.01, finite (negative is
//   allowed).  y: the shape of x.
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

struct LeakyReluFn {
  explicit LeakyReluFn(const ResolvedAttrs& attrs)
      : alpha(attrs.GetFloat("alpha")) {}

  template <typename T>
  T Value(T x) const {
    return x > 0 ? x : static_cast<T>(alpha) * x;
  }
  // dy/dx = 1 for x > 0 and alpha for x < 0; at the kink x = 0 we take
  // alpha, as PyTorch does.
  template <typename T>
  T Derivative(T x, T) const {
    return x > 0 ? T{1} : static_cast<T>(alpha);
  }

  double alpha;
};

[[nodiscard]] absl::Status LeakyReluShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckFiniteAttr(ctx.attrs(), "alpha"));
  return UnaryShape(ctx);
}

NABLA_REGISTER_OP("LeakyReLU")
    .Input("x")
    .Output("y")
    .Attr("alpha", 0.01)
    .Category(OpCategory::kActivation)
    .ShapeFn(LeakyReluShape)
    .Forward(UnaryForward<LeakyReluFn>)
    .Gradient(UnaryGradient<LeakyReluFn>)
    .Doc("Leaky rectified linear unit: x for x > 0, alpha x otherwise.");

}  // namespace
}  // namespace nabla
