// GlobalMaxPool: the largest element of each channel's plane.
//
//   x: [N, C, H, W].  y: [N, C, 1, 1], y[n, c] = max of x[n, c, :, :].
//
// A NaN in a plane is its maximum (PyTorch's and NumPy's rule); among equal
// maxima the first in row-major order takes the gradient.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/global_pool.h"
#include "ops/vector_loop.h"

namespace nabla {
namespace {

// The index in `plane` (of n elements) of its maximum, as above.
template <typename T>
int64_t ArgMax(const T* plane, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i) {
    if (std::isnan(plane[best])) break;
    if (plane[i] > plane[best] || std::isnan(plane[i])) best = i;
  }
  return best;
}

[[nodiscard]] absl::Status GlobalMaxPoolForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const PlaneLayout l = PlanesOf(x.shape());
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* in = x.data<T>();
    T* out = ctx.output(0).data<T>();
    ParallelFor(l.planes, GrainFor(l.plane), [&](int64_t lo, int64_t hi) {
      for (int64_t p = lo; p < hi; ++p) {
        out[p] = in[p * l.plane + ArgMax(in + p * l.plane, l.plane)];
      }
    });
  });
  return absl::OkStatus();
}

// dy/dx is 1 at each plane's maximum (the first, among equals) and 0
// elsewhere.
[[nodiscard]] absl::Status GlobalMaxPoolGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  const Tensor& x = ctx.input(0);
  const PlaneLayout l = PlanesOf(x.shape());
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* in = x.data<T>();
    const T* g = ctx.output_grad(0).data<T>();
    T* out = dx->data<T>();
    ParallelFor(l.planes, GrainFor(l.plane), [&](int64_t lo, int64_t hi) {
      for (int64_t p = lo; p < hi; ++p) {
        T* plane = out + p * l.plane;
        for (int64_t i = 0; i < l.plane; ++i) plane[i] = 0;
        plane[ArgMax(in + p * l.plane, l.plane)] = g[p];
      }
    });
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("GlobalMaxPool")
    .Input("x")
    .Output("y")
    .ShapeFn(GlobalPoolShape)
    .Forward(GlobalMaxPoolForward)
    .Gradient(GlobalMaxPoolGradient)
    .GradientReads(ForwardValues::kInputs)
    .Doc(
        "The largest element of each channel's plane: [N, C, H, W] to "
        "[N, C, 1, 1].");

}  // namespace
}  // namespace nabla
