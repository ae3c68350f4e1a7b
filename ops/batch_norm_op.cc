// BatchNorm: normalises each channel of x, then scales and shifts it.
//
//   x: [N, C] or [N, C, ...].  scale, bias, mean, var: [C].  y: x's shape.
//
// In training, channel c is normalised by the mean and variance of its
// N * (H * W * ...) values in this batch (the biased variance, divided by
// the count), and the op updates the running statistics, which are state
// (non-trainable Variables, saved in checkpoints):
//
//   mean = momentum * mean + (1 - momentum) * batch mean
//   var  = momentum * var  + (1 - momentum) * batch variance * M / (M - 1)
//
// with the unbiased batch variance, as PyTorch does (M values per channel).
// `momentum` weighs the old value, as in ONNX and Keras: PyTorch's
// momentum=0.1 is momentum 0.9 here. In inference, the running statistics
// normalise, and nothing is updated:
//
//   y = scale * (x - mean) / sqrt(var + epsilon) + bias
//
// Statistics are summed in double, per channel in a fixed order, so the
// results do not depend on the thread count.
#include <cmath>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/fixed_order_sum.h"
#include "ops/shape_util.h"
#include "ops/vector_loop.h"

namespace nabla {
namespace {

constexpr int kX = 0, kScale = 1, kBias = 2, kMean = 3, kVar = 4;

[[nodiscard]] absl::Status BatchNormShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(
      CheckSameDType(ctx, {"x", "scale", "bias", "mean", "var"}));
  const Shape& x = ctx.input_shape(kX);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(x, "x"));
  if (x.rank() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "x ", x.ToString(),
        " has no channel dimension: BatchNorm normalises x [N, C] or [N, C, "
        "...] per channel C"));
  }
  int64_t channels = x.dim(1);
  const char* names[] = {"x", "scale", "bias", "mean", "var"};
  for (int i = kScale; i <= kVar; ++i) {
    const Shape& s = ctx.input_shape(i);
    if (s.rank() != 1 || !DimsCompatible(s.dim(0), channels)) {
      return absl::InvalidArgumentError(
          absl::StrCat(names[i], " must be [C] for x [N, C, ...]: x is ",
                       x.ToString(), ", ", names[i], " is ", s.ToString()));
    }
    if (channels < 0) channels = s.dim(0);
  }
  NABLA_RETURN_IF_ERROR(CheckEpsilonAttr(ctx.attrs(), "channel"));
  const double momentum = ctx.attrs().GetFloat("momentum");
  if (!(momentum >= 0 && momentum <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'momentum' must be in [0, 1] (the weight of the old running "
        "statistics), got ",
        momentum));
  }
  Shape y = x;
  y.set_dim(1, channels);
  ctx.SetOutput(0, ctx.input_dtype(kX), std::move(y));
  return absl::OkStatus();
}

// x as [N, C, S]: channel c holds rows x[n, c, :] of S values for each n.
struct ChannelLayout {
  int64_t batch = 0, channels = 0, spatial = 1;
  int64_t count() const { return batch * spatial; }
};

ChannelLayout LayoutOf(const Shape& x) {
  ChannelLayout l{x.dim(0), x.dim(1), 1};
  for (int i = 2; i < x.rank(); ++i) l.spatial *= x.dim(i);
  return l;
}

// Σ f(x[n, c, s], s, n) over n and s in double, in a fixed order
// (ops/fixed_order_sum.h).
template <typename T, typename F>
double ChannelSum(const T* x, const ChannelLayout& l, int64_t c, F f) {
  double partial[8] = {};
  for (int64_t n = 0; n < l.batch; ++n) {
    const T* row = x + (n * l.channels + c) * l.spatial;
    AddPartials(
        l.spatial, [&](int64_t s) { return f(row[s], s, n); }, partial);
  }
  return SumOfPartials(partial);
}

// The mean and 1 / sqrt(variance + epsilon) that normalise channel c.
struct ChannelStats {
  double mean = 0, variance = 0, inv_std = 0;
};

// The batch's statistics (biased variance, two passes) in training; the
// running ones in inference.
template <typename T>
ChannelStats StatsOf(const T* x, const ChannelLayout& l, int64_t c,
                     bool training, const T* running_mean, const T* running_var,
                     double epsilon) {
  ChannelStats stats;
  if (training) {
    const double m = static_cast<double>(l.count());
    stats.mean =
        ChannelSum(x, l, c, [](T v, int64_t, int64_t) { return double(v); }) /
        m;
    const double mean = stats.mean;
    stats.variance = ChannelSum(x, l, c,
                                [mean](T v, int64_t, int64_t) {
                                  const double d = double(v) - mean;
                                  return d * d;
                                }) /
                     m;
  } else {
    stats.mean = running_mean[c];
    stats.variance = running_var[c];
  }
  stats.inv_std = 1.0 / std::sqrt(stats.variance + epsilon);
  return stats;
}

[[nodiscard]] absl::Status CheckBatch(const KernelContext& ctx,
                                      const ChannelLayout& l) {
  if (!ctx.training() || l.count() > 1 || l.channels == 0) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "training needs more than one value per channel to estimate its "
      "variance; x is ",
      ctx.input(kX).shape().ToString()));
}

