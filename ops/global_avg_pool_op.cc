// GlobalAvgPool: the mean of each channel's plane.
//
//   x: [N, C, H, W].  y: [N, C, 1, 1], y[n, c] = sum of x[n, c, :, :] / (H W).
#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/global_pool.h"
#include "ops/vector_loop.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status GlobalAvgPoolForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const PlaneLayout l = PlanesOf(x.shape());
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* in = x.data<T>();
    T* out = ctx.output(0).data<T>();
    VectorizedFor(l.planes, GrainFor(l.plane), [&](int64_t lo, int64_t hi) {
      for (int64_t p = lo; p < hi; ++p) {
        T sum = 0;
        for (int64_t i = 0; i < l.plane; ++i) sum += in[p * l.plane + i];
        out[p] = sum / static_cast<T>(l.plane);
      }
    });
  });
  return absl::OkStatus();
}

// dy/dx[n, c, h, w] = 1 / (H W): every element of a plane gets its mean's
// gradient divided by the plane's size.
[[nodiscard]] absl::Status GlobalAvgPoolGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  const PlaneLayout l = PlanesOf(dx->shape());
  DispatchFloat(dx->dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* g = ctx.output_grad(0).data<T>();
    T* out = dx->data<T>();
    VectorizedFor(l.planes, GrainFor(l.plane), [&](int64_t lo, int64_t hi) {
      for (int64_t p = lo; p < hi; ++p) {
        const T share = g[p] / static_cast<T>(l.plane);
        for (int64_t i = 0; i < l.plane; ++i) out[p * l.plane + i] = share;
      }
    });
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("GlobalAvgPool")
    .Input("x")
    .Output("y")
    .ShapeFn(GlobalPoolShape)
    .Forward(GlobalAvgPoolForward)
    .Gradient(GlobalAvgPoolGradient)
    .GradientReads(ForwardValues::kNone)
    .Doc("The mean of each channel's plane: [N, C, H, W] to [N, C, 1, 1].");

}  // namespace
}  // namespace nabla
