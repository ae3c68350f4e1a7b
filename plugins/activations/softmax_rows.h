// What Softmax and LogSoftmax share: the `axis` attribute, the shape
// function, the split of x into independent rows along the axis, and the
// kernels that run a row function over every row.
//
// x of shape [d0, ..., d(r-1)] with axis a is viewed as [outer, n, inner]:
// n = d(a), outer the product of the dimensions before a, inner of those
// after. Each of the outer * inner rows holds n elements, `inner` apart.
#ifndef NABLA_PLUGINS_ACTIVATIONS_SOFTMAX_ROWS_H_
#define NABLA_PLUGINS_ACTIVATIONS_SOFTMAX_ROWS_H_

#include <algorithm>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/kernel_context.h"
#include "core/tensor.h"
#include "ops/vector_loop.h"

namespace nabla {

struct SoftmaxRows {
  int64_t outer = 1;
  int64_t n = 1;
  int64_t inner = 1;
};

// The dimension that attribute `axis` (negative counts from the end) names
// in x of `shape`; InvalidArgument naming the attribute, its value and the
// shape when it is out of range.
[[nodiscard]] absl::StatusOr<int> ResolveSoftmaxAxis(int64_t axis,
                                                     const Shape& shape);

// The rows of x (fully defined `shape`) along attribute `axis` of `attrs`.
[[nodiscard]] absl::StatusOr<SoftmaxRows> MakeSoftmaxRows(
    const ResolvedAttrs& attrs, const Shape& shape);

// y has the dtype and shape of x; checks the rank and the axis attribute.
[[nodiscard]] absl::Status SoftmaxShape(ShapeContext& ctx);

// Calls fn(start) for every row, whose elements sit at start + k * inner
// for k < n. Rows run in parallel with a fixed partition; each row is
// handled by one call, so sums along it run in index order.
template <typename Fn>
void ForEachSoftmaxRow(const SoftmaxRows& rows, const Fn& fn) {
  const int64_t inner = rows.inner;
  const int64_t row_span = rows.n * inner;
  VectorizedFor(rows.outer * inner, GrainFor(4 * std::max<int64_t>(rows.n, 1)),
                [&](int64_t lo, int64_t hi) {
                  for (int64_t r = lo; r < hi; ++r) {
                    fn(r / inner * row_span + r % inner);
                  }
                });
}

// The kernels of an op computed row by row. `Row` supplies
//   template <typename T> static void Forward(const T* x, T* y, int64_t n,
//                                             int64_t stride);
//   template <typename T> static void Gradient(const T* y, const T* dy,
//                                              T* dx, int64_t n,
//                                              int64_t stride);
// where element k of a row sits at k * stride.
template <typename Row>
[[nodiscard]] absl::Status RowwiseForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  absl::StatusOr<SoftmaxRows> rows = MakeSoftmaxRows(ctx.attrs(), x.shape());
  if (!rows.ok()) return rows.status();
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    T* py = ctx.output(0).data<T>();
    ForEachSoftmaxRow(*rows, [&](int64_t start) {
      Row::Forward(px + start, py + start, rows->n, rows->inner);
    });
  });
  return absl::OkStatus();
}

template <typename Row>
[[nodiscard]] absl::Status RowwiseGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  absl::StatusOr<SoftmaxRows> rows = MakeSoftmaxRows(ctx.attrs(), dx->shape());
  if (!rows.ok()) return rows.status();
  DispatchFloat(dx->dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* py = ctx.output(0).data<T>();
    const T* pg = ctx.output_grad(0).data<T>();
    T* out = dx->data<T>();
    ForEachSoftmaxRow(*rows, [&](int64_t start) {
      Row::Gradient(py + start, pg + start, out + start, rows->n, rows->inner);
    });
  });
  return absl::OkStatus();
}

}  // namespace nabla

#endif  // NABLA_PLUGINS_ACTIVATIONS_SOFTMAX_ROWS_H_
