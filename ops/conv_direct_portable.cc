// ops/conv_direct_kernel.inc in plain C++ for any CPU, with the portable set's
// vectors (ops/simd_portable.inc).
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "ops/conv_direct.h"

namespace nabla {
namespace conv_direct_internal {
namespace portable {
namespace {

#include "ops/simd_portable.inc"
// After the vector types it uses:
#include "ops/conv_direct_kernel.inc"

}  // namespace
}  // namespace portable

void DirectForwardPortable(const float* x, const int64_t* offsets,
                           int64_t depth, const float* w, int64_t rows,
                           int64_t width, float* out, int64_t out_stride,
                           float* w_pack) {
  portable::DirectForward(x, offsets, depth, w, rows, width, out, out_stride,
                          w_pack);
}

void DirectWeightGradientPortable(const float* x, const int64_t* offsets,
                                  int64_t depth, int64_t x_stride,
                                  int64_t out_height, int64_t out_width,
                                  const float* g, int64_t channels,
                                  int64_t g_stride, float* out) {
  portable::DirectWeightGradient(x, offsets, depth, x_stride, out_height,
                                 out_width, g, channels, g_stride, out);
}

void DirectForwardPortable(const double* x, const int64_t* offsets,
                           int64_t depth, const double* w, int64_t rows,
                           int64_t width, double* out, int64_t out_stride,
                           double* w_pack) {
  portable::DirectForward(x, offsets, depth, w, rows, width, out, out_stride,
                          w_pack);
}

void DirectWeightGradientPortable(const double* x, const int64_t* offsets,
                                  int64_t depth, int64_t x_stride,
                                  int64_t out_height, int64_t out_width,
                                  const double* g, int64_t channels,
                                  int64_t g_stride, double* out) {
  portable::DirectWeightGradient(x, offsets, depth, x_stride, out_height,
                                 out_width, g, channels, g_stride, out);
}

}  // namespace conv_direct_internal
}  // namespace nabla
