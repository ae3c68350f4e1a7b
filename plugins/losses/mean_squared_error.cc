// MeanSquaredError: v_i = (p_i - l_i)², reduced over all N elements
// ("mean" divides by N, as PyTorch's MSELoss).
//
//   predictions, labels: one shape (unknown dimensions match anything).
//   loss: scalar [], or the shape of predictions for reduction "none".
//   attrs: reduction ("mean", "sum", "none"), weight (multiplies the loss).
#include "core/op_registry.h"
#include "plugins/losses/elementwise_loss.h"

namespace nabla {
namespace {

struct SquaredErrorFn : ElementwiseLossFn {
  using ElementwiseLossFn::ElementwiseLossFn;

  template <typename T>
  T Value(T p, T l) const {
    const T d = p - l;
    return d * d;
  }
  // dv/dp = 2 (p - l) = -dv/dl.
  template <typename T>
  LossDerivatives<T> Derivatives(T p, T l) const {
    const T g = T{2} * (p - l);
    return {g, -g};
  }
};

NABLA_REGISTER_OP("MeanSquaredError")
    .Input("predictions")
    .Input("labels")
    .Output("loss")
    .Attr("reduction", "mean")
    .Attr("weight", 1.0)
    .Category(OpCategory::kLoss)
    .ShapeFn(ElementwiseLossShape<SquaredErrorFn>)
    .Forward(ElementwiseLossForward<SquaredErrorFn>)
    .Gradient(ElementwiseLossGradient<SquaredErrorFn>)
    .Doc(
        "Squared error (predictions - labels)², averaged over all elements "
        "(or summed, or per element: attr reduction), times attr weight.");

}  // namespace
}  // namespace nabla
