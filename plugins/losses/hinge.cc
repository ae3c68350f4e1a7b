// Hinge: v_i = max(0, 1 - y_i p_i) for labels y_i in {-1, 1}, reduced over
// all N elements (Keras' Hinge).
//
//   predictions: scores, any real.
//   labels: -1 or 1, one shape with predictions. 0 is read as -1, so
//   {0, 1} labels work as Keras converts them; any other value is a kernel
//   error (InvalidArgument naming the element and the value). Labels are a
//   class, not a quantity: they receive no gradient.
//   loss: scalar [], or the shape of predictions for reduction "none".
//   attrs: reduction ("mean", "sum", "none"), weight (multiplies the loss).
//
// Keras decides per tensor (all labels in {0, 1} means convert); deciding
// per element gives the same result for every valid tensor and does not
// change meaning with the batch.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/bad_value.h"
#include "core/op_registry.h"
#include "plugins/losses/elementwise_loss.h"

namespace nabla {
namespace {

struct HingeFn : ElementwiseLossFn {
  static constexpr bool kClassWeights = true;
  using ElementwiseLossFn::ElementwiseLossFn;

  template <typename T>
  [[nodiscard]] absl::Status CheckLabels(const T* labels, int64_t n) const {
    for (int64_t i = 0; i < n; ++i) {
      const T l = labels[i];
      if (l == T{-1} || l == T{0} || l == T{1}) continue;
      return InputValueError(
          1, i,
          absl::StrCat("Hinge: label ", i, " is ", l,
                       "; labels must be -1 or 1 (or 0, read as -1)"));
    }
    return absl::OkStatus();
  }

  template <typename T>
  static T Sign(T l) {
    return l > 0 ? T{1} : T{-1};
  }

  template <typename T>
  T Value(T p, T l) const {
    return std::max(T{0}, T{1} - Sign(l) * p);
  }
  // dv/dp = -y where the margin is violated (y p < 1), else 0; at y p = 1
  // the subgradient 0.
  template <typename T>
  LossDerivatives<T> Derivatives(T p, T l) const {
    const T y = Sign(l);
    return {T{1} - y * p > 0 ? -y : T{0}, T{0}};
  }
};

NABLA_REGISTER_OP("Hinge")
    .Input("predictions")
    .NonDifferentiableInput("labels")
    .Output("loss")
    .Attr("reduction", "mean")
    .Attr("weight", 1.0)
    .FloatListAttr("class_weights")
    .Category(OpCategory::kLoss)
    .ShapeFn(ElementwiseLossShape<HingeFn>)
    .Forward(ElementwiseLossForward<HingeFn>)
    .Gradient(ElementwiseLossGradient<HingeFn>)
    .Doc(
        "Hinge loss max(0, 1 - labels * predictions) for labels -1 or 1 (0 "
        "is read as -1); averaged over all elements (or summed, or per "
        "element: attr reduction), times attr weight.");

}  // namespace
}  // namespace nabla
