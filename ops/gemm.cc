#include "ops/gemm.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "ops/gemm_kernels.h"
#include "ops/kernel_isa.h"

namespace nabla {
namespace gemm_internal {

namespace {

template <typename T>
void Dispatch(KernelIsa isa, const MatrixView<const T>& x,
              const MatrixView<const T>& y, const MatrixView<T>& out) {
  switch (isa) {
#if defined(__x86_64__)
    case KernelIsa::kAvx512:
      return GemmAvx512(x, y, out);
    case KernelIsa::kAvx2:
      return GemmAvx2(x, y, out);
#endif
    default:
      return GemmPortable(x, y, out);
  }
}

}  // namespace

void GemmWith(KernelIsa isa, const MatrixView<const float>& x,
              const MatrixView<const float>& y, const MatrixView<float>& out) {
  Dispatch(isa, x, y, out);
}

void GemmWith(KernelIsa isa, const MatrixView<const double>& x,
              const MatrixView<const double>& y,
              const MatrixView<double>& out) {
  Dispatch(isa, x, y, out);
}

std::string GemmKernelName(KernelIsa isa, bool is_double) {
  switch (isa) {
#if defined(__x86_64__)
    case KernelIsa::kAvx512:
      return GemmAvx512Name(is_double);
    case KernelIsa::kAvx2:
      return GemmAvx2Name(is_double);
#endif
    default:
      return GemmPortableName(is_double);
  }
}

}  // namespace gemm_internal

namespace {

// An empty out, or a sum over no k (all zeros): what the kernels do not
// handle.
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
  gemm_internal::GemmWith(ActiveKernelIsa(), x, y, out);
}

void Gemm(const MatrixView<const double>& x, const MatrixView<const double>& y,
          const MatrixView<double>& out) {
  if (Trivial(x, out)) return;
  gemm_internal::GemmWith(ActiveKernelIsa(), x, y, out);
}

std::string GemmKernels() {
  const KernelIsa isa = ActiveKernelIsa();
  return absl::StrCat(
      "float32 GEMM: ", gemm_internal::GemmKernelName(isa, false),
      ", float64 GEMM: ", gemm_internal::GemmKernelName(isa, true));
}

}  // namespace nabla
