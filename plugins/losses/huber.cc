// Huber: with d_i = p_i - l_i,
//   v_i = d_i² / 2                  where |d_i| <= delta,
//   v_i = delta (|d_i| - delta / 2)  elsewhere,
// reduced over all N elements (as PyTorch's HuberLoss and Keras' Huber).
//
//   predictions, labels: one shape (unknown dimensions match anything).
//   loss: scalar [], or the shape of predictions for reduction "none".
//   attrs: delta (finite, > 0; default 1), reduction ("mean", "sum",
//   "none"), weight (multiplies the loss).
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "plugins/losses/elementwise_loss.h"

namespace nabla {
namespace {

struct HuberFn : ElementwiseLossFn {
  explicit HuberFn(const ResolvedAttrs& attrs)
      : ElementwiseLossFn(attrs), delta(attrs.GetFloat("delta")) {}

  [[nodiscard]] static absl::Status CheckAttrs(const ResolvedAttrs& attrs) {
    const double delta = attrs.GetFloat("delta");
    if (std::isfinite(delta) && delta > 0) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'delta' must be a finite number > 0, got ", delta));
  }

  template <typename T>
  T Value(T p, T l) const {
    const T d = std::abs(p - l);
    const T t = static_cast<T>(delta);
    return d <= t ? T{0.5} * d * d : t * (d - T{0.5} * t);
  }
  // dv/dp = d clipped to [-delta, delta] = -dv/dl: both pieces have slope
  // delta at |d| = delta, so v is differentiable everywhere.
  template <typename T>
  LossDerivatives<T> Derivatives(T p, T l) const {
    const T t = static_cast<T>(delta);
    const T g = std::clamp(p - l, -t, t);
    return {g, -g};
  }

  double delta;
};

NABLA_REGISTER_OP("Huber")
    .Input("predictions")
    .Input("labels")
    .Output("loss")
    .Attr("delta", 1.0)
    .Attr("reduction", "mean")
    .Attr("weight", 1.0)
    .Category(OpCategory::kLoss)
    .ShapeFn(ElementwiseLossShape<HuberFn>)
    .Forward(ElementwiseLossForward<HuberFn>)
    .Gradient(ElementwiseLossGradient<HuberFn>)
    .Doc(
        "Huber loss of predictions - labels: quadratic within attr delta "
        "(default 1), linear beyond; averaged over all elements (or summed, "
        "or per element: attr reduction), times attr weight.");

}  // namespace
}  // namespace nabla
