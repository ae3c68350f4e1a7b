// An example plugin: PReLU, the parametric ReLU of He et al. (2015), whose
// negative slope is learned.
//
//   y = x          where x > 0
//   y = alpha * x  elsewhere
//
//   x: [..., C], rank >= 1.  alpha: [] (one slope) or [C] (one per channel,
//   the last axis of x); usually a trainable Variable.  y: the shape of x.
//
// Gradients: dx = dy where x > 0, alpha * dy elsewhere;
// dalpha = sum of dy * x over the elements where x <= 0 (of its channel).
//
// Built by Bazel as plugins/examples/libprelu.so; load it with
// `train_graph --plugin bazel-bin/plugins/examples/libprelu.so`.
// docs/plugins.md walks through this file.
#include "absl/strings/str_cat.h"
#include "core/plugin_api.h"

namespace {

using nabla::GradientContext;
using nabla::KernelContext;
using nabla::Shape;
using nabla::ShapeContext;
using nabla::Tensor;

[[nodiscard]] absl::Status PReluShape(ShapeContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const Shape& alpha = ctx.input_shape(1);
  if (ctx.input_dtype(0) != ctx.input_dtype(1)) {
    return absl::InvalidArgumentError("x and alpha must have the same dtype");
  }
  if (x.rank() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("x must have rank >= 1, its shape is ", x.ToString()));
  }
  const int64_t channels = x.dim(x.rank() - 1);
  const bool per_channel =
      alpha.rank() == 1 &&
      (alpha.dim(0) == channels || alpha.dim(0) < 0 || channels < 0);
  if (alpha.rank() != 0 && !per_channel) {
    return absl::InvalidArgumentError(absl::StrCat(
        "alpha must be a scalar [] or hold one slope per channel [", channels,
        "], its shape is ", alpha.ToString()));
  }
  ctx.SetOutput(0, ctx.input_dtype(0), x);
  return absl::OkStatus();
}

// The slope of element i: alpha has 1 or `channels` values.
int64_t SlopeIndex(int64_t i, const Tensor& alpha, int64_t channels) {
  return alpha.num_elements() == 1 ? 0 : i % channels;
}

[[nodiscard]] absl::Status PReluForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& alpha = ctx.input(1);
  const int64_t channels = x.shape().dim(x.shape().rank() - 1);
  nabla::DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* pa = alpha.data<T>();
    T* py = ctx.output(0).data<T>();
    nabla::ParallelFor(
        x.num_elements(), nabla::GrainFor(2), [&](int64_t lo, int64_t hi) {
          for (int64_t i = lo; i < hi; ++i) {
            py[i] =
                px[i] > 0 ? px[i] : pa[SlopeIndex(i, alpha, channels)] * px[i];
          }
        });
  });
  return absl::OkStatus();
}

[[nodiscard]] absl::Status PReluGradient(const GradientContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& alpha = ctx.input(1);
  const Tensor& dy = ctx.output_grad(0);
  Tensor* dx = ctx.input_grad(0);
  Tensor* dalpha = ctx.input_grad(1);
  const int64_t channels = x.shape().dim(x.shape().rank() - 1);
  nabla::DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* pa = alpha.data<T>();
    const T* pg = dy.data<T>();
    if (dx != nullptr) {
      T* out = dx->data<T>();
      nabla::ParallelFor(
          x.num_elements(), nabla::GrainFor(2), [&](int64_t lo, int64_t hi) {
            for (int64_t i = lo; i < hi; ++i) {
              out[i] = px[i] > 0 ? pg[i]
                                 : pa[SlopeIndex(i, alpha, channels)] * pg[i];
            }
          });
    }
    if (dalpha != nullptr) {
      // A sum over the batch: one pass in index order keeps it the same for
      // every thread count.
      T* out = dalpha->data<T>();
      for (int64_t c = 0; c < alpha.num_elements(); ++c) out[c] = 0;
      for (int64_t i = 0; i < x.num_elements(); ++i) {
        if (!(px[i] > 0)) out[SlopeIndex(i, alpha, channels)] += pg[i] * px[i];
      }
    }
  });
  return absl::OkStatus();
}

}  // namespace

NABLA_PLUGIN(registrar) {
  registrar.AddOp(
      nabla::OpDef("PReLU")
          .Input("x")
          .Input("alpha")
          .Output("y")
          .Category(nabla::OpCategory::kActivation)
          .ShapeFn(PReluShape)
          .Forward(PReluForward)
          .Gradient(PReluGradient)
          .Doc("Parametric ReLU: x where x > 0, alpha * x elsewhere; alpha "
               "is [] or one slope per channel (last axis)."));
}
