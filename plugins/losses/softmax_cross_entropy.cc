// SoftmaxCrossEntropy: for each sample n of logits x [N, C] and labels
// y [N, C] (one-hot or soft, each row a distribution),
//   v_n = -sum_c y_nc log softmax(x_n)_c,
// with log softmax computed stably (softmax_loss.h). "mean" is the
// mean over the N samples (as PyTorch's CrossEntropyLoss); "none" gives the
// per-sample losses.
//
//   logits: [N, C], C >= 1.  labels: [N, C], same dtype; receives a gradient.
//   loss: scalar [], or [N] for reduction "none".
//   attrs: reduction ("mean", "sum", "none"), weight (multiplies the loss),
//   class_weights (C weights, each sample weighted by its label row's
//   argmax class; class_weights.h).

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/shape_util.h"
#include "ops/vector_loop.h"
#include "plugins/losses/class_weights.h"
#include "plugins/losses/loss_reduction.h"
#include "plugins/losses/softmax_loss.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status SoftmaxCrossEntropyShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckSameDType(ctx, {"logits", "labels"}));
  NABLA_RETURN_IF_ERROR(CheckLogitsShape(ctx));
  const Shape& x = ctx.input_shape(0);
  const Shape& y = ctx.input_shape(1);
  if (!x.IsCompatibleWith(y)) {
    return absl::InvalidArgumentError(
        absl::StrCat("logits and labels must have the same shape [N, C]: "
                     "logits is ",
                     x.ToString(), ", labels is ", y.ToString()));
  }
  NABLA_RETURN_IF_ERROR(ClassWeights::Check(ctx.attrs(), x.dim(1)));
  return SetLossOutput(ctx, Shape{x.dim(0) >= 0 ? x.dim(0) : y.dim(0)});
}

// The class of a label row: its first largest element.
template <typename T>
int64_t RowClass(const T* labels, int64_t c) {
  return std::max_element(labels, labels + c) - labels;
}

// Labels of 0 contribute nothing and are skipped: 0 · log softmax would be
// NaN where log softmax overflows to -inf (huge logits of opposite signs).
template <typename T>
T SampleLoss(const T* x, const T* y, int64_t c) {
  const RowSoftmax<T> softmax(x, c);
  T loss = 0;
  for (int64_t j = 0; j < c; ++j) {
    if (y[j] != 0) loss -= y[j] * softmax.LogProb(x[j]);
  }
  return loss;
}

// Each sample costs a few exponentials and logarithms per class.
int64_t SampleGrain(int64_t c) { return GrainFor(16 * c); }

[[nodiscard]] absl::Status SoftmaxCrossEntropyForward(
    const KernelContext& ctx) {
  NABLA_ASSIGN_OR_RETURN(const LossAttrs loss, GetLossAttrs(ctx.attrs()));
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.input(1);
  const int64_t n = x.shape().dim(0);
  const int64_t c = x.shape().dim(1);
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    const ClassWeights weights(ctx.attrs());
    auto class_of = [&](int64_t i) { return RowClass(py + i * c, c); };
    WriteLoss(
        loss, n, SampleGrain(c),
        [&](int64_t i) {
          const T v = SampleLoss(px + i * c, py + i * c, c);
          return weights.empty() ? v : static_cast<T>(weights[class_of(i)]) * v;
        },
        ctx.output(0).data<T>(), weights.Total(n, class_of));
  });
  return absl::OkStatus();
}

// With s = softmax(x_n) and S = sum_c y_nc (1 for a distribution),
// v_n = sum_c y_nc (lse(x_n) - x_nc) and d lse / dx_c = s_c, so
//   dv_n/dx_nc = S · s_c - y_nc,
//   dv_n/dy_nc = lse(x_n) - x_nc = -log s_c,
// each times g_n, the gradient reaching v_n (LossOutputGrad).
[[nodiscard]] absl::Status SoftmaxCrossEntropyGradient(
    const GradientContext& ctx) {
  NABLA_ASSIGN_OR_RETURN(const LossAttrs loss, GetLossAttrs(ctx.attrs()));
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.input(1);
  Tensor* dx = ctx.input_grad(0);
  Tensor* dy = ctx.input_grad(1);
  const int64_t n = x.shape().dim(0);
  const int64_t c = x.shape().dim(1);
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    T* out_x = dx == nullptr ? nullptr : dx->data<T>();
    T* out_y = dy == nullptr ? nullptr : dy->data<T>();
    const ClassWeights weights(ctx.attrs());
    auto class_of = [&](int64_t i) { return RowClass(py + i * c, c); };
    const LossOutputGrad<T> upstream(loss, ctx.output_grad(0),
                                     weights.Total(n, class_of));
    VectorizedFor(n, SampleGrain(c), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        const T* row = px + i * c;
        const T* labels = py + i * c;
        const RowSoftmax<T> softmax(row, c);
        const T g = weights.empty()
                        ? upstream[i]
                        : upstream[i] * static_cast<T>(weights[class_of(i)]);
        if (out_x != nullptr) {
          T total = 0;
          for (int64_t j = 0; j < c; ++j) total += labels[j];
          for (int64_t j = 0; j < c; ++j) {
            out_x[i * c + j] = g * (total * softmax.Prob(row[j]) - labels[j]);
          }
        }
        if (out_y != nullptr) {
          for (int64_t j = 0; j < c; ++j) {
            out_y[i * c + j] = -g * softmax.LogProb(row[j]);
          }
        }
      }
    });
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("SoftmaxCrossEntropy")
    .Input("logits")
    .Input("labels")
    .Output("loss")
    .Attr("reduction", "mean")
    .Attr("weight", 1.0)
    .FloatListAttr("class_weights")
    .Category(OpCategory::kLoss)
    .ShapeFn(SoftmaxCrossEntropyShape)
    .Forward(SoftmaxCrossEntropyForward)
    .Gradient(SoftmaxCrossEntropyGradient)
    .Doc(
        "Cross-entropy -sum_c labels * log_softmax(logits) of logits [N, C] "
        "against one-hot or soft labels [N, C], computed stably; averaged "
        "over the N samples (or summed, or per sample [N]: attr reduction), "
        "times attr weight. class_weights (one per class) weight each sample "
        "by its label row's largest class; the mean is then the weighted "
        "mean.");

}  // namespace
}  // namespace nabla
