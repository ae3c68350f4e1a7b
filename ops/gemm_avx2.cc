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

template <typename T>
struct Vector;

template <>
struct Vector<float> {
  using Vec = __m256;
  using Mask = __m256i;
  static constexpr int kLanes = 8;
  static constexpr int kRows = 6;
  static Vec Zero() { return _mm256_setzero_ps(); }
  static Vec Broadcast(float v) { return _mm256_set1_ps(v); }
  static Vec Load(const float* p) { return _mm256_load_ps(p); }
  static void Store(float* p, Vec v) { _mm256_store_ps(p, v); }
  static Vec LoadAny(const float* p) { return _mm256_loadu_ps(p); }
  static void StoreAny(float* p, Vec v) { _mm256_storeu_ps(p, v); }
  static Mask FirstLanes(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static Vec LoadFirst(Mask m, const float* p) {
    return _mm256_maskload_ps(p, m);
  }
  static void StoreFirst(Mask m, float* p, Vec v) {
    _mm256_maskstore_ps(p, m, v);
  }
  static Vec MulAdd(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
};

template <>
struct Vector<double> {
  using Vec = __m256d;
  using Mask = __m256i;
  static constexpr int kLanes = 4;
  static constexpr int kRows = 6;
  static Vec Zero() { return _mm256_setzero_pd(); }
  static Vec Broadcast(double v) { return _mm256_set1_pd(v); }
  static Vec Load(const double* p) { return _mm256_load_pd(p); }
  static void Store(double* p, Vec v) { _mm256_store_pd(p, v); }
  static Vec LoadAny(const double* p) { return _mm256_loadu_pd(p); }
  static void StoreAny(double* p, Vec v) { _mm256_storeu_pd(p, v); }
  static Mask FirstLanes(int n) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n),
                              _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static Vec LoadFirst(Mask m, const double* p) {
    return _mm256_maskload_pd(p, m);
  }
  static void StoreFirst(Mask m, double* p, Vec v) {
    _mm256_maskstore_pd(p, m, v);
  }
  static Vec MulAdd(Vec a, Vec b, Vec c) { return _mm256_fmadd_pd(a, b, c); }
};

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
