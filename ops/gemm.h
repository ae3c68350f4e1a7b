// Matrix products for MatMul and its gradient: out = x · y, where each
// matrix is a strided view, row-major or column-major (a transposed operand
// is the same memory read the other way).
//
// The products run the register-blocked kernel of the instruction set
// chosen at run time (ops/kernel_isa.h: AVX-512, AVX2 with FMA, or portable
// C++; ops/gemm_kernels.h). Every output element is one chain of
// multiply-adds over k in order, whatever the thread count and wherever the
// element falls in the output, so results are bit-identical for any thread
// setting, as the executor promises, and a block of rows computed alone
// equals the same rows of the whole product. The work runs on the caller's
// TBB arena.
#ifndef NABLA_OPS_GEMM_H_
#define NABLA_OPS_GEMM_H_

#include <cstdint>
#include <string>

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

// The kernels Gemm runs on this CPU, for reports: "float32 GEMM: avx2-fma
// 6x16, float64 GEMM: avx2-fma 6x8".
std::string GemmKernels();

}  // namespace nabla

#endif  // NABLA_OPS_GEMM_H_
