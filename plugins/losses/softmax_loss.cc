#include "plugins/losses/softmax_loss.h"

#include "absl/strings/str_cat.h"

namespace nabla {

[[nodiscard]] absl::Status CheckLogitsShape(const ShapeContext& ctx) {
  const Shape& logits = ctx.input_shape(0);
  if (logits.rank() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "logits must have rank 2 [N, C], got ", logits.ToString()));
  }
  if (logits.dim(1) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "logits must have at least one class, got ", logits.ToString()));
  }
  return absl::OkStatus();
}

}  // namespace nabla
