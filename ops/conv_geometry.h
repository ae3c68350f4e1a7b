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
  int64_t pad_top = 0, pad_left = 0;
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

}  // namespace nabla

#endif  // NABLA_OPS_CONV_GEOMETRY_H_
