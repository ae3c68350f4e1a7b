#include "ops/reduction.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"

namespace nabla {

ReductionLayout MakeReductionLayout(int rank, const DimArray& sizes,
                                    const AxisMask& reduce,
                                    const DimArray& stride,
                                    const DimArray& stride2) {
  ReductionLayout l;
  for (int d = 0; d < rank; ++d) {
    if (reduce[d]) {
      l.reduced_size[l.num_reduced] = sizes[d];
      l.reduced_stride[l.num_reduced] = stride[d];
      l.reduced_stride2[l.num_reduced] = stride2[d];
      ++l.num_reduced;
      l.reduced_count *= sizes[d];
    } else {
      l.kept_size[l.num_kept] = sizes[d];
      l.kept_stride[l.num_kept] = stride[d];
      l.kept_stride2[l.num_kept] = stride2[d];
      ++l.num_kept;
      l.num_outputs *= sizes[d];
    }
  }
  return l;
}

[[nodiscard]] absl::StatusOr<AxisMask> ResolveAxes(
    absl::Span<const int64_t> axes, const Shape& shape) {
  AxisMask mask{};
  const int rank = shape.rank();
  if (axes.empty()) {
    for (int d = 0; d < rank; ++d) mask[d] = true;
    return mask;
  }
  for (int64_t axis : axes) {
    if (axis < -rank || axis >= rank) {
      return absl::InvalidArgumentError(absl::StrCat(
          "axis ", axis, " is out of range for x of shape ", shape.ToString(),
          " (rank ", rank, "; valid axes are ", -rank, " to ", rank - 1, ")"));
    }
    const int64_t d = axis < 0 ? axis + rank : axis;
    if (mask[d]) {
      return absl::InvalidArgumentError(
          absl::StrCat("axes [", absl::StrJoin(axes, ", "), "] name dimension ",
                       d, " twice (x is ", shape.ToString(), ")"));
    }
    mask[d] = true;
  }
  return mask;
}

Shape ReducedShape(const Shape& shape, const AxisMask& mask, bool keep_dims) {
  Shape out;
  for (int d = 0; d < shape.rank(); ++d) {
    if (!mask[d]) {
      out.AddDim(shape.dim(d));
    } else if (keep_dims) {
      out.AddDim(1);
    }
  }
  return out;
}

[[nodiscard]] absl::Status ReductionShape(ShapeContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(x, "x"));
  NABLA_ASSIGN_OR_RETURN(const AxisMask mask,
                         ResolveAxes(ctx.attrs().GetIntList("axes"), x));
  ctx.SetOutput(0, ctx.input_dtype(0),
                ReducedShape(x, mask, ctx.attrs().GetBool("keep_dims")));
  return absl::OkStatus();
}

}  // namespace nabla
