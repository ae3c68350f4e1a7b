#include "core/optimizer.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nabla {

OptimizerRegistry& OptimizerRegistry::Global() {
  static OptimizerRegistry* registry = new OptimizerRegistry();
  return *registry;
}

absl::Status OptimizerRegistry::Check(const OptimizerDef& def) const {
  const auto& attrs = def.attrs();
  const bool has_rate =
      std::any_of(attrs.begin(), attrs.end(), [](const AttrDef& attr) {
        return attr.name == "learning_rate" && attr.type == AttrType::kFloat &&
               attr.default_value.has_value();
      });
  if (!has_rate) {
    return Refuse(def, "it declares no float learning_rate with a default");
  }
  return FactoryRegistry<Optimizer>::Check(def);
}

[[nodiscard]] absl::StatusOr<MadeOptimizer> MakeOptimizer(
    const OptimizerConfig& config) {
  const OptimizerRegistry& registry = OptimizerRegistry::Global();
  if (config.name().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("training.optimizer.name is not set; registered "
                     "optimizers: ",
                     absl::StrJoin(registry.Names(), ", ")));
  }
  ResolvedAttrs attrs;
  auto made = registry.Make(config.name(), config.attr(), &attrs);
  if (!made.ok()) return made.status();
  const double learning_rate = attrs.GetFloat("learning_rate");
  if (!(learning_rate > 0) || !std::isfinite(learning_rate)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "optimizer '", config.name(),
        "': learning_rate must be a positive number, got ", learning_rate));
  }
  return MadeOptimizer{*std::move(made), learning_rate};
}

OptimizerRegistrar::OptimizerRegistrar(const OptimizerDef& def) {
  if (!StaticRegistrationAllowed("optimizer", def.name())) return;
  CheckBuiltinRegistration(OptimizerRegistry::Global().Register(def));
}

}  // namespace nabla
