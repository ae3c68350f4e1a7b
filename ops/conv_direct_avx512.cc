// ops/conv_direct_kernel.inc for CPUs with AVX-512F.
#include <algorithm>
#include <cstdint>

#include "ops/conv_direct.h"

// Elsewhere the dispatch never calls these: ops/kernel_isa.cc offers only
// the portable set.
#if defined(__x86_64__)
#include <immintrin.h>

namespace nabla {
namespace conv_direct_internal {
namespace avx512 {
namespace {

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,fma"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,fma")
#endif

#include "ops/simd_avx512.inc"
// After the vector types it uses:
#include "ops/conv_direct_kernel.inc"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

}  // namespace
}  // namespace avx512

void DirectForwardAvx512(const float* x, const int64_t* offsets, int64_t depth,
                         const float* w, int64_t rows, int64_t width,
                         float* out, int64_t out_stride, float* w_pack) {
  avx512::DirectForward(x, offsets, depth, w, rows, width, out, out_stride,
                        w_pack);
}

void DirectWeightGradientAvx512(const float* x, const int64_t* offsets,
                                int64_t depth, int64_t x_stride,
                                int64_t out_height, int64_t out_width,
                                const float* g, int64_t channels,
                                int64_t g_stride, float* out) {
  avx512::DirectWeightGradient(x, offsets, depth, x_stride, out_height,
                               out_width, g, channels, g_stride, out);
}

void DirectForwardAvx512(const double* x, const int64_t* offsets, int64_t depth,
                         const double* w, int64_t rows, int64_t width,
                         double* out, int64_t out_stride, double* w_pack) {
  avx512::DirectForward(x, offsets, depth, w, rows, width, out, out_stride,
                        w_pack);
}

void DirectWeightGradientAvx512(const double* x, const int64_t* offsets,
                                int64_t depth, int64_t x_stride,
                                int64_t out_height, int64_t out_width,
                                const double* g, int64_t channels,
                                int64_t g_stride, double* out) {
  avx512::DirectWeightGradient(x, offsets, depth, x_stride, out_height,
                               out_width, g, channels, g_stride, out);
}

}  // namespace conv_direct_internal
}  // namespace nabla

#endif  // defined(__x86_64__)
