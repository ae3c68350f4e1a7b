#include "ops/unary_op.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "ops/shape_util.h"

namespace nabla {

absl::Status UnaryShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckMaxRank(ctx.input_shape(0), "x"));
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status CheckFiniteAttr(const ResolvedAttrs& attrs,
                             absl::string_view name) {
  const double value = attrs.GetFloat(name);
  if (std::isfinite(value)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "attribute '", name, "' must be a finite number, got ", value));
}

}  // namespace nabla
