#include "plugins/losses/loss_reduction.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace nabla {

[[nodiscard]] absl::StatusOr<LossAttrs> GetLossAttrs(
    const ResolvedAttrs& attrs) {
  LossAttrs loss;
  const std::string& reduction = attrs.GetString("reduction");
  if (reduction == "mean") {
    loss.reduction = Reduction::kMean;
  } else if (reduction == "sum") {
    loss.reduction = Reduction::kSum;
  } else if (reduction == "none") {
    loss.reduction = Reduction::kNone;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'reduction' must be \"mean\", \"sum\" or "
                     "\"none\", got \"",
                     reduction, "\""));
  }
  loss.weight = attrs.GetFloat("weight");
  if (!std::isfinite(loss.weight)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'weight' must be a finite number, got ", loss.weight));
  }
  return loss;
}

[[nodiscard]] absl::Status SetLossOutput(ShapeContext& ctx,
                                         const Shape& unreduced) {
  NABLA_ASSIGN_OR_RETURN(const LossAttrs loss, GetLossAttrs(ctx.attrs()));
  ctx.SetOutput(0, ctx.input_dtype(0),
                loss.reduction == Reduction::kNone ? unreduced : Shape{});
  return absl::OkStatus();
}

}  // namespace nabla
