// Softmax along one axis: y_i = e^(x_i) / sum_j e^(x_j), the sum running
// over the axis.
//
//   x: any shape of rank >= 1.  attr axis: int, default -1, negative counts
//   from the end.  y: the shape of x; each row along the axis sums to 1.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/op_registry.h"
#include "core/status_macros.h"
#include "plugins/activations/softmax_rows.h"

namespace nabla {
namespace {

// Subtracting the row maximum m first leaves y unchanged and keeps every
// exponential in (0, 1], so none overflows and the sum is at least 1.
template <typename T>
void SoftmaxRow(const T* x, T* y, int64_t n, int64_t stride) {
  T m = -std::numeric_limits<T>::infinity();
  for (int64_t k = 0; k < n; ++k) m = std::max(m, x[k * stride]);
  T sum = 0;
  for (int64_t k = 0; k < n; ++k) {
    const T e = std::exp(x[k * stride] - m);
    y[k * stride] = e;
    sum += e;
  }
  for (int64_t k = 0; k < n; ++k) y[k * stride] /= sum;
}

absl::Status SoftmaxForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  NABLA_ASSIGN_OR_RETURN(const SoftmaxRows rows,
                         MakeSoftmaxRows(ctx.attrs(), x.shape()));
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    T* py = ctx.output(0).data<T>();
    ForEachSoftmaxRow(rows, [&](int64_t start) {
      SoftmaxRow(px + start, py + start, rows.n, rows.inner);
    });
  });
  return absl::OkStatus();
}

// Along one row, dy_i/dx_j = y_i (δ_ij - y_j), so
//   dx_j = sum_i dy_i y_i (δ_ij - y_j) = y_j (dy_j - sum_i dy_i y_i).
template <typename T>
void SoftmaxGradientRow(const T* y, const T* dy, T* dx, int64_t n,
                        int64_t stride) {
  T dot = 0;
  for (int64_t k = 0; k < n; ++k) dot += dy[k * stride] * y[k * stride];
  for (int64_t k = 0; k < n; ++k) {
    dx[k * stride] = y[k * stride] * (dy[k * stride] - dot);
  }
}

absl::Status SoftmaxGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  NABLA_ASSIGN_OR_RETURN(const SoftmaxRows rows,
                         MakeSoftmaxRows(ctx.attrs(), dx->shape()));
  DispatchFloat(dx->dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* py = ctx.output(0).data<T>();
    const T* pg = ctx.output_grad(0).data<T>();
    T* out = dx->data<T>();
    ForEachSoftmaxRow(rows, [&](int64_t start) {
      SoftmaxGradientRow(py + start, pg + start, out + start, rows.n,
                         rows.inner);
    });
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("Softmax")
    .Input("x")
    .Output("y")
    .Attr("axis", -1)
    .Category(OpCategory::kActivation)
    .ShapeFn(SoftmaxShape)
    .Forward(SoftmaxForward)
    .Gradient(SoftmaxGradient)
    .Doc("Softmax e^x / sum(e^x) along axis (default -1, the last).");

}  // namespace
}  // namespace nabla