[[nodiscard]] absl::Status BatchNormForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(kX);
  const ChannelLayout l = LayoutOf(x.shape());
  NABLA_RETURN_IF_ERROR(CheckBatch(ctx, l));
  Tensor* running_mean = ctx.state(kMean);
  Tensor* running_var = ctx.state(kVar);
  if (ctx.training() && (running_mean == nullptr || running_var == nullptr)) {
    return absl::InternalError("BatchNorm runs without its state inputs");
  }
  const double epsilon = ctx.attrs().GetFloat("epsilon");
  const double momentum = ctx.attrs().GetFloat("momentum");
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* in = x.data<T>();
    const T* scale = ctx.input(kScale).data<T>();
    const T* bias = ctx.input(kBias).data<T>();
    const T* mean_in = ctx.input(kMean).data<T>();
    const T* var_in = ctx.input(kVar).data<T>();
    T* out = ctx.output(0).data<T>();
    VectorizedFor(l.channels, GrainFor(l.count()), [&](int64_t lo, int64_t hi) {
      for (int64_t c = lo; c < hi; ++c) {
        const ChannelStats stats =
            StatsOf(in, l, c, ctx.training(), mean_in, var_in, epsilon);
        // y = x * a + b with a = scale / std and b = bias - mean * a.
        const T a = static_cast<T>(double(scale[c]) * stats.inv_std);
        const T b = static_cast<T>(double(bias[c]) - stats.mean * double(a));
        for (int64_t n = 0; n < l.batch; ++n) {
          const int64_t row = (n * l.channels + c) * l.spatial;
          for (int64_t s = 0; s < l.spatial; ++s) {
            out[row + s] = in[row + s] * a + b;
          }
        }
        if (!ctx.training()) continue;
        const double m = static_cast<double>(l.count());
        T* mean = running_mean->data<T>();
        T* var = running_var->data<T>();
        mean[c] = static_cast<T>(momentum * double(mean[c]) +
                                 (1 - momentum) * stats.mean);
        var[c] = static_cast<T>(momentum * double(var[c]) +
                                (1 - momentum) * stats.variance * m / (m - 1));
      }
    });
  });
  return absl::OkStatus();
}

// With x̂ = (x - mean) * inv_std and M values per channel:
//   dbias = Σ dy,  dscale = Σ dy x̂,
//   dx = scale * inv_std * (dy - (Σ dy + x̂ Σ dy x̂) / M) in training, where
//   the batch's mean and variance depend on x; dx = scale * inv_std * dy in
//   inference. The batch statistics are computed again, as the forward
//   computed them (the same bits), instead of being stored.
[[nodiscard]] absl::Status BatchNormGradient(const GradientContext& ctx) {
  const Tensor& x = ctx.input(kX);
  const ChannelLayout l = LayoutOf(x.shape());
  const double epsilon = ctx.attrs().GetFloat("epsilon");
  Tensor* dx = ctx.input_grad(kX);
  Tensor* dscale = ctx.input_grad(kScale);
  Tensor* dbias = ctx.input_grad(kBias);
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* in = x.data<T>();
    const T* dy = ctx.output_grad(0).data<T>();
    const T* scale = ctx.input(kScale).data<T>();
    const T* mean_in = ctx.input(kMean).data<T>();
    const T* var_in = ctx.input(kVar).data<T>();
    VectorizedFor(l.channels, GrainFor(l.count()), [&](int64_t lo, int64_t hi) {
      for (int64_t c = lo; c < hi; ++c) {
        const ChannelStats stats =
            StatsOf(in, l, c, ctx.training(), mean_in, var_in, epsilon);
        auto gradient_at = [&](int64_t s, int64_t n) {
          return double(dy[(n * l.channels + c) * l.spatial + s]);
        };
        const double sum_dy = ChannelSum(
            in, l, c,
            [&](T, int64_t s, int64_t n) { return gradient_at(s, n); });
        const double sum_dy_xhat =
            ChannelSum(in, l, c,
                       [&](T v, int64_t s, int64_t n) {
                         return gradient_at(s, n) * (double(v) - stats.mean);
                       }) *
            stats.inv_std;
        if (dbias != nullptr) dbias->data<T>()[c] = static_cast<T>(sum_dy);
        if (dscale != nullptr)
          dscale->data<T>()[c] = static_cast<T>(sum_dy_xhat);
        if (dx == nullptr) continue;
        // dx = k * dy + u * x + v, folding the per-channel constants.
        const double k = double(scale[c]) * stats.inv_std;
        const double m = static_cast<double>(l.count());
        const double u =
            ctx.training() ? -k * sum_dy_xhat * stats.inv_std / m : 0.0;
        const double v =
            ctx.training() ? -k * sum_dy / m - u * stats.mean : 0.0;
        const T tk = static_cast<T>(k), tu = static_cast<T>(u),
                tv = static_cast<T>(v);
        T* out = dx->data<T>();
        for (int64_t n = 0; n < l.batch; ++n) {
          const int64_t row = (n * l.channels + c) * l.spatial;
          for (int64_t s = 0; s < l.spatial; ++s) {
            out[row + s] = dy[row + s] * tk + in[row + s] * tu + tv;
          }
        }
      }
    });
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("BatchNorm")
    .Input("x")
    .Input("scale")
    .Input("bias")
    .StateInput("mean")
    .StateInput("var")
    .Output("y")
    .Attr("epsilon", 1e-5)
    .Attr("momentum", 0.9)
    .ShapeFn(BatchNormShape)
    .Forward(BatchNormForward)
    .Gradient(BatchNormGradient)
    .GradientReads(ForwardValues::kInputs)
    .Doc(
        "Normalises each channel C of x [N, C, ...]: by the batch's "
        "statistics in training (updating the running mean and var, state "
        "Variables with trainable: false, by momentum), by the running ones "
        "in inference; then scale and bias.");

}  // namespace
}  // namespace nabla
