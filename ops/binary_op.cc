#include "ops/binary_op.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace nabla {

[[nodiscard]] absl::Status BinaryShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckSameDType(ctx, {"a", "b"}));
  NABLA_RETURN_IF_ERROR(CheckMaxRank(ctx.input_shape(0), "a"));
  NABLA_RETURN_IF_ERROR(CheckMaxRank(ctx.input_shape(1), "b"));
  NABLA_ASSIGN_OR_RETURN(
      Shape z, BroadcastShape(ctx.input_shape(0), ctx.input_shape(1)));
  ctx.SetOutput(0, ctx.input_dtype(0), std::move(z));
  return absl::OkStatus();
}

}  // namespace nabla
