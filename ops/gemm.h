// Matrix products for MatMul and its gradient: out = x · y, where each
// matrix is a strided view, row-major or column-major (a transposed operand
// is the same memory read the other way).
//
// Float products run the AVX-512 kernel of ops/gemm_avx512.h on CPUs that
// have it, Eigen's products on a fixed tile grid (ops/gemm_eigen.h)
// elsewhere and for double. Either way every output element is summed in
// an order fixed by the shapes alone, so results are bit-identical for any
// thread setting, as the executor promises. The work runs on the caller's
// TBB arena.
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

// The same memory read as the transposed matrix.
template <typename T>
MatrixView<T> Transposed(const MatrixView<T>& v) {
  return {v.data, v.cols, v.rows, v.col_stride, v.row_stride};
}

// out = x · y. REQUIRES: x.cols == y.rows, out is x.rows x y.cols, and out
// does not overlap x or y.
void Gemm(const MatrixView<const float>& x, const MatrixView<const float>& y,
          const MatrixView<float>& out);
void Gemm(const MatrixView<const double>& x, const MatrixView<const double>& y,
          const MatrixView<double>& out);

}  // namespace nabla

#endif  // NABLA_OPS_GEMM_H_
