// Optimizers: how Variables are updated from their gradients, and the
// registry that holds them.
//
// An optimizer is declared next to its update rule:
//
//   NABLA_REGISTER_OPTIMIZER("SGD")
//       .Attr("learning_rate", 0.01)
//       .Attr("momentum", 0.0)
//       .Factory(MakeSgd);
//
// Every optimizer declares a float `learning_rate`: the session turns it
// into each update's rate through the learning-rate schedule (see
// core/update_rule.h) and hands that rate to Apply(). A made optimizer is
// used by one session: Apply() is called for different variables at the
// same time, so it must keep no per-call state outside the slots it is
// handed.
#ifndef NABLA_CORE_OPTIMIZER_H_
#define NABLA_CORE_OPTIMIZER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/factory_registry.h"
#include "core/plugin_build.h"
#include "core/tensor.h"
#include "proto/model.pb.h"

namespace nabla {

// What one update of every variable shares.
struct UpdateContext {
  // 1-based count of updates including this one (Adam's t).
  int64_t step;
  // This update's learning rate, after the schedule.
  double learning_rate;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;

  // Names of the per-variable state tensors it keeps (e.g. "momentum"),
  // each shaped like the variable and zero at the start.
  virtual std::vector<std::string> SlotNames() const = 0;

  // Whether each element's update reads only that element of the value,
  // the gradient and the slots, so that Apply() on any part of a variable
  // (value, gradient and slots cut alike) updates that part as Apply() on
  // the whole would. Data-parallel ranks then each update a part of every
  // variable (core/gradient_exchange.h). True for the built-in optimizers.
  virtual bool elementwise() const { return false; }

  // Updates `value` in place from `grad` (same dtype and shape). `slots`
  // follow SlotNames(). Must not allocate.
  virtual void Apply(const UpdateContext& update, Tensor& value,
                     const Tensor& grad,
                     absl::Span<Tensor* const> slots) const = 0;
};

using OptimizerDef = FactoryDef<Optimizer>;

class OptimizerRegistry : public FactoryRegistry<Optimizer> {
 public:
  static OptimizerRegistry& Global();

  OptimizerRegistry() : FactoryRegistry<Optimizer>("optimizer") {}

  // Also refuses an optimizer without a float learning_rate default.
  [[nodiscard]] absl::Status Check(const OptimizerDef& def) const override;
};

struct MadeOptimizer {
  std::unique_ptr<Optimizer> optimizer;
  // The learning_rate setting, before any schedule.
  double learning_rate;
};

// Makes the optimizer a model file asks for: looks up config.name(),
// resolves its settings (learning_rate must be positive and finite) and
// calls the factory. Errors name the optimizer and the setting.
[[nodiscard]] absl::StatusOr<MadeOptimizer> MakeOptimizer(
    const OptimizerConfig& config);

class OptimizerRegistrar {
 public:
  OptimizerRegistrar(const OptimizerDef& def);  // NOLINT: macro chain.
};

#define NABLA_REGISTER_OPTIMIZER(name) \
  NABLA_REGISTER_OPTIMIZER_IMPL_(__COUNTER__, name)
#define NABLA_REGISTER_OPTIMIZER_IMPL_(counter, name) \
  NABLA_REGISTER_OPTIMIZER_IMPL2_(counter, name)
#define NABLA_REGISTER_OPTIMIZER_IMPL2_(counter, name)                   \
  [[maybe_unused]] static const NABLA_STATIC_REGISTRAR_(                 \
      ::nabla::OptimizerRegistrar) nabla_optimizer_registrar_##counter = \
      ::nabla::OptimizerDef(name)

}  // namespace nabla

#endif  // NABLA_CORE_OPTIMIZER_H_
