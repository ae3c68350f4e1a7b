// AvgPool2D: the mean of the input elements under each window.
//
//   x: [N, C, H, W].  y: [N, C, OH, OW] (sizes and attributes:
//   ops/pool_geometry.h), y[n, c, oh, ow] = sum of the elements of x[n, c]
//   the window of (oh, ow) covers / divisor.
//
// The divisor is the number of input elements the window covers, or with
// count_include_pad also its taps on padding (as zeros), though not those
// past the padding, where ceil_mode lets the last window hang over:
// PyTorch's AvgPool2d and ONNX's AveragePool agree on both.
#include <cstring>

#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/pool_geometry.h"

namespace nabla {
namespace {

int64_t Divisor(const WindowTaps& rows, const WindowTaps& cols,
                bool count_include_pad) {
  return count_include_pad ? rows.with_padding * cols.with_padding
                           : rows.count * cols.count;
}

[[nodiscard]] absl::Status AvgPool2DForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  NABLA_ASSIGN_OR_RETURN(const ConvGeometry g,
                         MakePoolGeometry(x.shape(), ctx.attrs()));
  const bool include_pad = ctx.attrs().GetBool("count_include_pad");
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* in = x.data<T>();
    T* out = ctx.output(0).data<T>();
    ForEachPoolWindow(g, [&](int64_t p, int64_t o, const WindowTaps& rows,
                             const WindowTaps& cols) {
      const T* plane = in + p * g.in_plane();
      T sum = 0;
      for (int64_t r = 0; r < rows.count; ++r) {
        const T* row = plane + (rows.first + r * rows.step) * g.in_width;
        for (int64_t c = 0; c < cols.count; ++c) {
          sum += row[cols.first + c * cols.step];
        }
      }
      out[p * g.out_plane() + o] =
          sum / static_cast<T>(Divisor(rows, cols, include_pad));
    });
  });
  return absl::OkStatus();
}

// Each input element under a window gets dL/dy of that window / divisor.
[[nodiscard]] absl::Status AvgPool2DGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  NABLA_ASSIGN_OR_RETURN(const ConvGeometry g,
                         MakePoolGeometry(dx->shape(), ctx.attrs()));
  const bool include_pad = ctx.attrs().GetBool("count_include_pad");
  DispatchFloat(dx->dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* dy = ctx.output_grad(0).data<T>();
    T* out = dx->data<T>();
    auto zero_plane = [&](int64_t p) {
      std::memset(out + p * g.in_plane(), 0, sizeof(T) * g.in_plane());
    };
    ForEachPoolWindow(
        g,
        [&](int64_t p, int64_t o, const WindowTaps& rows,
            const WindowTaps& cols) {
          const T share = dy[p * g.out_plane() + o] /
                          static_cast<T>(Divisor(rows, cols, include_pad));
          T* plane = out + p * g.in_plane();
          for (int64_t r = 0; r < rows.count; ++r) {
            T* row = plane + (rows.first + r * rows.step) * g.in_width;
            for (int64_t c = 0; c < cols.count; ++c) {
              row[cols.first + c * cols.step] += share;
            }
          }
        },
        zero_plane);
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("AvgPool2D")
    .Input("x")
    .Output("y")
    .AttrGroup(PoolWindowAttrs<OpDef>)
    .Attr("count_include_pad", false)
    .ShapeFn(Pool2DShape)
    .Forward(AvgPool2DForward)
    .Gradient(AvgPool2DGradient)
    .GradientReads(ForwardValues::kNone)
    .Doc(
        "Mean over windows of x [N, C, H, W]: kernel_shape [KH, KW], strides "
        "(default kernel_shape), dilations, pads [top, left, bottom, right] "
        "or padding \"same\"/\"valid\", ceil_mode, count_include_pad.");

}  // namespace
}  // namespace nabla
