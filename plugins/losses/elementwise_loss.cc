#include "plugins/losses/elementwise_loss.h"

#include "absl/strings/str_cat.h"
#include "ops/shape_util.h"

namespace nabla {

[[nodiscard]] absl::Status ElementwiseLossShapeOf(ShapeContext& ctx,
                                                  absl::string_view predictions,
                                                  absl::string_view labels) {
  NABLA_RETURN_IF_ERROR(CheckSameDType(ctx, {predictions, labels}));
  const Shape& p = ctx.input_shape(0);
  const Shape& l = ctx.input_shape(1);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(p, predictions));
  if (!p.IsCompatibleWith(l)) {
    return absl::InvalidArgumentError(absl::StrCat(
        predictions, " and ", labels, " must have the same shape: ",
        predictions, " is ", p.ToString(), ", ", labels, " is ", l.ToString()));
  }
  // "none" keeps every element: a dimension unknown in one input may be
  // known in the other.
  Shape unreduced = p;
  for (int i = 0; i < unreduced.rank(); ++i) {
    if (unreduced.dim(i) < 0) unreduced.set_dim(i, l.dim(i));
  }
  return SetLossOutput(ctx, unreduced);
}

}  // namespace nabla
