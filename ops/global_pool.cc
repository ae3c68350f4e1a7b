#include "ops/global_pool.h"

#include "absl/strings/str_cat.h"

namespace nabla {

[[nodiscard]] absl::Status GlobalPoolShape(ShapeContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  if (x.rank() != 4 || x.dim(2) == 0 || x.dim(3) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "x must be [N, C, H, W] (rank 4) with H and W at least 1, got ",
        x.ToString()));
  }
  ctx.SetOutput(0, ctx.input_dtype(0), Shape{x.dim(0), x.dim(1), 1, 1});
  return absl::OkStatus();
}

}  // namespace nabla
