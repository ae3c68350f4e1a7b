// NumPy broadcasting for elementwise ops with two inputs.
//
// Shapes are aligned at their last dimension; a dimension of 1 (or a
// missing leading one) stretches to the other input's size. Kernels walk
// the output with a BroadcastCursor, which tracks each input's flat index
// (stride 0 on stretched dimensions), and sum gradients over the stretched
// dimensions with BroadcastGradientLayout (see ops/reduction.h).
#ifndef NABLA_OPS_BROADCAST_H_
#define NABLA_OPS_BROADCAST_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "ops/reduction.h"
#include "ops/shape_util.h"

namespace nabla {

// The broadcast shape of `a` and `b`, or InvalidArgument naming both
// shapes. Unknown dimensions: with 1 the result is the other dimension,
// with a known n > 1 it is n (the runtime shape must then be n or 1), and
// with another unknown it stays unknown.
[[nodiscard]] absl::StatusOr<Shape> BroadcastShape(const Shape& a,
                                                   const Shape& b);

// Strides of `in` seen from `out` (rank out.rank()): 0 on dimensions that
// `in` lacks or stretches. REQUIRES: `in` broadcasts to `out`, both known.
void BroadcastStrides(const Shape& in, const Shape& out, DimArray* strides);

// Walks output flat indices from `begin` upward, tracking the flat index of
// each of two inputs.
class BroadcastCursor {
 public:
  BroadcastCursor(const Shape& out, const DimArray& stride_a,
                  const DimArray& stride_b, int64_t begin);

  int64_t a() const { return a_; }
  int64_t b() const { return b_; }

  // Moves to the next output index.
  void Next() {
    for (int d = rank_ - 1; d >= 0; --d) {
      a_ += stride_a_[d];
      b_ += stride_b_[d];
      if (++idx_[d] < size_[d]) return;
      a_ -= idx_[d] * stride_a_[d];
      b_ -= idx_[d] * stride_b_[d];
      idx_[d] = 0;
    }
  }

 private:
  int rank_;
  DimArray size_{};
  DimArray stride_a_;
  DimArray stride_b_;
  DimArray idx_{};
  int64_t a_ = 0;
  int64_t b_ = 0;
};

// Layout that sums dL/dz over the dimensions along which input `in` was
// stretched to `out`. Output j of the layout is element j of `in`; offsets
// index z (and dz) through out_strides and the other input through
// other_strides (its BroadcastStrides).
ReductionLayout BroadcastGradientLayout(const Shape& in, const Shape& out,
                                        const DimArray& out_strides,
                                        const DimArray& other_strides);

}  // namespace nabla

#endif  // NABLA_OPS_BROADCAST_H_
