// MeanAbsoluteError: v_i = |p_i - l_i|, reduced over all N elements
// ("mean" divides by N, as PyTorch's L1Loss).
//
//   predictions, labels: one shape (unknown dimensions match anything).
//   loss: scalar [], or the shape of predictions for reduction "none".
//   attrs: reduction ("mean", "sum", "none"), weight (multiplies the loss).
#include <cmath>

#include "core/op_registry.h"
#include "plugins/losses/elementwise_loss.h"

namespace nabla {
namespace {

struct AbsoluteErrorFn : ElementwiseLossFn {
  using ElementwiseLossFn::ElementwiseLossFn;

  template <typename T>
  T Value(T p, T l) const {
    return std::abs(p - l);
  }
  // dv/dp = sign(p - l) = -dv/dl; at p = l, where |.| has no derivative,
  // the subgradient 0 (as PyTorch and TensorFlow).
  template <typename T>
  LossDerivatives<T> Derivatives(T p, T l) const {
    const T s = p > l ? T{1} : (p < l ? T{-1} : T{0});
    return {s, -s};
  }
};

NABLA_REGISTER_OP("MeanAbsoluteError")
    .Input("predictions")
    .Input("labels")
    .Output("loss")
    .Attr("reduction", "mean")
    .Attr("weight", 1.0)
    .Category(OpCategory::kLoss)
    .ShapeFn(ElementwiseLossShape<AbsoluteErrorFn>)
    .Forward(ElementwiseLossForward<AbsoluteErrorFn>)
    .Gradient(ElementwiseLossGradient<AbsoluteErrorFn>)
    .Doc(
        "Absolute error |predictions - labels|, averaged over all elements "
        "(or summed, or per element: attr reduction), times attr weight.");

}  // namespace
}  // namespace nabla
