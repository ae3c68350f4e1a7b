#include "ops/unary_op.h"

#include "core/status_macros.h"
#include "ops/shape_util.h"

namespace nabla {

absl::Status UnaryShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckMaxRank(ctx.input_shape(0), "x"));
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

}  // namespace nabla
