// The products behind Gemm (ops/gemm.h), one per instruction set
// (ops/kernel_isa.h): each is ops/gemm_kernel.inc compiled for that set.
// Gemm calls the active set's; tests and benchmarks call each set the CPU
// runs, to compare them.
//
// Within one set every element is the same chain of multiply-adds wherever
// it falls in the output and for any thread count. The AVX2 and AVX-512
// products fuse each multiply-add, so they give the same bits as each
// other; the portable product rounds the multiply and the add apart.
#ifndef NABLA_OPS_GEMM_KERNELS_H_
#define NABLA_OPS_GEMM_KERNELS_H_

#include <string>

#include "ops/gemm.h"
#include "ops/kernel_isa.h"

namespace nabla {
namespace gemm_internal {

// out = x · y under the REQUIRES of Gemm, with x.cols > 0 and out not
// empty, on the caller's TBB arena. REQUIRES: the CPU runs `isa`.
void GemmWith(KernelIsa isa, const MatrixView<const float>& x,
              const MatrixView<const float>& y, const MatrixView<float>& out);
void GemmWith(KernelIsa isa, const MatrixView<const double>& x,
              const MatrixView<const double>& y, const MatrixView<double>& out);

// The set's kernel and its register block (rows x columns of out), for
// reports: "avx2-fma 6x16".
std::string GemmKernelName(KernelIsa isa, bool is_double);

// The products of each set (ops/gemm_portable.cc, gemm_avx2.cc,
// gemm_avx512.cc) and their names.
void GemmPortable(const MatrixView<const float>& x,
                  const MatrixView<const float>& y,
                  const MatrixView<float>& out);
void GemmPortable(const MatrixView<const double>& x,
                  const MatrixView<const double>& y,
                  const MatrixView<double>& out);
std::string GemmPortableName(bool is_double);
void GemmAvx2(const MatrixView<const float>& x,
              const MatrixView<const float>& y, const MatrixView<float>& out);
void GemmAvx2(const MatrixView<const double>& x,
              const MatrixView<const double>& y, const MatrixView<double>& out);
std::string GemmAvx2Name(bool is_double);
void GemmAvx512(const MatrixView<const float>& x,
                const MatrixView<const float>& y, const MatrixView<float>& out);
void GemmAvx512(const MatrixView<const double>& x,
                const MatrixView<const double>& y,
                const MatrixView<double>& out);
std::string GemmAvx512Name(bool is_double);

}  // namespace gemm_internal
}  // namespace nabla

#endif  // NABLA_OPS_GEMM_KERNELS_H_
