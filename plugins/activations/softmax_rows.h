// What Softmax and LogSoftmax share: the `axis` attribute, the shape
// function, and the split of x into independent rows along the axis.
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
#include "core/parallel.h"
#include "core/tensor.h"

namespace nabla {

struct SoftmaxRows {
  int64_t outer = 1;
  int64_t n = 1;
  int64_t inner = 1;
};

// The dimension that attribute `axis` (negative counts from the end) names
// in x of `shape`; InvalidArgument naming the attribute, its value and the
// shape when it is out of range.
absl::StatusOr<int> ResolveSoftmaxAxis(int64_t axis, const Shape& shape);

// The rows of x (fully defined `shape`) along attribute `axis` of `attrs`.
absl::StatusOr<SoftmaxRows> MakeSoftmaxRows(const ResolvedAttrs& attrs,
                                            const Shape& shape);

// y has the dtype and shape of x; checks the rank and the axis attribute.
absl::Status SoftmaxShape(ShapeContext& ctx);

// Calls fn(start) for every row, whose elements sit at start + k * inner
// for k < n. Rows run in parallel with a fixed partition; each row is
// handled by one call, so sums along it run in index order.
template <typename Fn>
void ForEachSoftmaxRow(const SoftmaxRows& rows, const Fn& fn) {
  const int64_t inner = rows.inner;
  const int64_t row_span = rows.n * inner;
  ParallelFor(rows.outer * inner, GrainFor(4 * std::max<int64_t>(rows.n, 1)),
              [&](int64_t lo, int64_t hi) {
                for (int64_t r = lo; r < hi; ++r) {
                  fn(r / inner * row_span + r % inner);
                }
              });
}

}  // namespace nabla

#endif  // NABLA_PLUGINS_ACTIVATIONS_SOFTMAX_ROWS_H_
