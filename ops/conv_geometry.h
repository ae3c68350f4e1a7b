// The sizes of a 2-D convolution, from the shapes of its input and weights
// and the attributes Conv2D takes (the names and meanings are ONNX's Conv):
//
//   x: [N, C, H, W].  w: [O, C / group, KH, KW].  y: [N, O, OH, OW], with
//   OH = (H + pad_top + pad_bottom - dilation_h * (KH - 1) - 1) / stride_h + 1
//   (and likewise OW), rounded down.
//
//   strides   [stride_h, stride_w], default [1, 1]
//   dilations [dilation_h, dilation_w], default [1, 1]
//   pads      [top, left, bottom, right], default [0, 0, 0, 0]
//   padding   "explicit" (use pads), "valid" (no padding) or "same" (pad so
//             that OH = ceil(H / stride_h); an odd total puts the extra row
//             at the bottom and the extra column at the right, as ONNX's
//             SAME_UPPER, TensorFlow's and PyTorch's padding="same" do)
//   group     input and output channels split in `group` independent
//             convolutions; group == C == O is the depthwise convolution.
#ifndef NABLA_OPS_CONV_GEOMETRY_H_
#define NABLA_OPS_CONV_GEOMETRY_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/attrs.h"
#include "core/tensor.h"

namespace nabla {

struct ConvGeometry {
  // A size the graph does not know yet (a dimension of -1) stays -1 here
  // and in what follows from it.
  int64_t batch = 0, in_channels = 0, in_height = 0, in_width = 0;
  int64_t out_channels = 0, kernel_height = 0, kernel_width = 0;
  int64_t out_height = 0, out_width = 0;
  int64_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t group = 1;

  int64_t group_in_channels() const { return in_channels / group; }
  int64_t group_out_channels() const { return out_channels / group; }
  // Rows of the column matrix of one group: (C / group) * KH * KW.
  int64_t patch_size() const {
    return group_in_channels() * kernel_height * kernel_width;
  }
  int64_t in_plane() const { return in_height * in_width; }
  int64_t out_plane() const { return out_height * out_width; }
};

// The geometry of x and w under `attrs`, or InvalidArgument naming the
// attribute or input that does not fit and its value.
[[nodiscard]] absl::StatusOr<ConvGeometry> MakeConvGeometry(
    const Shape& x, const Shape& w, const ResolvedAttrs& attrs);

// What convolution and pooling share: the attributes `strides`,
// `dilations`, `pads` and `padding` as above, checked. An empty `strides`
// takes `default_strides` (pooling's stride is its window's size unless
// set); give an empty span where there is no such default.
struct WindowAttrs {
  absl::Span<const int64_t> strides, dilations, pads;
  bool same = false;
};
[[nodiscard]] absl::StatusOr<WindowAttrs> ReadWindowAttrs(
    const ResolvedAttrs& attrs, absl::Span<const int64_t> default_strides);

// The largest stride, dilation, pad or window size a shape function
// accepts: with tensor dimensions below 2^32 (kMaxTensorElements), the
// window arithmetic stays far from overflowing int64.
inline constexpr int64_t kMaxWindowAttr = int64_t{1} << 30;

// The int-list attribute `name`, which must have `size` entries, each at
// least `minimum` and at most kMaxWindowAttr.
[[nodiscard]] absl::StatusOr<absl::Span<const int64_t>> IntListAttrOf(
    const ResolvedAttrs& attrs, const char* name, size_t size, int64_t minimum);

// Sets g's strides, dilations, output sizes and pads from `window`, with
// the input and kernel sizes already in g; errors as MakeWindowAxis's.
[[nodiscard]] absl::Status PlaceWindow(const WindowAttrs& window,
                                       bool ceil_mode, ConvGeometry& g);

// One spatial axis ("height" or "width", for messages) of a window of
// `kernel` taps `dilation` apart sliding by `stride` over `in` elements
// padded by `before` and `after` (or as "same" asks). The output size is
// rounded down, or up with `ceil_mode`, where a last window that would
// start in the padding after the input is dropped (PyTorch's and ONNX's
// rule). An input size of -1 (unknown) gives an output of -1.
struct WindowAxis {
  int64_t out = -1;
  int64_t pad_before = 0, pad_after = 0;
};
[[nodiscard]] absl::StatusOr<WindowAxis> MakeWindowAxis(
    const char* axis, int64_t in, int64_t kernel, int64_t stride,
    int64_t dilation, int64_t before, int64_t after, bool same, bool ceil_mode);

}  // namespace nabla

#endif  // NABLA_OPS_CONV_GEOMETRY_H_
