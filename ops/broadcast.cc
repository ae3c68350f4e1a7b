#include "ops/broadcast.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace nabla {
namespace {

// Dimension `d` of `out` as seen in `in`, aligned at the last dimension:
// 1 where `in` has no such dimension.
int64_t AlignedDim(const Shape& in, int out_rank, int d) {
  const int k = d - (out_rank - in.rank());
  return k < 0 ? 1 : in.dim(k);
}

}  // namespace

[[nodiscard]] absl::StatusOr<Shape> BroadcastShape(const Shape& a,
                                                   const Shape& b) {
  const int rank = std::max(a.rank(), b.rank());
  Shape out;
  for (int d = 0; d < rank; ++d) {
    const int64_t x = AlignedDim(a, rank, d);
    const int64_t y = AlignedDim(b, rank, d);
    int64_t dim;
    if (x == 1) {
      dim = y;
    } else if (y == 1) {
      dim = x;
    } else if (x < 0) {
      dim = y;  // unknown vs n > 1 is n; unknown vs unknown stays unknown
    } else if (y < 0 || x == y) {
      dim = x;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "shapes do not broadcast: a is ", a.ToString(), ", b is ",
          b.ToString(), " (dimension ", d - rank, " is ", x, " vs ", y, ")"));
    }
    out.AddDim(dim);
  }
  return out;
}

void BroadcastStrides(const Shape& in, const Shape& out, DimArray* strides) {
  const int rank = out.rank();
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    const int64_t dim = AlignedDim(in, rank, d);
    (*strides)[d] = (dim == out.dim(d) && dim != 1) ? stride : 0;
    stride *= dim;
  }
}

BroadcastCursor::BroadcastCursor(const Shape& out, const DimArray& stride_a,
                                 const DimArray& stride_b, int64_t begin)
    : rank_(out.rank()), stride_a_(stride_a), stride_b_(stride_b) {
  for (int d = rank_ - 1; d >= 0; --d) {
    size_[d] = out.dim(d);
    idx_[d] = begin % size_[d];
    begin /= size_[d];
    a_ += idx_[d] * stride_a_[d];
    b_ += idx_[d] * stride_b_[d];
  }
}

ReductionLayout BroadcastGradientLayout(const Shape& in, const Shape& out,
                                        const DimArray& out_strides,
                                        const DimArray& other_strides) {
  const int rank = out.rank();
  DimArray sizes{};
  AxisMask reduce{};
  for (int d = 0; d < rank; ++d) {
    sizes[d] = out.dim(d);
    reduce[d] = AlignedDim(in, rank, d) != out.dim(d);
  }
  return MakeReductionLayout(rank, sizes, reduce, out_strides, other_strides);
}

}  // namespace nabla
