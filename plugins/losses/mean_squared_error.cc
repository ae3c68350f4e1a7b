// MeanSquaredError: loss = (1/N) sum_i (p_i - l_i)², over all N elements.
//
//   predictions, labels: one shape (unknown dimensions match anything).
//   loss: scalar [].
#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/parallel.h"
#include "core/status_macros.h"
#include "ops/shape_util.h"

namespace nabla {
namespace {

absl::Status MeanSquaredErrorShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckSameDType(ctx, {"predictions", "labels"}));
  const Shape& p = ctx.input_shape(0);
  const Shape& l = ctx.input_shape(1);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(p, "predictions"));
  if (!p.IsCompatibleWith(l)) {
    return absl::InvalidArgumentError(
        absl::StrCat("predictions and labels must have the same shape: "
                     "predictions is ",
                     p.ToString(), ", labels is ", l.ToString()));
  }
  ctx.SetOutput(0, ctx.input_dtype(0), Shape{});
  return absl::OkStatus();
}

// One sum in index order: the loss is a single number, so there is nothing
// to split without making the result depend on the partition.
absl::Status MeanSquaredErrorForward(const KernelContext& ctx) {
  const Tensor& p = ctx.input(0);
  const Tensor& l = ctx.input(1);
  DispatchFloat(p.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* pp = p.data<T>();
    const T* pl = l.data<T>();
    const int64_t n = p.num_elements();
    T sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      const T d = pp[i] - pl[i];
      sum += d * d;
    }
    ctx.output(0).data<T>()[0] = sum / static_cast<T>(n);
  });
  return absl::OkStatus();
}

// dL/dp_i = 2 (p_i - l_i) / N · dy and dL/dl_i = -dL/dp_i.
absl::Status MeanSquaredErrorGradient(const GradientContext& ctx) {
  const Tensor& p = ctx.input(0);
  const Tensor& l = ctx.input(1);
  Tensor* dp = ctx.input_grad(0);
  Tensor* dl = ctx.input_grad(1);
  DispatchFloat(p.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* pp = p.data<T>();
    const T* pl = l.data<T>();
    const T scale = T{2} * ctx.output_grad(0).data<T>()[0] /
                    static_cast<T>(p.num_elements());
    T* out_p = dp == nullptr ? nullptr : dp->data<T>();
    T* out_l = dl == nullptr ? nullptr : dl->data<T>();
    ParallelFor(p.num_elements(), GrainFor(3), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        const T g = scale * (pp[i] - pl[i]);
        if (out_p != nullptr) out_p[i] = g;
        if (out_l != nullptr) out_l[i] = -g;
      }
    });
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("MeanSquaredError")
    .Input("predictions")
    .Input("labels")
    .Output("loss")
    .ShapeFn(MeanSquaredErrorShape)
    .Forward(MeanSquaredErrorForward)
    .Gradient(MeanSquaredErrorGradient)
    .Doc("Mean over all elements of (predictions - labels)².");

}  // namespace
}  // namespace nabla
