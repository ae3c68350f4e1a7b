// BentIdentity, y = (sqrt(x^2 + 1) - 1) / 2 + x, as a plugin built in a
// workspace of its own (see BUILD and WORKSPACE here, and
// docs/plugins.md).
//
//   x: any shape.  y: the shape of x.  dy/dx = x / (2 sqrt(x^2 + 1)) + 1.
#include <cmath>

#include "core/plugin_api.h"

namespace {

[[nodiscard]] absl::Status BentIdentityShape(nabla::ShapeContext& ctx) {
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

[[nodiscard]] absl::Status BentIdentityForward(
    const nabla::KernelContext& ctx) {
  const nabla::Tensor& x = ctx.input(0);
  nabla::DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    T* py = ctx.output(0).data<T>();
    for (int64_t i = 0; i < x.num_elements(); ++i) {
      py[i] = (std::sqrt(px[i] * px[i] + T{1}) - T{1}) / T{2} + px[i];
    }
  });
  return absl::OkStatus();
}

[[nodiscard]] absl::Status BentIdentityGradient(
    const nabla::GradientContext& ctx) {
  nabla::Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  const nabla::Tensor& x = ctx.input(0);
  nabla::DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* pg = ctx.output_grad(0).data<T>();
    T* out = dx->data<T>();
    for (int64_t i = 0; i < x.num_elements(); ++i) {
      const T slope = px[i] / (T{2} * std::sqrt(px[i] * px[i] + T{1})) + T{1};
      out[i] = pg[i] * slope;
    }
  });
  return absl::OkStatus();
}

}  // namespace

NABLA_PLUGIN(registrar) {
  registrar.AddOp(nabla::OpDef("BentIdentity")
                      .Input("x")
                      .Output("y")
                      .Category(nabla::OpCategory::kActivation)
                      .ShapeFn(BentIdentityShape)
                      .Forward(BentIdentityForward)
                      .Gradient(BentIdentityGradient)
                      .Doc("(sqrt(x^2 + 1) - 1) / 2 + x, elementwise."));
}
