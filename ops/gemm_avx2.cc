// ops/gemm_kernel.inc for CPUs with AVX2 and FMA (Intel since Haswell, AMD
// since Zen): register blocks of 6 rows x 2 vectors, 12 of the 16 ymm
// registers accumulating, which keeps both FMA pipes busy through their
// latency: 6 x 16 for float, 6 x 8 for double.
#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/parallel.h"
#include "ops/gemm_kernels.h"
#include "tbb/task_arena.h"

// Elsewhere GemmWith never calls these: ops/kernel_isa.cc offers only the
// portable set.
#if defined(__x86_64__)
#include <immintrin.h>

namespace nabla {
namespace gemm_internal {
namespace avx2 {
namespace {

// Every function defined from here to the matching pop is compiled for
// avx2,fma (GCC's pragma; clang's attribute pragma says the same).
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

#include "ops/simd_avx2.inc"
// After the vector types it uses:
#include "ops/gemm_kernel.inc"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

}  // namespace
}  // namespace avx2

void GemmAvx2(const MatrixView<const float>& x,
              const MatrixView<const float>& y, const MatrixView<float>& out) {
  avx2::Product(x, y, out);
}

void GemmAvx2(const MatrixView<const double>& x,
              const MatrixView<const double>& y,
              const MatrixView<double>& out) {
  avx2::Product(x, y, out);
}

std::string GemmAvx2Name(bool is_double) {
  return is_double ? absl::StrCat("avx2-fma ", avx2::Vector<double>::kRows, "x",
                                  2 * avx2::Vector<double>::kLanes)
                   : absl::StrCat("avx2-fma ", avx2::Vector<float>::kRows, "x",
                                  2 * avx2::Vector<float>::kLanes);
}

}  // namespace gemm_internal
}  // namespace nabla

#endif  // defined(__x86_64__)
