// The column matrix of one sample and one group of a convolution, and its
// adjoint. With it the convolution is a matrix product:
//
//   columns[(c, kh, kw), (oh, ow)] = x[c, oh * stride_h - pad_top + kh *
//   dilation_h, ow * stride_w - pad_left + kw * dilation_w]  (0 outside x)
//   y[o, (oh, ow)] = sum over (c, kh, kw) of w[o, (c, kh, kw)] * columns
//
// for c below C / group: a patch_size() x out_plane() matrix, row-major.
#ifndef NABLA_OPS_IM2COL_H_
#define NABLA_OPS_IM2COL_H_

#include <algorithm>
#include <cstdint>

#include "core/parallel.h"
#include "ops/conv_geometry.h"

namespace nabla {
namespace im2col_internal {

// The output columns ow whose input column ow * stride + offset falls
// inside [0, width): [first, last).
struct ValidRange {
  int64_t first;
  int64_t last;
};

inline ValidRange Valid(int64_t offset, int64_t stride, int64_t width,
                        int64_t out_width) {
  // ow * stride + offset >= 0  <=>  ow >= ceil(-offset / stride)
  int64_t first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  // ow * stride + offset < width  <=>  ow <= (width - 1 - offset) / stride
  int64_t last = width - 1 - offset < 0 ? 0 : (width - 1 - offset) / stride + 1;
  first = std::min(first, out_width);
  last = std::clamp(last, first, out_width);
  return {first, last};
}

}  // namespace im2col_internal

// Fills `columns` from `x`, the group's C / group planes of one sample
// (in_height x in_width each, consecutive).
template <typename T>
void Im2Col(const ConvGeometry& g, const T* x, T* columns) {
  const int64_t kernel = g.kernel_height * g.kernel_width;
  ParallelFor(
      g.patch_size(), GrainFor(g.out_plane()), [&](int64_t lo, int64_t hi) {
        for (int64_t row = lo; row < hi; ++row) {
          const int64_t c = row / kernel;
          const int64_t kh = row % kernel / g.kernel_width;
          const int64_t kw = row % kernel % g.kernel_width;
          const T* plane = x + c * g.in_plane();
          const int64_t col_offset = kw * g.dilation_w - g.pad_left;
          const im2col_internal::ValidRange valid = im2col_internal::Valid(
              col_offset, g.stride_w, g.in_width, g.out_width);
          T* out = columns + row * g.out_plane();
          for (int64_t oh = 0; oh < g.out_height; ++oh, out += g.out_width) {
            const int64_t ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
            if (ih < 0 || ih >= g.in_height) {
              std::fill(out, out + g.out_width, T(0));
              continue;
            }
            // Indices, not a pointer to column col_offset: that may
            // lie before the plane.
            const int64_t start = ih * g.in_width + col_offset;
            std::fill(out, out + valid.first, T(0));
            if (g.stride_w == 1) {  // a run of x's row: copied as one
              std::copy(plane + start + valid.first, plane + start + valid.last,
                        out + valid.first);
            } else {
              for (int64_t ow = valid.first; ow < valid.last; ++ow) {
                out[ow] = plane[start + ow * g.stride_w];
              }
            }
            std::fill(out + valid.last, out + g.out_width, T(0));
          }
        }
      });
}

// The adjoint: adds each element of `columns` into the element of `dx` it
// was read from. dx (the group's planes of one sample) must hold zeros or
// what it is to be added to. Channels run in parallel; within a channel,
// additions follow (kh, kw, oh, ow) in order, so the sums are the same for
// any thread count.
template <typename T>
void Col2Im(const ConvGeometry& g, const T* columns, T* dx) {
  const int64_t kernel = g.kernel_height * g.kernel_width;
  ParallelFor(
      g.group_in_channels(), GrainFor(kernel * g.out_plane()),
      [&](int64_t lo, int64_t hi) {
        for (int64_t c = lo; c < hi; ++c) {
          T* plane = dx + c * g.in_plane();
          for (int64_t k = 0; k < kernel; ++k) {
            const int64_t kh = k / g.kernel_width;
            const int64_t kw = k % g.kernel_width;
            const int64_t col_offset = kw * g.dilation_w - g.pad_left;
            const im2col_internal::ValidRange valid = im2col_internal::Valid(
                col_offset, g.stride_w, g.in_width, g.out_width);
            const T* in = columns + (c * kernel + k) * g.out_plane();
            for (int64_t oh = 0; oh < g.out_height; ++oh, in += g.out_width) {
              const int64_t ih =
                  oh * g.stride_h - g.pad_top + kh * g.dilation_h;
              if (ih < 0 || ih >= g.in_height) continue;
              const int64_t start = ih * g.in_width + col_offset;
              if (g.stride_w == 1) {  // contiguous: the loop vectorises
                T* row = plane + start + valid.first;
                const T* from = in + valid.first;
                for (int64_t i = 0; i < valid.last - valid.first; ++i) {
                  row[i] += from[i];
                }
              } else {
                for (int64_t ow = valid.first; ow < valid.last; ++ow) {
                  plane[start + ow * g.stride_w] += in[ow];
                }
              }
            }
          }
        }
      });
}

}  // namespace nabla

#endif  // NABLA_OPS_IM2COL_H_
