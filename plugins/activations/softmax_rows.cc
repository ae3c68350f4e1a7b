#include "plugins/activations/softmax_rows.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "ops/shape_util.h"

namespace nabla {

[[nodiscard]] absl::StatusOr<int> ResolveSoftmaxAxis(int64_t axis,
                                                     const Shape& shape) {
  const int64_t rank = shape.rank();
  if (axis < -rank || axis >= rank) {
    const std::string valid =
        rank == 0 ? std::string("a scalar has no axis")
                  : absl::StrCat("valid axes are ", -rank, " to ", rank - 1);
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'axis' is ", axis, ", out of range for x of shape ",
        shape.ToString(), " (rank ", rank, "; ", valid, ")"));
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

[[nodiscard]] absl::StatusOr<SoftmaxRows> MakeSoftmaxRows(
    const ResolvedAttrs& attrs, const Shape& shape) {
  NABLA_ASSIGN_OR_RETURN(const int axis,
                         ResolveSoftmaxAxis(attrs.GetInt("axis"), shape));
  SoftmaxRows rows;
  for (int d = 0; d < axis; ++d) rows.outer *= shape.dim(d);
  rows.n = shape.dim(axis);
  for (int d = axis + 1; d < shape.rank(); ++d) rows.inner *= shape.dim(d);
  return rows;
}

[[nodiscard]] absl::Status SoftmaxShape(ShapeContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(x, "x"));
  NABLA_RETURN_IF_ERROR(
      ResolveSoftmaxAxis(ctx.attrs().GetInt("axis"), x).status());
  ctx.SetOutput(0, ctx.input_dtype(0), x);
  return absl::OkStatus();
}

}  // namespace nabla
