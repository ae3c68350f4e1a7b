// ops/gemm_kernel.inc for CPUs with AVX-512F (Intel since Skylake-SP, AMD
// since Zen 4): register blocks of 8 rows x 2 vectors, 16 of the 32 zmm
// registers accumulating: 8 x 32 for float, 8 x 16 for double. Masked
// loads and stores handle the last columns of a row in place.
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
namespace avx512 {
namespace {

// Every function defined from here to the matching pop is compiled for
// avx512f,fma (GCC's pragma; clang's attribute pragma says the same).
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,fma"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,fma")
#endif

#include "ops/simd_avx512.inc"
// After the vector types it uses:
#include "ops/gemm_kernel.inc"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

}  // namespace
}  // namespace avx512

void GemmAvx512(const MatrixView<const float>& x,
                const MatrixView<const float>& y,
                const MatrixView<float>& out) {
  avx512::Product(x, y, out);
}

void GemmAvx512(const MatrixView<const double>& x,
                const MatrixView<const double>& y,
                const MatrixView<double>& out) {
  avx512::Product(x, y, out);
}

std::string GemmAvx512Name(bool is_double) {
  return is_double ? absl::StrCat("avx512-fma ", avx512::Vector<double>::kRows,
                                  "x", 2 * avx512::Vector<double>::kLanes)
                   : absl::StrCat("avx512-fma ", avx512::Vector<float>::kRows,
                                  "x", 2 * avx512::Vector<float>::kLanes);
}

}  // namespace gemm_internal
}  // namespace nabla

#endif  // defined(__x86_64__)
