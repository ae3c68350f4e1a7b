// The Adam update, shared by "Adam" (adam.cc, L2 weight decay added to the
// gradient) and "AdamW" (adamw.cc, decoupled weight decay). adam.cc gives
// the update rule.
#ifndef NABLA_PLUGINS_OPTIMIZERS_ADAM_H_
#define NABLA_PLUGINS_OPTIMIZERS_ADAM_H_

#include <memory>

#include "absl/status/statusor.h"
#include "core/attrs.h"
#include "core/optimizer.h"

namespace nabla {

struct AdamSettings {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double weight_decay = 0;
  bool amsgrad = false;
  // False: g <- g + weight_decay * w (Adam). True: w <- w * (1 -
  // learning_rate * weight_decay) before the step (AdamW).
  bool decoupled_weight_decay = false;
};

// Reads beta1, beta2, epsilon, weight_decay and amsgrad, refusing values
// out of range with InvalidArgument naming the setting.
[[nodiscard]] absl::StatusOr<AdamSettings> ReadAdamSettings(
    const ResolvedAttrs& attrs, bool decoupled_weight_decay);

// Slots: "first_moment", "second_moment" and, with amsgrad,
// "max_second_moment".
std::unique_ptr<Optimizer> MakeAdamOptimizer(const AdamSettings& settings);

}  // namespace nabla

#endif  // NABLA_PLUGINS_OPTIMIZERS_ADAM_H_
