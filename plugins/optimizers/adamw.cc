// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as
// PyTorch's torch.optim.AdamW.
//
// With variable w, gradient g, learning rate lr, 1-based step t and weight
// decay wd, the decay shrinks w directly instead of entering the moments:
//
//   w <- w * (1 - lr * wd)
//   m <- beta1 * m + (1 - beta1) * g
//   v <- beta2 * v + (1 - beta2) * g^2
//   v_max <- max(v_max, v)              (amsgrad; v_max replaces v below)
//   w <- w - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)
//
// The update is Adam's (adam.cc), with the same slots: "first_moment",
// "second_moment" and, with amsgrad, "max_second_moment".
#include <memory>

#include "core/optimizer.h"
#include "core/status_macros.h"
#include "plugins/optimizers/adam.h"

namespace nabla {
namespace {

[[nodiscard]] absl::StatusOr<std::unique_ptr<Optimizer>> MakeAdamW(
    const ResolvedAttrs& attrs) {
  NABLA_ASSIGN_OR_RETURN(AdamSettings settings,
                         ReadAdamSettings(attrs, /*decoupled=*/true));
  return MakeAdamOptimizer(settings);
}

NABLA_REGISTER_OPTIMIZER("AdamW")
    .Attr("learning_rate", 0.001)
    .Attr("beta1", 0.9)
    .Attr("beta2", 0.999)
    .Attr("epsilon", 1e-8)
    .Attr("weight_decay", 0.01)
    .Attr("amsgrad", false)
    .Factory(MakeAdamW)
    .Doc(
        "Adam with decoupled weight decay, as torch.optim.AdamW: w <- w * "
        "(1 - learning_rate * weight_decay), then the Adam step.");

}  // namespace
}  // namespace nabla
