// ConvTranspose2D: the transposed 2-D convolution (the adjoint of Conv2D in
// its input, PyTorch's conv_transpose2d and ONNX's ConvTranspose), which
// upsamples: each input element adds w times itself into a KH x KW window
// of the output, windows `strides` apart.
//
//   x: [N, C, H, W].  w: [C, O / group, KH, KW] (PyTorch's and ONNX's
//   layout).  y: [N, O, OH, OW] with
//   OH = (H - 1) * stride_h - pad_top - pad_bottom + dilation_h * (KH - 1)
//        + output_padding_h + 1   (likewise OW).
//
//   strides, dilations, pads [top, left, bottom, right], group: as Conv2D's
//   (pads crop the output); output_padding [h, w]: rows and columns added
//   at the bottom and right, each smaller than the stride or the dilation.
//
// y is the gradient of the Conv2D that maps y's shape to x's with the same
// w and attributes, so the kernels are that convolution's
// (ops/conv_kernels.h): its backward pass for the input is this op's
// forward, and its forward is this op's gradient for x.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/conv_geometry.h"
#include "ops/conv_kernels.h"
#include "ops/shape_util.h"

namespace nabla {
namespace {

// The Conv2D from y's shape to x's: its input is y, its output x.
[[nodiscard]] absl::StatusOr<ConvGeometry> AdjointGeometry(
    const Shape& x, const Shape& w, const ResolvedAttrs& attrs) {
  if (x.rank() != 4 || w.rank() != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("x must be [N, C, H, W] and w [C, O / group, KH, KW]: x "
                     "is ",
                     x.ToString(), ", w is ", w.ToString()));
  }
  if (attrs.GetString("padding") != "explicit") {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'padding' must be \"explicit\" (give pads), "
                     "got \"",
                     attrs.GetString("padding"), "\""));
  }
  const int64_t group = attrs.GetInt("group");
  if (group < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'group' must be at least 1, got ", group));
  }
  const int64_t channels = x.dim(1);
  if (!DimsCompatible(channels, w.dim(0)) ||
      (channels >= 0 && channels % group != 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("w [C, O / group, KH, KW] must have x's C = ", channels,
                     " channels in dimension 0, divisible by group = ", group,
                     ": x is ", x.ToString(), ", w is ", w.ToString()));
  }
  NABLA_ASSIGN_OR_RETURN(const WindowAttrs window, ReadWindowAttrs(attrs, {}));
  NABLA_ASSIGN_OR_RETURN(
      const absl::Span<const int64_t> extra,
      IntListAttrOf(attrs, "output_padding", 2, /*minimum=*/0));
  int64_t out[2];
  for (int axis = 0; axis < 2; ++axis) {
    const int64_t stride = window.strides[axis];
    const int64_t dilation = window.dilations[axis];
    if (extra[axis] >= std::max(stride, dilation)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attribute 'output_padding' [", absl::StrJoin(extra, ", "),
          "] must be smaller than the stride or the dilation of each axis"));
    }
    const int64_t in = x.dim(2 + axis), kernel = w.dim(2 + axis);
    out[axis] = in < 0 ? -1
                       : (in - 1) * stride - window.pads[axis] -
                             window.pads[2 + axis] + dilation * (kernel - 1) +
                             extra[axis] + 1;
    if (in >= 0 && out[axis] < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the output ", axis == 0 ? "height" : "width", " would be ",
          out[axis], " for x ", x.ToString(), " and w ", w.ToString(),
          ": the pads crop more than the output holds"));
    }
  }
  const Shape y{x.dim(0), w.dim(1) * group, out[0], out[1]};
  NABLA_ASSIGN_OR_RETURN(ConvGeometry g, MakeConvGeometry(y, w, attrs));
  if (x.dim(2) >= 0 && (g.out_height != x.dim(2) || g.out_width != x.dim(3))) {
    return absl::InternalError(absl::StrCat(
        "ConvTranspose2D's adjoint convolution maps ", y.ToString(), " to ",
        g.out_height, " x ", g.out_width, ", not to x ", x.ToString()));
  }
  return g;
}

[[nodiscard]] absl::Status ConvTranspose2DShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckSameDType(ctx, {"x", "w"}));
  NABLA_ASSIGN_OR_RETURN(
      const ConvGeometry g,
      AdjointGeometry(ctx.input_shape(0), ctx.input_shape(1), ctx.attrs()));
  ctx.SetOutput(0, ctx.input_dtype(0),
                Shape{g.batch, g.in_channels, g.in_height, g.in_width});
  return SetConvScratchBytes(g, ctx);
}

// y = the adjoint convolution's gradient for its input, given x as its
// output's gradient.
[[nodiscard]] absl::Status ConvTranspose2DForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  Tensor& y = ctx.output(0);
  NABLA_ASSIGN_OR_RETURN(const ConvGeometry g,
                         AdjointGeometry(x.shape(), w.shape(), ctx.attrs()));
  absl::Status status;
  DispatchFloat(y.dtype(), [&](auto zero) {
    using T = decltype(zero);
    status = ConvBackward<T>(g, nullptr, w.data<T>(), x.data<T>(), y.data<T>(),
                             nullptr, ctx.scratch());
  });
  return status;
}

// y = Aᵀ(x) for the adjoint convolution A, linear in x, so dL/dx = A(dL/dy):
// that convolution's forward. dL/dw is its weight gradient with dL/dy in
// the place of its input and x in the place of its output's gradient.
[[nodiscard]] absl::Status ConvTranspose2DGradient(const GradientContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  const Tensor& dy = ctx.output_grad(0);
  Tensor* dx = ctx.input_grad(0);
  Tensor* dw = ctx.input_grad(1);
  NABLA_ASSIGN_OR_RETURN(const ConvGeometry g,
                         AdjointGeometry(x.shape(), w.shape(), ctx.attrs()));
  absl::Status status;
  DispatchFloat(dy.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if (dx != nullptr) {
      status = ConvForward<T>(g, dy.data<T>(), w.data<T>(), dx->data<T>(),
                              ctx.scratch());
    }
    if (status.ok() && dw != nullptr) {
      status = ConvBackward<T>(g, dy.data<T>(), w.data<T>(), x.data<T>(),
                               nullptr, dw->data<T>(), ctx.scratch());
    }
  });
  return status;
}

NABLA_REGISTER_OP("ConvTranspose2D")
    .Input("x")
    .Input("w")
    .Output("y")
    .IntListAttr("strides", {1, 1})
    .IntListAttr("dilations", {1, 1})
    .IntListAttr("pads", {0, 0, 0, 0})
    .Attr("padding", "explicit")
    .IntListAttr("output_padding", {0, 0})
    .Attr("group", 1)
    .ShapeFn(ConvTranspose2DShape)
    .Forward(ConvTranspose2DForward)
    .Gradient(ConvTranspose2DGradient)
    .GradientReads(ForwardValues::kInputs)
    .Doc(
        "Transposed 2-D convolution (upsampling) of x [N, C, H, W] with w "
        "[C, O/group, KH, KW]: strides, dilations, pads, output_padding, "
        "group.");

}  // namespace
}  // namespace nabla
