// The `reduction` and `weight` attributes every loss op declares, and the
// two loops that apply them: one in the forward kernel (per-element losses
// to the output) and one in the gradient kernel (the output's gradient back
// to each per-element loss).
//
//   NABLA_REGISTER_OP("MyLoss")
//       ...
//       .Attr("reduction", "mean")  // "mean", "sum" or "none"
//       .Attr("weight", 1.0)        // multiplies the loss; finite
//
// A loss has `count` per-element losses v_i (one per element for the
// elementwise losses, one per sample for the softmax losses). Its output is
//   "mean": w · (1/count) sum_i v_i   shape []   (NaN when count is 0)
//   "sum":  w · sum_i v_i             shape []
//   "none": w · v_i                   the per-element shape
// Sums run in index order on one thread and accumulate in double, so the
// value does not depend on the thread count.
#ifndef NABLA_PLUGINS_LOSSES_LOSS_REDUCTION_H_
#define NABLA_PLUGINS_LOSSES_LOSS_REDUCTION_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/attrs.h"
#include "core/kernel_context.h"
#include "core/tensor.h"
#include "ops/vector_loop.h"

namespace nabla {

enum class Reduction { kMean, kSum, kNone };

struct LossAttrs {
  Reduction reduction = Reduction::kMean;
  double weight = 1.0;
};

// The checked `reduction` and `weight` of a loss node. InvalidArgument
// naming the attribute and its value when the reduction is not "mean",
// "sum" or "none", or the weight is not finite. Does not allocate on
// success, so kernels may call it every step.
[[nodiscard]] absl::StatusOr<LossAttrs> GetLossAttrs(
    const ResolvedAttrs& attrs);

// For shape functions: checks the attributes as GetLossAttrs() does and sets
// output 0 to input 0's dtype and shape [] (or `unreduced` for "none").
[[nodiscard]] absl::Status SetLossOutput(ShapeContext& ctx,
                                         const Shape& unreduced);

// Writes the loss output `out` from the per-element losses value(i), i in
// [0, count). "none" fills out[i] in parallel chunks of `grain`; "mean" and
// "sum" sum in index order on the calling thread. "mean" divides by
// `mean_denominator` (the count, or the sum of class weights that
// value(i) already includes: class_weights.h).
template <typename T, typename ValueFn>
void WriteLoss(const LossAttrs& attrs, int64_t count, int64_t grain,
               const ValueFn& value, T* out, double mean_denominator) {
  if (attrs.reduction == Reduction::kNone) {
    const T w = static_cast<T>(attrs.weight);
    VectorizedFor(count, grain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) out[i] = w * value(i);
    });
    return;
  }
  double sum = 0;
  for (int64_t i = 0; i < count; ++i) sum += static_cast<double>(value(i));
  if (attrs.reduction == Reduction::kMean) sum /= mean_denominator;
  out[0] = static_cast<T>(sum * attrs.weight);
}

template <typename T, typename ValueFn>
void WriteLoss(const LossAttrs& attrs, int64_t count, int64_t grain,
               const ValueFn& value, T* out) {
  WriteLoss(attrs, count, grain, value, out, static_cast<double>(count));
}

// dL/d v_i, the gradient reaching per-element loss i from the output's
// gradient dy: w · dy_i for "none", w · dy for "sum", w · dy /
// mean_denominator (the count unless class weights change it) for "mean".
template <typename T>
class LossOutputGrad {
 public:
  LossOutputGrad(const LossAttrs& attrs, const Tensor& output_grad,
                 int64_t count)
      : LossOutputGrad(attrs, output_grad, static_cast<double>(count)) {}
  LossOutputGrad(const LossAttrs& attrs, const Tensor& output_grad,
                 double mean_denominator)
      : weight_(static_cast<T>(attrs.weight)) {
    if (attrs.reduction == Reduction::kNone) {
      per_element_ = output_grad.data<T>();
      return;
    }
    double scale = attrs.weight * output_grad.data<T>()[0];
    if (attrs.reduction == Reduction::kMean) scale /= mean_denominator;
    scale_ = static_cast<T>(scale);
  }

  T operator[](int64_t i) const {
    return per_element_ != nullptr ? weight_ * per_element_[i] : scale_;
  }

 private:
  const T* per_element_ = nullptr;
  T weight_;
  T scale_ = 0;
};

}  // namespace nabla

#endif  // NABLA_PLUGINS_LOSSES_LOSS_REDUCTION_H_
