// The sizes of 2-D pooling (MaxPool2D, AvgPool2D) and the input elements
// each output reads. The attributes are ONNX's MaxPool and AveragePool:
//
//   x: [N, C, H, W].  y: [N, C, OH, OW], with
//   OH = (H + pad_top + pad_bottom - dilation_h * (KH - 1) - 1) / stride_h + 1
//   (and likewise OW), rounded down, or up with ceil_mode (a last window
//   that would start in the bottom or right padding is dropped).
//
//   kernel_shape [KH, KW], required
//   strides      [stride_h, stride_w], default the kernel's shape
//   dilations, pads, padding: as Conv2D's (ops/conv_geometry.h)
//   ceil_mode    round the output size up, default false
//
// Padding is not data: a window reads only the input elements it covers,
// so every window must cover at least one; one that covers padding only is
// refused when the graph is built.
#ifndef NABLA_OPS_POOL_GEOMETRY_H_
#define NABLA_OPS_POOL_GEOMETRY_H_

#include <algorithm>
#include <cstdint>

#include "absl/status/statusor.h"
#include "core/attrs.h"
#include "core/kernel_context.h"
#include "core/parallel.h"
#include "core/tensor.h"
#include "ops/conv_geometry.h"

namespace nabla {

// A ConvGeometry whose channels pass through: out_channels ==
// in_channels, and group is unused.
[[nodiscard]] absl::StatusOr<ConvGeometry> MakePoolGeometry(
    const Shape& x, const ResolvedAttrs& attrs);

// The attributes MaxPool2D and AvgPool2D share, for
// .AttrGroup(PoolWindowAttrs<OpDef>).
template <typename Def>
void PoolWindowAttrs(Def& def) {
  def.RequiredAttr("kernel_shape", AttrType::kIntList)
      .IntListAttr("strides", {})
      .IntListAttr("dilations", {1, 1})
      .IntListAttr("pads", {0, 0, 0, 0})
      .Attr("padding", "explicit")
      .Attr("ceil_mode", false);
}

// The shape function of MaxPool2D and AvgPool2D.
[[nodiscard]] absl::Status Pool2DShape(ShapeContext& ctx);

// The taps of one output index's window along one axis: `count` input
// elements from `first`, `step` apart; `with_padding` also counts the taps
// on padding (not those past it, where ceil_mode lets a window hang over).
struct WindowTaps {
  int64_t first = 0;
  int64_t count = 0;
  int64_t step = 1;
  int64_t with_padding = 0;
};

// a / b rounded toward minus infinity, for b > 0.
inline int64_t FloorDiv(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

// The taps of output index `i` along an axis of `in` elements.
inline WindowTaps TapsOf(int64_t i, int64_t in, int64_t kernel, int64_t stride,
                         int64_t dilation, int64_t pad_before,
                         int64_t pad_after) {
  const int64_t start = i * stride - pad_before;
  WindowTaps taps;
  taps.step = dilation;
  if (start >= 0 && start + (kernel - 1) * dilation < in) {
    // Inside the input, as most windows are: no divisions.
    taps.first = start;
    taps.count = taps.with_padding = kernel;
    return taps;
  }
  // First tap at or after 0, last tap before `in`, and before in + pad_after.
  const int64_t lo = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
  const int64_t hi = std::min(kernel - 1, FloorDiv(in - 1 - start, dilation));
  const int64_t padded_hi =
      std::min(kernel - 1, FloorDiv(in + pad_after - 1 - start, dilation));
  taps.first = start + lo * dilation;
  taps.count = std::max<int64_t>(0, hi - lo + 1);
  taps.with_padding = padded_hi + 1;
  return taps;
}

inline WindowTaps RowTaps(const ConvGeometry& g, int64_t oh) {
  return TapsOf(oh, g.in_height, g.kernel_height, g.stride_h, g.dilation_h,
                g.pad_top, g.pad_bottom);
}
inline WindowTaps ColumnTaps(const ConvGeometry& g, int64_t ow) {
  return TapsOf(ow, g.in_width, g.kernel_width, g.stride_w, g.dilation_w,
                g.pad_left, g.pad_right);
}

// Calls fn(plane) for every plane (n * C + c) of x. Planes run in
// parallel, and each on one thread, so a kernel that writes only its
// plane's elements gives the same bits for any thread count.
template <typename Fn>
void ForEachPoolPlane(const ConvGeometry& g, const Fn& fn) {
  const int64_t work = g.out_plane() * g.kernel_height * g.kernel_width;
  ParallelFor(g.batch * g.in_channels, GrainFor(work),
              [&](int64_t lo, int64_t hi) {
                for (int64_t p = lo; p < hi; ++p) fn(p);
              });
}

// Calls fn(plane, out_index, rows, cols) for every output element: plane
// (n * C + c) and out_index (oh * OW + ow) locate it, rows and cols are its
// window's taps; before a plane's first window, start_plane(plane). Each
// plane's outputs run in order, as ForEachPoolPlane runs planes.
template <typename Fn, typename StartPlane>
void ForEachPoolWindow(const ConvGeometry& g, const Fn& fn,
                       const StartPlane& start_plane) {
  ForEachPoolPlane(g, [&](int64_t p) {
    start_plane(p);
    for (int64_t oh = 0; oh < g.out_height; ++oh) {
      const WindowTaps rows = RowTaps(g, oh);
      for (int64_t ow = 0; ow < g.out_width; ++ow) {
        fn(p, oh * g.out_width + ow, rows, ColumnTaps(g, ow));
      }
    }
  });
}

template <typename Fn>
void ForEachPoolWindow(const ConvGeometry& g, const Fn& fn) {
  ForEachPoolWindow(g, fn, [](int64_t) {});
}

}  // namespace nabla

#endif  // NABLA_OPS_POOL_GEOMETRY_H_
