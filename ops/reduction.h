// Reductions over a subset of dimensions, in a fixed order.
//
// A ReductionLayout splits the dimensions of a source tensor into "kept"
// dimensions, which index the outputs, and "reduced" dimensions, which are
// summed. ForEachReduced visits the source elements of one output in
// row-major order of the reduced dimensions, so a sum computed through it is
// the same for any thread count. ReduceSum and ReduceMean use it directly;
// the gradients of broadcasting ops use it to sum over broadcast dimensions.
//
//   ReductionLayout layout = MakeReductionLayout(rank, sizes, reduce,
//                                                strides, strides2);
//   for (int64_t j = 0; j < layout.num_outputs; ++j) {
//     T sum = 0;
//     ForEachReduced(layout, j, [&](int64_t off, int64_t) { sum += x[off]; });
//     y[j] = sum;
//   }
#ifndef NABLA_OPS_REDUCTION_H_
#define NABLA_OPS_REDUCTION_H_

#include <array>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/kernel_context.h"
#include "core/tensor.h"
#include "ops/shape_util.h"
#include "ops/vector_loop.h"

namespace nabla {

// axis_mask[d] is true when dimension d is reduced.
using AxisMask = std::array<bool, kMaxRank>;

struct ReductionLayout {
  int num_kept = 0;
  int num_reduced = 0;
  // Sizes and strides (in two source tensors) of the kept dimensions,
  // outermost first.
  DimArray kept_size{};
  DimArray kept_stride{};
  DimArray kept_stride2{};
  // The same for the reduced dimensions.
  DimArray reduced_size{};
  DimArray reduced_stride{};
  DimArray reduced_stride2{};
  // Product of kept sizes: the number of outputs.
  int64_t num_outputs = 1;
  // Product of reduced sizes: the number of terms of each sum.
  int64_t reduced_count = 1;
};

// Dimension d (of `rank`) has size sizes[d] and strides stride[d] and
// stride2[d] in the two sources; it is reduced when reduce[d].
ReductionLayout MakeReductionLayout(int rank, const DimArray& sizes,
                                    const AxisMask& reduce,
                                    const DimArray& stride,
                                    const DimArray& stride2);

// Calls fn(offset, offset2) for each source element that reduces into
// output `j` (row-major over the kept dimensions), in row-major order of the
// reduced dimensions. offset and offset2 index the two sources.
template <typename Fn>
void ForEachReduced(const ReductionLayout& l, int64_t j, Fn&& fn) {
  int64_t off = 0;
  int64_t off2 = 0;
  for (int k = l.num_kept - 1; k >= 0; --k) {
    const int64_t i = j % l.kept_size[k];
    j /= l.kept_size[k];
    off += i * l.kept_stride[k];
    off2 += i * l.kept_stride2[k];
  }
  if (l.reduced_count == 0) return;
  if (l.num_reduced == 0) {
    fn(off, off2);
    return;
  }
  const int last = l.num_reduced - 1;
  const int64_t n_last = l.reduced_size[last];
  const int64_t s_last = l.reduced_stride[last];
  const int64_t s2_last = l.reduced_stride2[last];
  DimArray idx{};
  while (true) {
    for (int64_t i = 0; i < n_last; ++i)
      fn(off + i * s_last, off2 + i * s2_last);
    int d = last - 1;
    for (; d >= 0; --d) {
      off += l.reduced_stride[d];
      off2 += l.reduced_stride2[d];
      if (++idx[d] < l.reduced_size[d]) break;
      off -= idx[d] * l.reduced_stride[d];
      off2 -= idx[d] * l.reduced_stride2[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

// The reduced dimensions of a tensor of `shape` given the `axes` attribute:
// an empty list reduces every dimension, negative axes count from the end.
// InvalidArgument, with the shape, for out-of-range or repeated axes.
[[nodiscard]] absl::StatusOr<AxisMask> ResolveAxes(
    absl::Span<const int64_t> axes, const Shape& shape);

// `shape` without the reduced dimensions, or with them set to 1 when
// keep_dims.
Shape ReducedShape(const Shape& shape, const AxisMask& mask, bool keep_dims);

// Shape function of ReduceSum and ReduceMean: input x, attributes axes and
// keep_dims.
[[nodiscard]] absl::Status ReductionShape(ShapeContext& ctx);

// y[j] = (sum of the x elements reducing into j) / divisor, for ReduceSum
// (divisor 1) and ReduceMean (divisor = count). Parallel over outputs; every
// sum runs in index order.
template <typename T>
void ReduceKernel(const Tensor& x, const AxisMask& mask, T divisor, Tensor* y) {
  const Shape& shape = x.shape();
  DimArray sizes{};
  DimArray strides{};
  for (int d = 0; d < shape.rank(); ++d) sizes[d] = shape.dim(d);
  RowMajorStrides(shape, &strides);
  const ReductionLayout layout =
      MakeReductionLayout(shape.rank(), sizes, mask, strides, strides);
  const T* in = x.data<T>();
  T* out = y->data<T>();
  VectorizedFor(layout.num_outputs, GrainFor(layout.reduced_count),
                [&](int64_t begin, int64_t end) {
                  for (int64_t j = begin; j < end; ++j) {
                    T sum = 0;
                    ForEachReduced(layout, j, [&](int64_t off, int64_t) {
                      sum += in[off];
                    });
                    out[j] = sum / divisor;
                  }
                });
}

// dx[i] = dy[j(i)] / divisor: the gradient of ReduceKernel, dy broadcast back
// over the reduced dimensions.
template <typename T>
void ReduceGradientKernel(const Tensor& dy, const AxisMask& mask, T divisor,
                          Tensor* dx) {
  const Shape& shape = dx->shape();
  // Strides of dy seen from dx: 0 on reduced dimensions.
  DimArray dy_strides{};
  int64_t stride = 1;
  for (int d = shape.rank() - 1; d >= 0; --d) {
    dy_strides[d] = mask[d] ? 0 : stride;
    if (!mask[d]) stride *= shape.dim(d);
  }
  DimArray sizes{};
  for (int d = 0; d < shape.rank(); ++d) sizes[d] = shape.dim(d);
  const T* g = dy.data<T>();
  T* out = dx->data<T>();
  const int rank = shape.rank();
  VectorizedFor(dx->num_elements(), GrainFor(2),
                [&](int64_t begin, int64_t end) {
                  DimArray idx{};
                  int64_t rest = begin;
                  int64_t src = 0;
                  for (int d = rank - 1; d >= 0; --d) {
                    idx[d] = rest % sizes[d];
                    rest /= sizes[d];
                    src += idx[d] * dy_strides[d];
                  }
                  for (int64_t i = begin; i < end; ++i) {
                    out[i] = g[src] / divisor;
                    for (int d = rank - 1; d >= 0; --d) {
                      src += dy_strides[d];
                      if (++idx[d] < sizes[d]) break;
                      src -= idx[d] * dy_strides[d];
                      idx[d] = 0;
                    }
                  }
                });
}

}  // namespace nabla

#endif  // NABLA_OPS_REDUCTION_H_
