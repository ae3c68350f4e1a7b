// The class_weights attribute of the losses that take class labels
// (PyTorch's CrossEntropyLoss weight, Keras's class_weight): a sample (or
// element) of class k counts w_k times. "none" and "sum" scale its loss by
// w_k; "mean" becomes the weighted mean
//   sum_i w_{k_i} v_i / sum_i w_{k_i}
// (PyTorch's for class indices; NaN when a batch's weights sum to 0).
// The class of a sample is its label index, the argmax of its label row
// (one-hot or soft), or, for the binary losses, 1 when its label is > 0.5.
// Weights are constants: no gradient reaches them, and a soft label's
// class changes only where its gradient is not defined anyway.
#ifndef NABLA_PLUGINS_LOSSES_CLASS_WEIGHTS_H_
#define NABLA_PLUGINS_LOSSES_CLASS_WEIGHTS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/attrs.h"

namespace nabla {

class ClassWeights {
 public:
  // No weights: every class counts once.
  ClassWeights() = default;
  explicit ClassWeights(const ResolvedAttrs& attrs)
      : weights_(attrs.GetFloatList("class_weights")) {}

  // For shape functions: empty, or `classes` weights (when `classes` is
  // known, >= 0), each finite and >= 0.
  [[nodiscard]] static absl::Status Check(const ResolvedAttrs& attrs,
                                          int64_t classes);

  bool empty() const { return weights_.empty(); }
  double operator[](int64_t k) const {
    return weights_.empty() ? 1.0 : weights_[k];
  }
  // The sum of the weights of `count` samples of classes class_of(i): the
  // denominator of "mean" (`count` without weights).
  template <typename ClassOf>
  double Total(int64_t count, const ClassOf& class_of) const {
    if (weights_.empty()) return static_cast<double>(count);
    double total = 0;
    for (int64_t i = 0; i < count; ++i) total += weights_[class_of(i)];
    return total;
  }

 private:
  absl::Span<const double> weights_;
};

}  // namespace nabla

#endif  // NABLA_PLUGINS_LOSSES_CLASS_WEIGHTS_H_
