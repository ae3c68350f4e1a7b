// Slice: a strided window of x, as ONNX's Slice and Python's x[s:e:step].
//
//   x: any shape.  starts, ends: one per sliced axis; negative counts from
//   the end of the dimension, and both are clamped to it (so 2^62 means
//   "to the end").  axes: the sliced axes (default 0, 1, ...; negative
//   counts from the end).  steps: nonzero, negative walks backwards
//   (default 1).  y: x with each sliced dimension
//   max(0, ceil((end - start) / step)) long.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/shape_util.h"
#include "ops/strided_view.h"

namespace nabla {
namespace {

// One sliced axis.
struct AxisSlice {
  int axis = 0;
  int64_t start = 0, end = 0, step = 1;
};

// At most one slice per dimension, kept inline: kernels allocate nothing.
using Slices = absl::InlinedVector<AxisSlice, kMaxRank>;

[[nodiscard]] absl::StatusOr<Slices> SlicesOf(const ResolvedAttrs& attrs,
                                              int rank) {
  absl::Span<const int64_t> starts = attrs.GetIntList("starts");
  absl::Span<const int64_t> ends = attrs.GetIntList("ends");
  absl::Span<const int64_t> axes = attrs.GetIntList("axes");
  absl::Span<const int64_t> steps = attrs.GetIntList("steps");
  const size_t n = starts.size();
  if (ends.size() != n || (!axes.empty() && axes.size() != n) ||
      (!steps.empty() && steps.size() != n) || n > static_cast<size_t>(rank)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attributes 'starts' (", n, " values), 'ends' (", ends.size(),
        "), 'axes' (", axes.size(), ") and 'steps' (", steps.size(),
        ") must be as long as each other (axes and steps may be empty), at "
        "most rank ",
        rank, " of x"));
  }
  Slices slices;
  std::array<bool, kMaxRank> seen{};
  for (size_t i = 0; i < n; ++i) {
    AxisSlice s;
    const int64_t axis = axes.empty() ? static_cast<int64_t>(i) : axes[i];
    if (axis < -rank || axis >= rank || seen[axis < 0 ? axis + rank : axis]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attribute 'axes' [", absl::StrJoin(axes, ", "),
          "] must name distinct dimensions of x (rank ", rank, ")"));
    }
    s.axis = static_cast<int>(axis < 0 ? axis + rank : axis);
    seen[s.axis] = true;
    s.start = starts[i];
    s.end = ends[i];
    s.step = steps.empty() ? 1 : steps[i];
    if (s.step == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("attribute 'steps' [", absl::StrJoin(steps, ", "),
                       "] holds 0: a step must be nonzero"));
    }
    slices.push_back(s);
  }
  return slices;
}

// The first index and the length of `s` on a dimension of `size`.
struct Placed {
  int64_t first = 0, length = 0;
};

Placed Place(const AxisSlice& s, int64_t size) {
  if (size == 0) return {0, 0};
  int64_t start = s.start < 0 ? s.start + size : s.start;
  int64_t end = s.end < 0 ? s.end + size : s.end;
  if (s.step > 0) {
    start = std::clamp<int64_t>(start, 0, size);
    end = std::clamp<int64_t>(end, 0, size);
    return {start, std::max<int64_t>(0, (end - start + s.step - 1) / s.step)};
  }
  start = std::clamp<int64_t>(start, 0, size - 1);
  end = std::clamp<int64_t>(end, -1, size - 1);
  return {start, std::max<int64_t>(0, (start - end - s.step - 1) / -s.step)};
}

[[nodiscard]] absl::Status SliceShape(ShapeContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(x, "x"));
  NABLA_ASSIGN_OR_RETURN(const Slices slices, SlicesOf(ctx.attrs(), x.rank()));
  Shape y = x;
  for (const AxisSlice& s : slices) {
    const int64_t size = x.dim(s.axis);
    y.set_dim(s.axis, size < 0 ? Shape::kUnknown : Place(s, size).length);
  }
  ctx.SetOutput(0, ctx.input_dtype(0), std::move(y));
  return absl::OkStatus();
}

// y's elements in x: each sliced dimension starts at its first index and
// walks by its step.
[[nodiscard]] absl::StatusOr<StridedView> ViewOf(const ResolvedAttrs& attrs,
                                                 const Shape& x,
                                                 const Shape& y) {
  NABLA_ASSIGN_OR_RETURN(const Slices slices, SlicesOf(attrs, x.rank()));
  DimArray x_strides{};
  RowMajorStrides(x, &x_strides);
  StridedView view{y, x_strides, 0};
  for (const AxisSlice& s : slices) {
    const Placed placed = Place(s, x.dim(s.axis));
    view.offset += placed.first * x_strides[s.axis];
    view.strides[s.axis] = x_strides[s.axis] * s.step;
  }
  return view;
}

[[nodiscard]] absl::Status SliceForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.output(0);
  NABLA_ASSIGN_OR_RETURN(const StridedView view,
                         ViewOf(ctx.attrs(), x.shape(), y.shape()));
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    GatherView(view, x.data<T>(), y.data<T>());
  });
  return absl::OkStatus();
}

// dx is dy in the window, 0 elsewhere.
[[nodiscard]] absl::Status SliceGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  const Tensor& dy = ctx.output_grad(0);
  NABLA_ASSIGN_OR_RETURN(const StridedView view,
                         ViewOf(ctx.attrs(), dx->shape(), dy.shape()));
  DispatchFloat(dy.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* out = dx->data<T>();
    std::fill(out, out + dx->num_elements(), T(0));
    ScatterView(view, dy.data<T>(), out);
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("Slice")
    .Input("x")
    .Output("y")
    .RequiredAttr("starts", AttrType::kIntList)
    .RequiredAttr("ends", AttrType::kIntList)
    .IntListAttr("axes", {})
    .IntListAttr("steps", {})
    .ShapeFn(SliceShape)
    .Forward(SliceForward)
    .Gradient(SliceGradient)
    .GradientReads(ForwardValues::kNone)
    .Doc(
        "x[starts:ends:steps] along axes (ONNX's Slice: negative indices "
        "count from the end, and both ends are clamped).");

}  // namespace
}  // namespace nabla
