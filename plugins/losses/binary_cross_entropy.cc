// BinaryCrossEntropy on probabilities: with q_i = clip(p_i, epsilon,
// 1 - epsilon),
//   v_i = -(l_i log q_i + (1 - l_i) log(1 - q_i)),
// reduced over all N elements. The clip (Keras' epsilon, default 1e-7)
// keeps the logarithms finite at p = 0 and p = 1.
//
//   predictions: probabilities, labels in [0, 1] (soft labels are fine;
//   they receive a gradient too), one shape.
//   loss: scalar [], or the shape of predictions for reduction "none".
//   attrs: epsilon (in (0, 0.5)), reduction ("mean", "sum", "none"),
//   weight (multiplies the loss).
//
// Gradient where p is clipped: 0. The loss is constant in p there, so 0 is
// its derivative (and what TensorFlow's clip_by_value gives Keras). A
// confidently wrong prediction (p = 0, l = 1) therefore gets no gradient:
// train on logits with SigmoidCrossEntropy to avoid that.
#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "plugins/losses/elementwise_loss.h"

namespace nabla {
namespace {

struct BinaryCrossEntropyFn : ElementwiseLossFn {
  static constexpr bool kClassWeights = true;
  static constexpr int64_t kCost = 16;

  explicit BinaryCrossEntropyFn(const ResolvedAttrs& attrs)
      : ElementwiseLossFn(attrs), epsilon(attrs.GetFloat("epsilon")) {}

  [[nodiscard]] static absl::Status CheckAttrs(const ResolvedAttrs& attrs) {
    const double epsilon = attrs.GetFloat("epsilon");
    if (epsilon > 0 && epsilon < 0.5) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'epsilon' must be in (0, 0.5), got ", epsilon));
  }

  // The clip bounds in T. An epsilon below T's resolution would round
  // them to 0 or 1 and the logarithms to -inf, so they stay strictly
  // inside (0, 1).
  template <typename T>
  T Low() const {
    return std::max(static_cast<T>(epsilon), std::numeric_limits<T>::min());
  }
  template <typename T>
  T High() const {
    return std::min(T{1} - static_cast<T>(epsilon), std::nextafter(T{1}, T{0}));
  }

  template <typename T>
  T Value(T p, T l) const {
    const T q = std::clamp(p, Low<T>(), High<T>());
    return -(l * std::log(q) + (T{1} - l) * std::log1p(-q));
  }
  // Inside the clip: dv/dq = (1 - l) / (1 - q) - l / q = (q - l) / (q (1 - q)).
  // dv/dl = log(1 - q) - log q everywhere (the clip does not involve l).
  template <typename T>
  LossDerivatives<T> Derivatives(T p, T l) const {
    const T low = Low<T>();
    const T high = High<T>();
    const T q = std::clamp(p, low, high);
    const T dl = std::log1p(-q) - std::log(q);
    if (p < low || p > high) return {T{0}, dl};
    return {(q - l) / (q * (T{1} - q)), dl};
  }

  double epsilon;
};

NABLA_REGISTER_OP("BinaryCrossEntropy")
    .Input("predictions")
    .Input("labels")
    .Output("loss")
    .Attr("epsilon", 1e-7)
    .Attr("reduction", "mean")
    .Attr("weight", 1.0)
    .FloatListAttr("class_weights")
    .Category(OpCategory::kLoss)
    .ShapeFn(ElementwiseLossShape<BinaryCrossEntropyFn>)
    .Forward(ElementwiseLossForward<BinaryCrossEntropyFn>)
    .Gradient(ElementwiseLossGradient<BinaryCrossEntropyFn>)
    .Doc(
        "Binary cross-entropy of labels in [0, 1] against probabilities "
        "clipped to [epsilon, 1 - epsilon] (attr epsilon, default 1e-7; no "
        "gradient to clipped predictions); averaged over all elements (or "
        "summed, or per element: attr reduction), times attr weight.");

}  // namespace
}  // namespace nabla
