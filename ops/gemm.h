// Matrix products for MatMul and its gradient: out = x · y, where each
// matrix is a strided view, row-major or column-major (a transposed operand
// is the same memory read the other way).
//
// The product is Eigen's (cache-blocked, vectorised) on a fixed grid of
// output tiles: tile (r, c) is x's row block r times y's column block c,
// one Eigen product computed by one task. The grid depends only on the
// shapes, so every output element is summed in the same order whatever the
// thread count: results are bit-identical for any thread setting, as the
// executor promises. Tiles run on the caller's TBB arena.
#ifndef NABLA_OPS_GEMM_H_
#define NABLA_OPS_GEMM_H_

#include <cstdint>

namespace nabla {

// Element (i, j) of a rows x cols matrix is data[i * row_stride + j *
// col_stride]. REQUIRES: row_stride == 1 or col_stride == 1.
template <typename T>
struct MatrixView {
  T* data;
  int64_t rows;
  int64_t cols;
  int64_t row_stride;
  int64_t col_stride;
};

// Output tiles: big enough that Eigen's packing is paid once per many
// multiply-adds, small enough that the MLP's products split into tasks.
inline constexpr int64_t kGemmTileRows = 64;
inline constexpr int64_t kGemmTileCols = 256;

// out = x · y. REQUIRES: x.cols == y.rows, out is x.rows x y.cols, and out
// does not overlap x or y.
void Gemm(const MatrixView<const float>& x, const MatrixView<const float>& y,
          const MatrixView<float>& out);
void Gemm(const MatrixView<const double>& x,
          const MatrixView<const double>& y, const MatrixView<double>& out);

}  // namespace nabla

#endif  // NABLA_OPS_GEMM_H_
