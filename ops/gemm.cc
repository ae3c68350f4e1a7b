#include "ops/gemm.h"

#include "ops/gemm_avx512.h"
#include "ops/gemm_eigen.h"

namespace nabla {
namespace {

// An empty out, or a sum over no k (all zeros): what neither kernel
// handles.
template <typename T>
bool Trivial(const MatrixView<const T>& x, const MatrixView<T>& out) {
  if (out.rows == 0 || out.cols == 0) return true;
  if (x.cols > 0) return false;
  for (int64_t i = 0; i < out.rows; ++i) {
    for (int64_t j = 0; j < out.cols; ++j) {
      out.data[i * out.row_stride + j * out.col_stride] = T(0);
    }
  }
  return true;
}

}  // namespace

void Gemm(const MatrixView<const float>& x, const MatrixView<const float>& y,
          const MatrixView<float>& out) {
  if (Trivial(x, out)) return;
  if (gemm_internal::HasAvx512()) {
    gemm_internal::GemmAvx512(x, y, out);
  } else {
    gemm_internal::GemmEigen(x, y, out);
  }
}

void Gemm(const MatrixView<const double>& x, const MatrixView<const double>& y,
          const MatrixView<double>& out) {
  if (Trivial(x, out)) return;
  gemm_internal::GemmEigen(x, y, out);
}

}  // namespace nabla
