// WeightedMean: sum_i w_i x_i / sum_i w_i over all elements: per-sample
// weights for a loss computed with reduction "none" (a weight column of
// the data), as scikit-learn's sample_weight and PyTorch's weighted
// cross-entropy average.
//
//   x: any shape.  weights: the shape of x, same dtype, each finite and
//   >= 0 (a kernel error names the first that is not); no gradient.
//   y: scalar [].  NaN when the weights sum to 0.
// Sums run in index order in double, so any thread count gives the same
// bits.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/shape_util.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status WeightedMeanShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckSameDType(ctx, {"x", "weights"}));
  const Shape& x = ctx.input_shape(0);
  const Shape& w = ctx.input_shape(1);
  if (!x.IsCompatibleWith(w)) {
    return absl::InvalidArgumentError(
        absl::StrCat("weights must have the shape of x: x is ", x.ToString(),
                     ", weights is ", w.ToString()));
  }
  ctx.SetOutput(0, ctx.input_dtype(0), Shape{});
  return absl::OkStatus();
}

// The sum of the weights, after checking each.
template <typename T>
[[nodiscard]] absl::StatusOr<double> WeightTotal(const T* w, int64_t n) {
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!(w[i] >= 0) || !std::isfinite(w[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("WeightedMean: weight ", w[i], " at element ", i,
                       "; weights must be finite and >= 0"));
    }
    total += static_cast<double>(w[i]);
  }
  return total;
}

[[nodiscard]] absl::Status WeightedMeanForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  return DispatchFloat(x.dtype(), [&](auto zero) -> absl::Status {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* pw = w.data<T>();
    const int64_t n = x.num_elements();
    NABLA_ASSIGN_OR_RETURN(const double total, WeightTotal(pw, n));
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      sum += static_cast<double>(pw[i]) * static_cast<double>(px[i]);
    }
    ctx.output(0).data<T>()[0] = static_cast<T>(sum / total);
    return absl::OkStatus();
  });
}

// dy/dx_i = w_i / sum_j w_j.
[[nodiscard]] absl::Status WeightedMeanGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  const Tensor& w = ctx.input(1);
  return DispatchFloat(w.dtype(), [&](auto zero) -> absl::Status {
    using T = decltype(zero);
    const T* pw = w.data<T>();
    const int64_t n = w.num_elements();
    NABLA_ASSIGN_OR_RETURN(const double total, WeightTotal(pw, n));
    const double scale = ctx.output_grad(0).data<T>()[0] / total;
    T* out = dx->data<T>();
    for (int64_t i = 0; i < n; ++i) {
      out[i] = static_cast<T>(scale * static_cast<double>(pw[i]));
    }
    return absl::OkStatus();
  });
}

NABLA_REGISTER_OP("WeightedMean")
    .Input("x")
    .NonDifferentiableInput("weights")
    .Output("y")
    .ShapeFn(WeightedMeanShape)
    .Forward(WeightedMeanForward)
    .Gradient(WeightedMeanGradient)
    .GradientReads(ForwardValues::kInputs)
    .Doc(
        "sum(weights * x) / sum(weights) over all elements, weights of x's "
        "shape, finite and >= 0: per-sample weights of a loss with "
        "reduction \"none\".");

}  // namespace
}  // namespace nabla
