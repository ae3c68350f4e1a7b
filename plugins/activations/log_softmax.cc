// LogSoftmax along one axis: y_i = x_i - ln sum_j e^(x_j), the sum running
// over the axis.
//
//   x: any shape of rank >= 1.  attr axis: int, default -1, negative counts
//   from the end.  y: the shape of x, <= 0.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/op_registry.h"
#include "plugins/activations/softmax_rows.h"

namespace nabla {
namespace {

// The rows of LogSoftmax, for RowwiseForward / RowwiseGradient.
struct LogSoftmaxKernels {
  // Log-sum-exp with the row maximum m taken out:
  //   ln sum_j e^(x_j) = m + ln sum_j e^(x_j - m),
  // whose exponentials are in (0, 1] and whose sum is at least 1, so the log
  // is finite. y = (x - m) - ln sum keeps x - m exact for the largest x.
  template <typename T>
  static void Forward(const T* x, T* y, int64_t n, int64_t stride) {
    T m = -std::numeric_limits<T>::infinity();
    for (int64_t k = 0; k < n; ++k) m = std::max(m, x[k * stride]);
    T sum = 0;
    for (int64_t k = 0; k < n; ++k) sum += std::exp(x[k * stride] - m);
    const T log_sum = std::log(sum);
    for (int64_t k = 0; k < n; ++k) {
      y[k * stride] = (x[k * stride] - m) - log_sum;
    }
  }

  // Along one row, y_i = x_i - lse(x) and d lse / dx_j = softmax_j = e^(y_j),
  // so dy_i/dx_j = δ_ij - e^(y_j) and
  //   dx_j = sum_i dy_i (δ_ij - e^(y_j)) = dy_j - e^(y_j) sum_i dy_i.
  template <typename T>
  static void Gradient(const T* y, const T* dy, T* dx, int64_t n,
                       int64_t stride) {
    T sum = 0;
    for (int64_t k = 0; k < n; ++k) sum += dy[k * stride];
    for (int64_t k = 0; k < n; ++k) {
      dx[k * stride] = dy[k * stride] - std::exp(y[k * stride]) * sum;
    }
  }
};

NABLA_REGISTER_OP("LogSoftmax")
    .Input("x")
    .Output("y")
    .Attr("axis", -1)
    .Category(OpCategory::kActivation)
    .ShapeFn(SoftmaxShape)
    .Forward(RowwiseForward<LogSoftmaxKernels>)
    .Gradient(RowwiseGradient<LogSoftmaxKernels>)
    .GradientReads(ForwardValues::kOutputs)
    .Doc("Log of the softmax along axis (default -1), via log-sum-exp.");

}  // namespace
}  // namespace nabla
