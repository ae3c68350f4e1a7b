// Optimizers: how Variables are updated from their gradients, and the
// registry that holds them.
//
// An optimizer is declared next to its update rule:
//
//   NABLA_REGISTER_OPTIMIZER("SGD")
//       .Attr("learning_rate", 0.01)
//       .Factory(MakeSgd);
//
// The factory receives the resolved settings and refuses bad values
// (InvalidArgument naming the setting). A made optimizer is used by one
// session: Apply() is called for different variables at the same time, so
// it must keep no per-call state outside the slots it is handed.
#ifndef NABLA_CORE_OPTIMIZER_H_
#define NABLA_CORE_OPTIMIZER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/attrs.h"
#include "core/registry.h"
#include "core/tensor.h"
#include "proto/model.pb.h"

namespace nabla {

class Optimizer {
 public:
  virtual ~Optimizer() = default;

  // Names of the per-variable state tensors it keeps (e.g. "momentum"),
  // each shaped like the variable and zero at the start.
  virtual std::vector<std::string> SlotNames() const = 0;

  // Updates `value` in place from `grad` (same dtype and shape). `step` is
  // the 1-based count of updates including this one. `slots` follow
  // SlotNames(). Must not allocate.
  virtual void Apply(int64_t step, Tensor& value, const Tensor& grad,
                     absl::Span<Tensor* const> slots) const = 0;
};

using OptimizerFactory = std::function<absl::StatusOr<std::unique_ptr<Optimizer>>(
    const ResolvedAttrs&)>;

class OptimizerDef {
 public:
  explicit OptimizerDef(std::string name) : name_(std::move(name)) {}

  OptimizerDef& Attr(std::string name, double default_value);
  OptimizerDef& Attr(std::string name, bool default_value);
  OptimizerDef& Factory(OptimizerFactory factory);
  OptimizerDef& Doc(std::string text);

  const std::string& name() const { return name_; }
  const std::vector<AttrDef>& attrs() const { return attrs_; }
  const OptimizerFactory& factory() const { return factory_; }
  const std::string& doc() const { return doc_; }

 private:
  std::string name_;
  std::vector<AttrDef> attrs_;
  OptimizerFactory factory_;
  std::string doc_;
};

class OptimizerRegistry {
 public:
  static OptimizerRegistry& Global();

  // Refuses a declaration without a factory or under a taken name.
  absl::Status Register(OptimizerDef def);
  absl::StatusOr<const OptimizerDef*> Find(absl::string_view name) const {
    return optimizers_.Find(name);
  }
  std::vector<std::string> Names() const { return optimizers_.Names(); }

 private:
  Registry<OptimizerDef> optimizers_{"optimizer"};
};

// Makes the optimizer a model file asks for: looks up config.name(),
// resolves its settings and calls the factory. Errors name the optimizer
// and the setting.
absl::StatusOr<std::unique_ptr<Optimizer>> MakeOptimizer(
    const OptimizerConfig& config);

class OptimizerRegistrar {
 public:
  OptimizerRegistrar(const OptimizerDef& def);  // NOLINT: macro chain.
};

#define NABLA_REGISTER_OPTIMIZER(name) \
  NABLA_REGISTER_OPTIMIZER_IMPL_(__COUNTER__, name)
#define NABLA_REGISTER_OPTIMIZER_IMPL_(counter, name) \
  NABLA_REGISTER_OPTIMIZER_IMPL2_(counter, name)
#define NABLA_REGISTER_OPTIMIZER_IMPL2_(counter, name)      \
  [[maybe_unused]] static const ::nabla::OptimizerRegistrar \
      nabla_optimizer_registrar_##counter = ::nabla::OptimizerDef(name)

}  // namespace nabla

#endif  // NABLA_CORE_OPTIMIZER_H_
