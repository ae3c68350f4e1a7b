// Conv2D: the 2-D convolution (cross-correlation, as in every framework) of
// NCHW input with OIHW weights, the layouts of PyTorch and ONNX, so weights
// move between them unchanged. Sizes and attributes: ops/conv_geometry.h.
//
//   y[n, o, oh, ow] = sum over c, kh, kw of w[o, c, kh, kw] *
//       x[n, group_of(o) * C/group + c, oh * sh - pad_top + kh * dh,
//         ow * sw - pad_left + kw * dw]        (x is 0 outside its planes)
//
// The kernels are ops/conv_kernels.h's.
#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/conv_geometry.h"
#include "ops/conv_kernels.h"
#include "ops/shape_util.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status Conv2DShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckSameDType(ctx, {"x", "w"}));
  NABLA_ASSIGN_OR_RETURN(
      const ConvGeometry g,
      MakeConvGeometry(ctx.input_shape(0), ctx.input_shape(1), ctx.attrs()));
  ctx.SetOutput(0, ctx.input_dtype(0),
                Shape{g.batch, g.out_channels, g.out_height, g.out_width});
  return SetConvScratchBytes(g, ctx);
}

[[nodiscard]] absl::Status Conv2DForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  Tensor& y = ctx.output(0);
  NABLA_ASSIGN_OR_RETURN(const ConvGeometry g,
                         MakeConvGeometry(x.shape(), w.shape(), ctx.attrs()));
  absl::Status status;
  DispatchFloat(y.dtype(), [&](auto zero) {
    using T = decltype(zero);
    status =
        ConvForward(g, x.data<T>(), w.data<T>(), y.data<T>(), ctx.scratch());
  });
  return status;
}

[[nodiscard]] absl::Status Conv2DGradient(const GradientContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  const Tensor& dy = ctx.output_grad(0);
  Tensor* dx = ctx.input_grad(0);
  Tensor* dw = ctx.input_grad(1);
  NABLA_ASSIGN_OR_RETURN(const ConvGeometry g,
                         MakeConvGeometry(x.shape(), w.shape(), ctx.attrs()));
  absl::Status status;
  DispatchFloat(dy.dtype(), [&](auto zero) {
    using T = decltype(zero);
    status =
        ConvBackward(g, x.data<T>(), w.data<T>(), dy.data<T>(),
                     dx == nullptr ? nullptr : dx->data<T>(),
                     dw == nullptr ? nullptr : dw->data<T>(), ctx.scratch());
  });
  return status;
}

NABLA_REGISTER_OP("Conv2D")
    .Input("x")
    .Input("w")
    .Output("y")
    .IntListAttr("strides", {1, 1})
    .IntListAttr("dilations", {1, 1})
    .IntListAttr("pads", {0, 0, 0, 0})
    .Attr("padding", "explicit")
    .Attr("group", 1)
    .ShapeFn(Conv2DShape)
    .Forward(Conv2DForward)
    .Gradient(Conv2DGradient)
    .GradientReads(ForwardValues::kInputs)
    .Doc(
        "2-D convolution of x [N, C, H, W] with w [O, C/group, KH, KW]: "
        "strides, dilations, pads [top, left, bottom, right] or padding "
        "\"same\"/\"valid\", group.");

}  // namespace
}  // namespace nabla
