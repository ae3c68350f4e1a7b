// SigmoidCrossEntropy: binary cross-entropy of labels z_i against
// sigmoid(x_i), taken from the logits x_i:
//   v_i = -z log σ(x) - (1 - z) log(1 - σ(x))
//       = max(x, 0) - x z + log1p(e^-|x|),
// the second form finite for any finite x (TensorFlow's
// sigmoid_cross_entropy_with_logits); reduced over all N elements.
//
//   logits, labels: one shape; labels are probabilities in [0, 1] (soft
//   labels are fine) and receive a gradient too.
//   loss: scalar [], or the shape of logits for reduction "none".
//   attrs: reduction ("mean", "sum", "none"), weight (multiplies the loss).
#include <algorithm>
#include <cmath>

#include "core/op_registry.h"
#include "plugins/losses/elementwise_loss.h"

namespace nabla {
namespace {

struct SigmoidCrossEntropyFn : ElementwiseLossFn {
  static constexpr bool kClassWeights = true;
  using ElementwiseLossFn::ElementwiseLossFn;
  static constexpr const char* kPredictions = "logits";
  static constexpr int64_t kCost = 16;

  template <typename T>
  T Value(T x, T z) const {
    return std::max(x, T{0}) - x * z + std::log1p(std::exp(-std::abs(x)));
  }
  // dv/dx = σ(x) - z (differentiating the first form) and dv/dz = -x
  // (the second). σ is evaluated so that its exponential cannot overflow.
  template <typename T>
  LossDerivatives<T> Derivatives(T x, T z) const {
    T sigmoid;
    if (x >= 0) {
      sigmoid = T{1} / (T{1} + std::exp(-x));
    } else {
      const T e = std::exp(x);
      sigmoid = e / (T{1} + e);
    }
    return {sigmoid - z, -x};
  }
};

NABLA_REGISTER_OP("SigmoidCrossEntropy")
    .Input("logits")
    .Input("labels")
    .Output("loss")
    .Attr("reduction", "mean")
    .Attr("weight", 1.0)
    .FloatListAttr("class_weights")
    .Category(OpCategory::kLoss)
    .ShapeFn(ElementwiseLossShape<SigmoidCrossEntropyFn>)
    .Forward(ElementwiseLossForward<SigmoidCrossEntropyFn>)
    .Gradient(ElementwiseLossGradient<SigmoidCrossEntropyFn>)
    .Doc(
        "Binary cross-entropy of labels in [0, 1] against sigmoid(logits), "
        "computed stably from the logits; averaged over all elements (or "
        "summed, or per element: attr reduction), times attr weight.");

}  // namespace
}  // namespace nabla
