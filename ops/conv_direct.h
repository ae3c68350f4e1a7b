// The forward product and the weight gradient of a stride-1 convolution,
// read from the sample's padded input instead of a column matrix
// (ops/conv_direct_kernel.inc, compiled for each kernel set).
//
// The column matrix costs what the product costs when channels are few
// (LeNet's 1 and 6 input channels): writing it, then packing it for the
// GEMM, took most of those layers' time. With stride 1 each of its rows is
// a run of the input padded once (PadPlanes), so the kernels read that
// instead. Each output element is the chain of multiply-adds Gemm computes
// for it from the column matrix, so the results are the same bits, in
// every kernel set (tests/ops/conv_direct_test checks it).
#ifndef NABLA_OPS_CONV_DIRECT_H_
#define NABLA_OPS_CONV_DIRECT_H_

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "ops/conv_geometry.h"
#include "ops/kernel_isa_choice.h"

namespace nabla {
namespace conv_direct_internal {

// The kernels of each set (ops/conv_direct_{portable,avx2,avx512}.cc):
// DirectForward and DirectWeightGradient of ops/conv_direct_kernel.inc.
#define NABLA_CONV_DIRECT_DECLARE_(Set, T)                                   \
  void DirectForward##Set(const T* x, const int64_t* offsets, int64_t depth, \
                          const T* w, int64_t rows, int64_t width, T* out,   \
                          int64_t out_stride, T* w_pack);                    \
  void DirectWeightGradient##Set(                                            \
      const T* x, const int64_t* offsets, int64_t depth, int64_t x_stride,   \
      int64_t out_height, int64_t out_width, const T* g, int64_t channels,   \
      int64_t g_stride, T* out);
NABLA_CONV_DIRECT_DECLARE_(Portable, float)
NABLA_CONV_DIRECT_DECLARE_(Portable, double)
NABLA_CONV_DIRECT_DECLARE_(Avx2, float)
NABLA_CONV_DIRECT_DECLARE_(Avx2, double)
NABLA_CONV_DIRECT_DECLARE_(Avx512, float)
NABLA_CONV_DIRECT_DECLARE_(Avx512, double)
#undef NABLA_CONV_DIRECT_DECLARE_

// Rows of the kernels' blocks are at most this many, and their columns
// come in whole blocks of at most this many elements.
inline constexpr int64_t kMaxBlockRows = 8;
inline constexpr int64_t kBlockCols = 32;

inline int64_t RoundUp(int64_t a, int64_t b) { return (a + b - 1) / b * b; }

}  // namespace conv_direct_internal

// True when the direct kernels compute this convolution: stride 1 (each
// row of the column matrix is then a run of the padded input), at least one
// input channel per group, and padded planes and an output grid of at most
// 2^32 elements (so their scratch sizes cannot overflow).
inline bool DirectConvApplies(const ConvGeometry& g) {
  constexpr int64_t kLimit = int64_t{1} << 32;
  const int64_t padded_height = g.in_height + g.pad_top + g.pad_bottom;
  const int64_t padded_width = g.in_width + g.pad_left + g.pad_right;
  if (g.stride_h != 1 || g.stride_w != 1 || g.group_in_channels() <= 0 ||
      g.group_out_channels() <= 0 || g.out_height <= 0 || g.out_width <= 0 ||
      g.out_height != padded_height - (g.kernel_height - 1) * g.dilation_h ||
      g.out_width != padded_width - (g.kernel_width - 1) * g.dilation_w) {
    return false;
  }
  if (padded_height > kLimit / padded_width) return false;
  const int64_t plane = padded_height * padded_width;
  return g.group_in_channels() <= kLimit / plane &&
         g.group_out_channels() <= kLimit / plane;
}

// The scratch elements of one lane of the direct kernels, for ScratchSizes.
struct DirectScratch {
  int64_t padded = 0;   // the padded planes and the slack after them
  int64_t grid = 0;     // the forward's output on the padded grid
  int64_t w_pack = 0;   // one block of rows of the weights
  int64_t dy_t = 0;     // dL/dy transposed, channels padded
  int64_t product = 0;  // dL/dw transposed, of one sample
  int64_t offsets = 0;  // where each row of the column matrix starts (int64)
};

inline DirectScratch DirectScratchOf(const ConvGeometry& g) {
  using namespace conv_direct_internal;  // NOLINT: the constants above
  const int64_t padded_height = g.in_height + g.pad_top + g.pad_bottom;
  const int64_t padded_width = g.in_width + g.pad_left + g.pad_right;
  const int64_t width = (g.out_height - 1) * padded_width + g.out_width;
  const int64_t channels = RoundUp(g.group_out_channels(), kBlockCols);
  DirectScratch s;
  s.padded = g.group_in_channels() * padded_height * padded_width + kBlockCols;
  s.grid = g.group_out_channels() * RoundUp(width, kBlockCols);
  s.w_pack = kMaxBlockRows * g.patch_size();
  s.dy_t = g.out_plane() * channels;
  s.product = g.patch_size() * channels;
  s.offsets = g.patch_size();
  return s;
}

