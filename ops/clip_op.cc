// Clip: y = min(max(x, min), max), elementwise.
//
//   x: any shape.  y: the shape of x.
//   min, max: the bounds (default: none), min <= max.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

struct ClipFn {
  explicit ClipFn(const ResolvedAttrs& attrs)
      : lo(attrs.GetFloat("min")), hi(attrs.GetFloat("max")) {}
  // A NaN stays NaN: neither comparison holds for it.
  template <typename T>
  T Value(T x) const {
    return x < T(lo) ? T(lo) : (x > T(hi) ? T(hi) : x);
  }
  // 1 inside [min, max], bounds included (PyTorch's clamp), 0 outside.
  template <typename T>
  T Derivative(T x, T) const {
    return static_cast<T>(x >= T(lo) && x <= T(hi));
  }
  double lo, hi;
};

[[nodiscard]] absl::Status ClipShape(ShapeContext& ctx) {
  const double lo = ctx.attrs().GetFloat("min");
  const double hi = ctx.attrs().GetFloat("max");
  if (std::isnan(lo) || std::isnan(hi) || lo > hi) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attributes 'min' and 'max' must be numbers with min <= max, got min ",
        lo, ", max ", hi));
  }
  return UnaryShape(ctx);
}

NABLA_REGISTER_OP("Clip")
    .Input("x")
    .Output("y")
    .Attr("min", -HUGE_VAL)
    .Attr("max", HUGE_VAL)
    .ShapeFn(ClipShape)
    .Forward(UnaryForward<ClipFn>)
    .Gradient(UnaryGradient<ClipFn>)
    .GradientReads(ForwardValues::kInputs)
    .InPlace()
    .GradientInPlace()
    .Doc(
        "y = min(max(x, min), max), elementwise; the gradient passes where "
        "min <= x <= max.");

}  // namespace
}  // namespace nabla
