// Losses that compare predictions and labels of one shape element by
// element: MeanSquaredError, MeanAbsoluteError, Huber, SigmoidCrossEntropy,
// BinaryCrossEntropy, Hinge. The per-element loss v(p, l) comes from a
// functor; reduction and weight are applied as loss_reduction.h says.
//
// A functor derives from ElementwiseLossFn and supplies the value and both
// partial derivatives (mean_absolute_error.cc, in short):
//
//   struct AbsFn : ElementwiseLossFn {
//     using ElementwiseLossFn::ElementwiseLossFn;
//     template <typename T> T Value(T p, T l) const { return std::abs(p - l); }
//     template <typename T> LossDerivatives<T> Derivatives(T p, T l) const {
//       const T s = p > l ? T{1} : p < l ? T{-1} : T{0};
//       return {s, -s};
//     }
//   };
//   NABLA_REGISTER_OP("MeanAbsoluteError")
//       .Input("predictions").Input("labels").Output("loss")
//       .Attr("reduction", "mean").Attr("weight", 1.0)
//       .ShapeFn(ElementwiseLossShape<AbsFn>)
//       .Forward(ElementwiseLossForward<AbsFn>)
//       .Gradient(ElementwiseLossGradient<AbsFn>);
//
// It may also hide, as ElementwiseLossFn's members of the same name:
//   kPredictions, kLabels  input names for shape messages;
//   CheckAttrs(attrs)      checks its own attributes in the shape function;
//   CheckLabels(l, n)      checks the labels in the forward kernel;
//   kCost                  rough cost of one element, for the grain;
//   kClassWeights          true for the losses of two classes, which then
//                          declare .FloatListAttr("class_weights") (two
//                          weights; class_weights.h; class 1 is a label
//                          > 0.5);
// and read its attributes in its constructor, which the kernels call.
#ifndef NABLA_PLUGINS_LOSSES_ELEMENTWISE_LOSS_H_
#define NABLA_PLUGINS_LOSSES_ELEMENTWISE_LOSS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/attrs.h"
#include "core/kernel_context.h"
#include "core/status_macros.h"
#include "core/tensor.h"
#include "ops/vector_loop.h"
#include "plugins/losses/class_weights.h"
#include "plugins/losses/loss_reduction.h"

namespace nabla {

// dv/dp and dv/dl of one element.
template <typename T>
struct LossDerivatives {
  T predictions;
  T labels;
};

// Defaults for the optional parts of a functor.
struct ElementwiseLossFn {
  static constexpr const char* kPredictions = "predictions";
  static constexpr const char* kLabels = "labels";
  static constexpr int64_t kCost = 4;
  static constexpr bool kClassWeights = false;

  explicit ElementwiseLossFn(const ResolvedAttrs&) {}

  [[nodiscard]] static absl::Status CheckAttrs(const ResolvedAttrs&) {
    return absl::OkStatus();
  }
  template <typename T>
  [[nodiscard]] absl::Status CheckLabels(const T*, int64_t) const {
    return absl::OkStatus();
  }
};

// Inputs 0 and 1 (named `predictions` and `labels` in messages) share dtype
// and shape, of rank <= kMaxRank; output 0 as SetLossOutput() says, with
// the per-element shape taking known dimensions from either input.
[[nodiscard]] absl::Status ElementwiseLossShapeOf(ShapeContext& ctx,
                                                  absl::string_view predictions,
                                                  absl::string_view labels);

template <typename Fn>
[[nodiscard]] absl::Status ElementwiseLossShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(Fn::CheckAttrs(ctx.attrs()));
  if constexpr (Fn::kClassWeights) {
    NABLA_RETURN_IF_ERROR(ClassWeights::Check(ctx.attrs(), 2));
  }
  return ElementwiseLossShapeOf(ctx, Fn::kPredictions, Fn::kLabels);
}

// The class weights of Fn's loss (none unless Fn::kClassWeights).
template <typename Fn>
ClassWeights ElementwiseClassWeights(const ResolvedAttrs& attrs) {
  if constexpr (Fn::kClassWeights) return ClassWeights(attrs);
  return ClassWeights();
}

// Class 1 of a binary loss is a label > 0.5 (1 of 0/1, 1 of -1/1).
template <typename T>
int64_t BinaryClass(T label) {
  return label > T{0.5} ? 1 : 0;
}

template <typename Fn>
[[nodiscard]] absl::Status ElementwiseLossForward(const KernelContext& ctx) {
  NABLA_ASSIGN_OR_RETURN(const LossAttrs loss, GetLossAttrs(ctx.attrs()));
  const Fn fn(ctx.attrs());
  const Tensor& p = ctx.input(0);
  const Tensor& l = ctx.input(1);
  return DispatchFloat(p.dtype(), [&](auto zero) -> absl::Status {
    using T = decltype(zero);
    const T* pp = p.data<T>();
    const T* pl = l.data<T>();
    NABLA_RETURN_IF_ERROR(fn.CheckLabels(pl, l.num_elements()));
    const ClassWeights weights = ElementwiseClassWeights<Fn>(ctx.attrs());
    auto class_of = [&](int64_t i) { return BinaryClass(pl[i]); };
    WriteLoss(
        loss, p.num_elements(), GrainFor(Fn::kCost),
        [&](int64_t i) {
          const T v = fn.Value(pp[i], pl[i]);
          return weights.empty() ? v : static_cast<T>(weights[class_of(i)]) * v;
        },
        ctx.output(0).data<T>(), weights.Total(p.num_elements(), class_of));
    return absl::OkStatus();
  });
}

// dL/dp_i = g_i · dv/dp(p_i, l_i) and dL/dl_i = g_i · dv/dl(p_i, l_i),
// with g_i from LossOutputGrad.
template <typename Fn>
[[nodiscard]] absl::Status ElementwiseLossGradient(const GradientContext& ctx) {
  NABLA_ASSIGN_OR_RETURN(const LossAttrs loss, GetLossAttrs(ctx.attrs()));
  const Fn fn(ctx.attrs());
  const Tensor& p = ctx.input(0);
  const Tensor& l = ctx.input(1);
  Tensor* dp = ctx.input_grad(0);
  Tensor* dl = ctx.input_grad(1);
  DispatchFloat(p.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* pp = p.data<T>();
    const T* pl = l.data<T>();
    T* out_p = dp == nullptr ? nullptr : dp->data<T>();
    T* out_l = dl == nullptr ? nullptr : dl->data<T>();
    const int64_t n = p.num_elements();
    const ClassWeights weights = ElementwiseClassWeights<Fn>(ctx.attrs());
    auto class_of = [&](int64_t i) { return BinaryClass(pl[i]); };
    const LossOutputGrad<T> upstream(loss, ctx.output_grad(0),
                                     weights.Total(n, class_of));
    VectorizedFor(n, GrainFor(Fn::kCost), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        const LossDerivatives<T> d = fn.Derivatives(pp[i], pl[i]);
        const T g = weights.empty()
                        ? upstream[i]
                        : upstream[i] * static_cast<T>(weights[class_of(i)]);
        if (out_p != nullptr) out_p[i] = g * d.predictions;
        if (out_l != nullptr) out_l[i] = g * d.labels;
      }
    });
  });
  return absl::OkStatus();
}

}  // namespace nabla

#endif  // NABLA_PLUGINS_LOSSES_ELEMENTWISE_LOSS_H_
