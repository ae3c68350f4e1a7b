// Gather: the slices of x along `axis` that `indices` pick (ONNX's Gather,
// NumPy's take).
//
//   x: rank >= 1.  indices: any shape, integers in [-d, d) stored as
//   numbers (negative counts from the end) for d = x.dim(axis).
//   axis: default 0.  y: x.shape[:axis] + indices.shape +
//   x.shape[axis + 1:].
//
// The gradient scatters dL/dy back into dx, adding where an index repeats,
// in index order for every element: the same bits for any thread count.
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/parallel.h"
#include "core/status_macros.h"
#include "ops/index_values.h"
#include "ops/shape_util.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status GatherShape(ShapeContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const Shape& indices = ctx.input_shape(1);
  NABLA_RETURN_IF_ERROR(CheckSameDType(ctx, {"x", "indices"}));
  NABLA_ASSIGN_OR_RETURN(const int axis, AxisAttrOf(ctx.attrs(), x, "x"));
  std::vector<int64_t> dims(x.dims().begin(), x.dims().begin() + axis);
  dims.insert(dims.end(), indices.dims().begin(), indices.dims().end());
  dims.insert(dims.end(), x.dims().begin() + axis + 1, x.dims().end());
  Shape y(dims);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(y, "y"));
  ctx.SetOutput(0, ctx.input_dtype(0), std::move(y));
  return absl::OkStatus();
}

// x as [outer, d, inner]; y as [outer, count, inner] with count indices.
struct GatherLayout {
  int64_t outer = 1, d = 0, inner = 1, count = 0;
};

GatherLayout LayoutOf(const Shape& x, int64_t count, int axis) {
  GatherLayout l;
  for (int i = 0; i < axis; ++i) l.outer *= x.dim(i);
  for (int i = axis + 1; i < x.rank(); ++i) l.inner *= x.dim(i);
  l.d = x.dim(axis);
  l.count = count;
  return l;
}

// OK when every index is an integer in [-d, d).
template <typename T>
[[nodiscard]] absl::Status CheckIndices(const Tensor& indices, int64_t d) {
  int64_t unused = 0;
  for (int64_t i = 0; i < indices.num_elements(); ++i) {
    NABLA_RETURN_IF_ERROR(ReadIndex(1, indices.data<T>(), i, d,
                                    /*negative_from_end=*/true, &unused));
  }
  return absl::OkStatus();
}

// Index j as an offset into dimension d, after CheckIndices.
template <typename T>
int64_t OffsetAt(const T* indices, int64_t j, int64_t d) {
  const int64_t index = static_cast<int64_t>(indices[j]);
  return index < 0 ? index + d : index;
}

template <typename Context>
GatherLayout LayoutOf(const Context& ctx) {
  const Shape& x = ctx.input(0).shape();
  return LayoutOf(x, ctx.input(1).num_elements(),
                  ResolveAxis(ctx.attrs().GetInt("axis"), x.rank()));
}

[[nodiscard]] absl::Status GatherForward(const KernelContext& ctx) {
  const GatherLayout l = LayoutOf(ctx);
  absl::Status status;
  DispatchFloat(ctx.input(0).dtype(), [&](auto zero) {
    using T = decltype(zero);
    status = CheckIndices<T>(ctx.input(1), l.d);
    if (!status.ok()) return;
    const T* index = ctx.input(1).data<T>();
    const T* x = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    ParallelFor(
        l.outer * l.count, GrainFor(l.inner), [&](int64_t lo, int64_t hi) {
          for (int64_t r = lo; r < hi; ++r) {
            const int64_t o = r / l.count, j = r % l.count;
            std::copy_n(x + (o * l.d + OffsetAt(index, j, l.d)) * l.inner,
                        l.inner, y + r * l.inner);
          }
        });
  });
  return status;
}

// dx[o, index[j], i] += dy[o, j, i], j in order, each (o, i) by one task.
[[nodiscard]] absl::Status GatherGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  const GatherLayout l = LayoutOf(ctx);
  absl::Status status;
  DispatchFloat(dx->dtype(), [&](auto zero) {
    using T = decltype(zero);
    status = CheckIndices<T>(ctx.input(1), l.d);
    if (!status.ok()) return;
    const T* index = ctx.input(1).data<T>();
    const T* dy = ctx.output_grad(0).data<T>();
    T* out = dx->data<T>();
    std::fill(out, out + dx->num_elements(), T(0));
    ParallelFor(l.outer * l.inner, GrainFor(l.count),
                [&](int64_t lo, int64_t hi) {
                  for (int64_t lane = lo; lane < hi; ++lane) {
                    const int64_t o = lane / l.inner, i = lane % l.inner;
                    for (int64_t j = 0; j < l.count; ++j) {
                      out[(o * l.d + OffsetAt(index, j, l.d)) * l.inner + i] +=
                          dy[(o * l.count + j) * l.inner + i];
                    }
                  }
                });
  });
  return status;
}

NABLA_REGISTER_OP("Gather")
    .Input("x")
    .NonDifferentiableInput("indices")
    .Output("y")
    .Attr("axis", 0)
    .ShapeFn(GatherShape)
    .Forward(GatherForward)
    .Gradient(GatherGradient)
    .GradientReads(ForwardValues::kInputs)
    .Doc(
        "The slices of x along axis (default 0) at indices (integers, "
        "negative from the end); the gradient adds where indices repeat.");

}  // namespace
}  // namespace nabla