// Copies the group's planes of one sample (x) into `padded`, zeros around
// them and after them (DirectScratch::padded elements).
template <typename T>
void PadPlanes(const ConvGeometry& g, const T* x, T* padded) {
  const int64_t height = g.in_height + g.pad_top + g.pad_bottom;
  const int64_t width = g.in_width + g.pad_left + g.pad_right;
  const int64_t planes = g.group_in_channels();
  std::fill(padded,
            padded + planes * height * width + conv_direct_internal::kBlockCols,
            T(0));
  for (int64_t c = 0; c < planes; ++c) {
    for (int64_t h = 0; h < g.in_height; ++h) {
      std::memcpy(padded + (c * height + g.pad_top + h) * width + g.pad_left,
                  x + (c * g.in_height + h) * g.in_width,
                  sizeof(T) * g.in_width);
    }
  }
}

// Where row (c, kh, kw) of the column matrix starts in the padded planes.
inline void RowOffsets(const ConvGeometry& g, int64_t* offsets) {
  const int64_t height = g.in_height + g.pad_top + g.pad_bottom;
  const int64_t width = g.in_width + g.pad_left + g.pad_right;
  int64_t k = 0;
  for (int64_t c = 0; c < g.group_in_channels(); ++c) {
    for (int64_t kh = 0; kh < g.kernel_height; ++kh) {
      for (int64_t kw = 0; kw < g.kernel_width; ++kw) {
        offsets[k++] =
            (c * height + kh * g.dilation_h) * width + kw * g.dilation_w;
      }
    }
  }
}

// y_ng (the group's out channels of one sample) = w_g · columns, from the
// padded planes, by the kernels of `isa` (which the CPU runs); `grid` and
// `w_pack` as DirectScratch says.
template <typename T>
void DirectConvForward(KernelIsa isa, const ConvGeometry& g, const T* padded,
                       const int64_t* offsets, const T* w_g, T* y_ng, T* grid,
                       T* w_pack) {
  using namespace conv_direct_internal;  // NOLINT: the kernels above
  const int64_t padded_width = g.in_width + g.pad_left + g.pad_right;
  const int64_t width = (g.out_height - 1) * padded_width + g.out_width;
  const int64_t stride = RoundUp(width, kBlockCols);
  const int64_t rows = g.group_out_channels(), depth = g.patch_size();
  switch (isa) {
#if defined(__x86_64__)
    case KernelIsa::kAvx512:
      DirectForwardAvx512(padded, offsets, depth, w_g, rows, width, grid,
                          stride, w_pack);
      break;
    case KernelIsa::kAvx2:
      DirectForwardAvx2(padded, offsets, depth, w_g, rows, width, grid, stride,
                        w_pack);
      break;
#endif
    default:
      DirectForwardPortable(padded, offsets, depth, w_g, rows, width, grid,
                            stride, w_pack);
  }
  // The padded grid's columns past out_width are not outputs.
  for (int64_t o = 0; o < rows; ++o) {
    for (int64_t oh = 0; oh < g.out_height; ++oh) {
      std::memcpy(y_ng + (o * g.out_height + oh) * g.out_width,
                  grid + o * stride + oh * padded_width,
                  sizeof(T) * g.out_width);
    }
  }
}

// product[k][o] = Σ over output positions p of columns[k][p] · dy_ng[o][p]
// (dL/dw_g of one sample, transposed, rows RoundUp(channels, 32) long),
// from the padded planes, by the kernels of `isa`; `dy_t` as DirectScratch
// says.
template <typename T>
void DirectConvWeightGradient(KernelIsa isa, const ConvGeometry& g,
                              const T* padded, const int64_t* offsets,
                              const T* dy_ng, T* dy_t, T* product) {
  using namespace conv_direct_internal;  // NOLINT: the kernels above
  const int64_t channels = g.group_out_channels();
  const int64_t stride = RoundUp(channels, kBlockCols);
  const int64_t plane = g.out_plane();
  for (int64_t p = 0; p < plane; ++p) {
    T* row = dy_t + p * stride;
    for (int64_t o = 0; o < channels; ++o) row[o] = dy_ng[o * plane + p];
    std::fill(row + channels, row + stride, T(0));
  }
  const int64_t padded_width = g.in_width + g.pad_left + g.pad_right;
  const int64_t depth = g.patch_size();
  switch (isa) {
#if defined(__x86_64__)
    case KernelIsa::kAvx512:
      DirectWeightGradientAvx512(padded, offsets, depth, padded_width,
                                 g.out_height, g.out_width, dy_t, channels,
                                 stride, product);
      break;
    case KernelIsa::kAvx2:
      DirectWeightGradientAvx2(padded, offsets, depth, padded_width,
                               g.out_height, g.out_width, dy_t, channels,
                               stride, product);
      break;
#endif
    default:
      DirectWeightGradientPortable(padded, offsets, depth, padded_width,
                                   g.out_height, g.out_width, dy_t, channels,
                                   stride, product);
  }
}

}  // namespace nabla

#endif  // NABLA_OPS_CONV_DIRECT_H_
