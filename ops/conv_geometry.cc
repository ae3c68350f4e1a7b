#include "ops/conv_geometry.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"

namespace nabla {

[[nodiscard]] absl::StatusOr<absl::Span<const int64_t>> IntListAttrOf(
    const ResolvedAttrs& attrs, const char* name, size_t size,
    int64_t minimum) {
  const absl::Span<const int64_t> values = attrs.GetIntList(name);
  bool fits = values.size() == size;
  for (int64_t v : values) fits = fits && v >= minimum;
  if (!fits) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute '", name, "' must be ", size, " integers of at least ",
        minimum, ", got [", absl::StrJoin(values, ", "), "]"));
  }
  for (int64_t v : values) {
    if (v > kMaxWindowAttr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attribute '", name, "' holds ", v, ", more than ", kMaxWindowAttr));
    }
  }
  return values;
}

[[nodiscard]] absl::StatusOr<WindowAttrs> ReadWindowAttrs(
    const ResolvedAttrs& attrs, absl::Span<const int64_t> default_strides) {
  WindowAttrs w;
  if (attrs.GetIntList("strides").empty() && !default_strides.empty()) {
    w.strides = default_strides;
  } else {
    NABLA_ASSIGN_OR_RETURN(w.strides, IntListAttrOf(attrs, "strides", 2, 1));
  }
  NABLA_ASSIGN_OR_RETURN(w.dilations, IntListAttrOf(attrs, "dilations", 2, 1));
  NABLA_ASSIGN_OR_RETURN(w.pads, IntListAttrOf(attrs, "pads", 4, 0));
  const std::string& padding = attrs.GetString("padding");
  if (padding != "explicit" && padding != "same" && padding != "valid") {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'padding' must be \"explicit\", \"same\" or "
                     "\"valid\", got \"",
                     padding, "\""));
  }
  const absl::Span<const int64_t> pads = w.pads;
  if (padding != "explicit" && (pads[0] || pads[1] || pads[2] || pads[3])) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'pads' is [", absl::StrJoin(pads, ", "),
        "] but padding is \"", padding, "\": pads apply to \"explicit\" only"));
  }
  w.same = padding == "same";
  return w;
}

[[nodiscard]] absl::StatusOr<WindowAxis> MakeWindowAxis(
    const char* axis, int64_t in, int64_t kernel, int64_t stride,
    int64_t dilation, int64_t before, int64_t after, bool same,
    bool ceil_mode) {
  const int64_t extent = dilation * (kernel - 1) + 1;
  WindowAxis result;
  if (in < 0) return result;  // unknown until the data says
  if (same) {
    const int64_t out = (in + stride - 1) / stride;
    const int64_t total =
        std::max<int64_t>(0, (out - 1) * stride + extent - in);
    before = total / 2;
    after = total - before;
  }
  const int64_t padded = in + before + after;
  if (padded < extent) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the kernel's ", axis, " (", kernel, ", dilation ", dilation,
        ": it spans ", extent, ") is larger than the input's ", axis, " (", in,
        ", ", padded, " with padding)"));
  }
  const int64_t room = padded - extent;
  result.out = (ceil_mode ? (room + stride - 1) / stride : room / stride) + 1;
  if (ceil_mode && (result.out - 1) * stride >= in + before) --result.out;
  result.pad_before = before;
  result.pad_after = after;
  return result;
}

[[nodiscard]] absl::Status PlaceWindow(const WindowAttrs& window,
                                       bool ceil_mode, ConvGeometry& g) {
  g.stride_h = window.strides[0];
  g.stride_w = window.strides[1];
  g.dilation_h = window.dilations[0];
  g.dilation_w = window.dilations[1];
  const absl::Span<const int64_t> pads = window.pads;
  NABLA_ASSIGN_OR_RETURN(
      const WindowAxis rows,
      MakeWindowAxis("height", g.in_height, g.kernel_height, g.stride_h,
                     g.dilation_h, pads[0], pads[2], window.same, ceil_mode));
  NABLA_ASSIGN_OR_RETURN(
      const WindowAxis cols,
      MakeWindowAxis("width", g.in_width, g.kernel_width, g.stride_w,
                     g.dilation_w, pads[1], pads[3], window.same, ceil_mode));
  g.out_height = rows.out;
  g.out_width = cols.out;
  g.pad_top = rows.pad_before;
  g.pad_left = cols.pad_before;
  g.pad_bottom = rows.pad_after;
  g.pad_right = cols.pad_after;
  return absl::OkStatus();
}

[[nodiscard]] absl::StatusOr<ConvGeometry> MakeConvGeometry(
    const Shape& x, const Shape& w, const ResolvedAttrs& attrs) {
  if (x.rank() != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("x must be [N, C, H, W] (rank 4), got ", x.ToString()));
  }
  if (w.rank() != 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        "w must be [O, C / group, KH, KW] (rank 4), got ", w.ToString()));
  }
  for (int i = 0; i < 4; ++i) {
    if (w.dim(i) < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "w must have known, non-zero dimensions, got ", w.ToString()));
    }
  }
  NABLA_ASSIGN_OR_RETURN(const WindowAttrs window, ReadWindowAttrs(attrs, {}));
  const int64_t group = attrs.GetInt("group");
  if (group < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'group' must be at least 1, got ", group));
  }
  ConvGeometry g;
  g.batch = x.dim(0);
  g.in_channels = x.dim(1);
  g.in_height = x.dim(2);
  g.in_width = x.dim(3);
  g.out_channels = w.dim(0);
  g.kernel_height = w.dim(2);
  g.kernel_width = w.dim(3);
  g.group = group;
  if (g.out_channels % group != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("w's output channels (", g.out_channels,
                     ") must divide into group = ", group));
  }
  if (g.in_channels >= 0 && g.in_channels != w.dim(1) * group) {
    return absl::InvalidArgumentError(
        absl::StrCat("x has ", g.in_channels, " channels but w ", w.ToString(),
                     " with group ", group, " takes ", w.dim(1) * group, " (",
                     w.dim(1), " per group)"));
  }
  NABLA_RETURN_IF_ERROR(PlaceWindow(window, /*ceil_mode=*/false, g));
  return g;
}

}  // namespace nabla
