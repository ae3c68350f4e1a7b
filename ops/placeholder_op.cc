// Placeholder: a value fed from data each step (the batch of inputs or
// labels).
//
//   output: tensor of `dtype` and `shape`; -1 dimensions (usually the batch)
//           are known only when data is fed.
#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/shape_util.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status PlaceholderShape(ShapeContext& ctx) {
  NABLA_ASSIGN_OR_RETURN(const DType dtype,
                         DTypeFromName(ctx.attrs().GetString("dtype")));
  const Shape shape = ctx.attrs().GetShape("shape");
  NABLA_RETURN_IF_ERROR(CheckMaxRank(shape, "shape"));
  for (int64_t d : shape.dims()) {
    if (d < Shape::kUnknown) {
      return absl::InvalidArgumentError(absl::StrCat(
          "shape has a dimension ", d,
          "; dimensions are sizes >= 0, or -1 for a size known when data "
          "is fed"));
    }
  }
  ctx.SetOutput(0, dtype, shape);
  return absl::OkStatus();
}

NABLA_REGISTER_OP("Placeholder")
    .Role(OpRole::kPlaceholder)
    .Output("output")
    .Attr("dtype", "float32")
    .RequiredAttr("shape", AttrType::kShape)
    .ShapeFn(PlaceholderShape)
    .NoGradient()
    .Doc("A value fed from data each step; -1 dimensions are known then.");

}  // namespace
}  // namespace nabla
