// Softmax along one axis: y_i = e^(x_i) / sum_j e^(x_j), the sum running
// over the axis.
//
//   x: any shape of rank >= 1.  attr axis: int, default -1, negative counts
//   from the end.  y: the shape of x; each row along the axis sums to 1.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/op_registry.h"
#include "plugins/activations/softmax_rows.h"

namespace nabla {
namespace {

// The rows of Softmax, for RowwiseForward / RowwiseGradient.
struct SoftmaxKernels {
  // Subtracting the row maximum m first leaves y unchanged and keeps every
  // exponential in (0, 1], so none overflows and the sum is at least 1.
  template <typename T>
  static void Forward(const T* x, T* y, int64_t n, int64_t stride) {
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

  // Along one row, dy_i/dx_j = y_i (δ_ij - y_j), so
  //   dx_j = sum_i dy_i y_i (δ_ij - y_j) = y_j (dy_j - sum_i dy_i y_i).
  template <typename T>
  static void Gradient(const T* y, const T* dy, T* dx, int64_t n,
                       int64_t stride) {
    T dot = 0;
    for (int64_t k = 0; k < n; ++k) dot += dy[k * stride] * y[k * stride];
    for (int64_t k = 0; k < n; ++k) {
      dx[k * stride] = y[k * stride] * (dy[k * stride] - dot);
    }
  }
};

NABLA_REGISTER_OP("Softmax")
    .Input("x")
    .Output("y")
    .Attr("axis", -1)
    .Category(OpCategory::kActivation)
    .ShapeFn(SoftmaxShape)
    .Forward(RowwiseForward<SoftmaxKernels>)
    .Gradient(RowwiseGradient<SoftmaxKernels>)
    .GradientReads(ForwardValues::kOutputs)
    .Doc("Softmax e^x / sum(e^x) along axis (default -1, the last).");

}  // namespace
}  // namespace nabla
