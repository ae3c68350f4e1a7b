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

template <typename T>
struct Vector;

template <>
struct Vector<float> {
  using Vec = __m512;
  using Mask = __mmask16;
  static constexpr int kLanes = 16;
  static constexpr int kRows = 8;
  static Vec Zero() { return _mm512_setzero_ps(); }
  static Vec Broadcast(float v) { return _mm512_set1_ps(v); }
  static Vec Load(const float* p) { return _mm512_load_ps(p); }
  static void Store(float* p, Vec v) { _mm512_store_ps(p, v); }
  static Vec LoadAny(const float* p) { return _mm512_loadu_ps(p); }
  static void StoreAny(float* p, Vec v) { _mm512_storeu_ps(p, v); }
  static Mask FirstLanes(int n) { return static_cast<Mask>((1u << n) - 1); }
  static Vec LoadFirst(Mask m, const float* p) {
    return _mm512_maskz_loadu_ps(m, p);
  }
  static void StoreFirst(Mask m, float* p, Vec v) {
    _mm512_mask_storeu_ps(p, m, v);
  }
  static Vec MulAdd(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
};

template <>
struct Vector<double> {
  using Vec = __m512d;
  using Mask = __mmask8;
  static constexpr int kLanes = 8;
  static constexpr int kRows = 8;
  static Vec Zero() { return _mm512_setzero_pd(); }
  static Vec Broadcast(double v) { return _mm512_set1_pd(v); }
  static Vec Load(const double* p) { return _mm512_load_pd(p); }
  static void Store(double* p, Vec v) { _mm512_store_pd(p, v); }
  static Vec LoadAny(const double* p) { return _mm512_loadu_pd(p); }
  static void StoreAny(double* p, Vec v) { _mm512_storeu_pd(p, v); }
  static Mask FirstLanes(int n) { return static_cast<Mask>((1u << n) - 1); }
  static Vec LoadFirst(Mask m, const double* p) {
    return _mm512_maskz_loadu_pd(m, p);
  }
  static void StoreFirst(Mask m, double* p, Vec v) {
    _mm512_mask_storeu_pd(p, m, v);
  }
  static Vec MulAdd(Vec a, Vec b, Vec c) { return _mm512_fmadd_pd(a, b, c); }
};

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
