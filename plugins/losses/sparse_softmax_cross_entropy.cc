// SparseSoftmaxCrossEntropy: for each sample n of logits x [N, C] and class
// label k_n,
//   v_n = -log softmax(x_n)_{k_n},
// with log softmax computed stably (softmax_loss.h). "mean" is the
// mean over the N samples; "none" gives the per-sample losses.
//
//   logits: [N, C], C >= 1.
//   labels: [N], same dtype as logits, each an integer in [0, C) stored as
//   a float. Any other value (2.5, -1, C, NaN) is a kernel error:
//   InvalidArgument naming the sample and the value. No gradient.
//   loss: scalar [], or [N] for reduction "none".
//   attrs: reduction ("mean", "sum", "none"), weight (multiplies the loss),
//   class_weights (C weights; class_weights.h).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/bad_value.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/shape_util.h"
#include "ops/vector_loop.h"
#include "plugins/losses/class_weights.h"
#include "plugins/losses/loss_reduction.h"
#include "plugins/losses/softmax_loss.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status SparseSoftmaxCrossEntropyShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckSameDType(ctx, {"logits", "labels"}));
  NABLA_RETURN_IF_ERROR(CheckLogitsShape(ctx));
  const Shape& x = ctx.input_shape(0);
  const Shape& k = ctx.input_shape(1);
  if (k.rank() != 1 || !DimsCompatible(x.dim(0), k.dim(0))) {
    return absl::InvalidArgumentError(
        absl::StrCat("labels must have shape [N] for logits [N, C]: logits "
                     "is ",
                     x.ToString(), ", labels is ", k.ToString()));
  }
  NABLA_RETURN_IF_ERROR(ClassWeights::Check(ctx.attrs(), x.dim(1)));
  return SetLossOutput(ctx, Shape{x.dim(0) >= 0 ? x.dim(0) : k.dim(0)});
}

// Both kernels check: the label indexes the logits.
template <typename T>
[[nodiscard]] absl::Status CheckClassLabels(const T* labels, int64_t n,
                                            int64_t c) {
  for (int64_t i = 0; i < n; ++i) {
    const T l = labels[i];
    // The first test rejects NaN and makes the cast safe; the cast catches
    // a T(c) that rounded up.
    if (l >= 0 && l < static_cast<T>(c) && l == std::floor(l) &&
        static_cast<int64_t>(l) < c) {
      continue;
    }
    return InputValueError(
        1, i,
        absl::StrCat("SparseSoftmaxCrossEntropy: label of sample ", i, " is ",
                     l, "; labels must be integer class indices in [0, ", c,
                     ")"));
  }
  return absl::OkStatus();
}

// Each sample costs a few exponentials per class.
int64_t SampleGrain(int64_t c) { return GrainFor(16 * c); }

[[nodiscard]] absl::Status SparseSoftmaxCrossEntropyForward(
    const KernelContext& ctx) {
  NABLA_ASSIGN_OR_RETURN(const LossAttrs loss, GetLossAttrs(ctx.attrs()));
  const Tensor& x = ctx.input(0);
  const Tensor& k = ctx.input(1);
  const int64_t n = x.shape().dim(0);
  const int64_t c = x.shape().dim(1);
  return DispatchFloat(x.dtype(), [&](auto zero) -> absl::Status {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* pk = k.data<T>();
    NABLA_RETURN_IF_ERROR(CheckClassLabels(pk, n, c));
    const ClassWeights weights(ctx.attrs());
    auto label = [&](int64_t i) { return static_cast<int64_t>(pk[i]); };
    WriteLoss(
        loss, n, SampleGrain(c),
        [&](int64_t i) {
          const T* row = px + i * c;
          const T v = -RowSoftmax<T>(row, c).LogProb(row[label(i)]);
          return weights.empty() ? v : static_cast<T>(weights[label(i)]) * v;
        },
        ctx.output(0).data<T>(), weights.Total(n, label));
    return absl::OkStatus();
  });
}

// dv_n/dx_nc = softmax(x_n)_c - [c = k_n], times g_n, the gradient reaching
// v_n (LossOutputGrad).
[[nodiscard]] absl::Status SparseSoftmaxCrossEntropyGradient(
    const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  NABLA_ASSIGN_OR_RETURN(const LossAttrs loss, GetLossAttrs(ctx.attrs()));
  const Tensor& x = ctx.input(0);
  const Tensor& k = ctx.input(1);
  const int64_t n = x.shape().dim(0);
  const int64_t c = x.shape().dim(1);
  return DispatchFloat(x.dtype(), [&](auto zero) -> absl::Status {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* pk = k.data<T>();
    NABLA_RETURN_IF_ERROR(CheckClassLabels(pk, n, c));
    T* out = dx->data<T>();
    const ClassWeights weights(ctx.attrs());
    auto label_of = [&](int64_t i) { return static_cast<int64_t>(pk[i]); };
    const LossOutputGrad<T> upstream(loss, ctx.output_grad(0),
                                     weights.Total(n, label_of));
    VectorizedFor(n, SampleGrain(c), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        const T* row = px + i * c;
        const RowSoftmax<T> softmax(row, c);
        const int64_t label = label_of(i);
        const T g = upstream[i] * static_cast<T>(weights[label]);
        for (int64_t j = 0; j < c; ++j) {
          const T hot = j == label ? T{1} : T{0};
          out[i * c + j] = g * (softmax.Prob(row[j]) - hot);
        }
      }
    });
    return absl::OkStatus();
  });
}

NABLA_REGISTER_OP("SparseSoftmaxCrossEntropy")
    .Input("logits")
    .NonDifferentiableInput("labels")
    .Output("loss")
    .Attr("reduction", "mean")
    .Attr("weight", 1.0)
    .FloatListAttr("class_weights")
    .Category(OpCategory::kLoss)
    .ShapeFn(SparseSoftmaxCrossEntropyShape)
    .Forward(SparseSoftmaxCrossEntropyForward)
    .Gradient(SparseSoftmaxCrossEntropyGradient)
    .GradientReads(ForwardValues::kInputs)
    .Doc(
        "Cross-entropy -log_softmax(logits)[label] of logits [N, C] against "
        "integer class labels [N] (floats holding 0..C-1), computed stably; "
        "averaged over the N samples (or summed, or per sample [N]: attr "
        "reduction), times attr weight. class_weights (one per class) "
        "weight each sample by its class; the mean is then the weighted "
        "mean, as PyTorch's.");

}  // namespace
}  // namespace nabla
