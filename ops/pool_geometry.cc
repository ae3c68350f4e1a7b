#include "ops/pool_geometry.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

// InvalidArgument when an output index of an axis has a window over
// padding only. A window that starts inside the input reads it (its first
// tap), so only those starting in the padding are looked at: a loop over
// the padding, not over the whole axis.
[[nodiscard]] absl::Status CheckEveryWindowReadsInput(
    const char* axis, int64_t out, int64_t in, int64_t kernel, int64_t stride,
    int64_t dilation, int64_t before, int64_t after) {
  // The first output index whose window starts at or after the input's end.
  const int64_t past_input = (in + before + stride - 1) / stride;
  for (int64_t i = 0; i < out; ++i) {
    const int64_t start = i * stride - before;
    if (start >= 0 && start < in) {
      i = past_input - 1;  // the windows up to past_input start inside
      continue;
    }
    if (TapsOf(i, in, kernel, stride, dilation, before, after).count > 0) {
      continue;
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "output ", axis, " index ", i, " pools over padding only: its window (",
        kernel, " taps, dilation ", dilation, ") starts at ",
        i * stride - before, " of an input ", axis, " of ", in,
        " (padding before ", before, ", after ", after, "); use smaller pads"));
  }
  return absl::OkStatus();
}

}  // namespace

[[nodiscard]] absl::StatusOr<ConvGeometry> MakePoolGeometry(
    const Shape& x, const ResolvedAttrs& attrs) {
  if (x.rank() != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("x must be [N, C, H, W] (rank 4), got ", x.ToString()));
  }
  NABLA_ASSIGN_OR_RETURN(const absl::Span<const int64_t> kernel,
                         IntListAttrOf(attrs, "kernel_shape", 2, 1));
  NABLA_ASSIGN_OR_RETURN(const WindowAttrs window,
                         ReadWindowAttrs(attrs, kernel));
  const bool ceil_mode = attrs.GetBool("ceil_mode");
  ConvGeometry g;
  g.batch = x.dim(0);
  g.in_channels = g.out_channels = x.dim(1);
  g.in_height = x.dim(2);
  g.in_width = x.dim(3);
  g.kernel_height = kernel[0];
  g.kernel_width = kernel[1];
  NABLA_RETURN_IF_ERROR(PlaceWindow(window, ceil_mode, g));
  NABLA_RETURN_IF_ERROR(CheckEveryWindowReadsInput(
      "height", g.out_height, g.in_height, g.kernel_height, g.stride_h,
      g.dilation_h, g.pad_top, g.pad_bottom));
  NABLA_RETURN_IF_ERROR(CheckEveryWindowReadsInput(
      "width", g.out_width, g.in_width, g.kernel_width, g.stride_w,
      g.dilation_w, g.pad_left, g.pad_right));
  return g;
}

[[nodiscard]] absl::Status Pool2DShape(ShapeContext& ctx) {
  NABLA_ASSIGN_OR_RETURN(const ConvGeometry g,
                         MakePoolGeometry(ctx.input_shape(0), ctx.attrs()));
  ctx.SetOutput(0, ctx.input_dtype(0),
                Shape{g.batch, g.in_channels, g.out_height, g.out_width});
  return absl::OkStatus();
}

}  // namespace nabla
