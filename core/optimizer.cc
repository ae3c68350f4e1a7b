#include "core/optimizer.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nabla {

OptimizerDef& OptimizerDef::Attr(std::string name, double default_value) {
  attrs_.push_back(
      {std::move(name), AttrType::kFloat, MakeAttr(default_value)});
  return *this;
}
OptimizerDef& OptimizerDef::Attr(std::string name, bool default_value) {
  attrs_.push_back({std::move(name), AttrType::kBool, MakeAttr(default_value)});
  return *this;
}
OptimizerDef& OptimizerDef::Factory(OptimizerFactory factory) {
  factory_ = std::move(factory);
  return *this;
}
OptimizerDef& OptimizerDef::Doc(std::string text) {
  doc_ = std::move(text);
  return *this;
}

OptimizerRegistry& OptimizerRegistry::Global() {
  static OptimizerRegistry* registry = new OptimizerRegistry();
  return *registry;
}

absl::Status OptimizerRegistry::Register(OptimizerDef def) {
  if (!def.factory()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "optimizer '", def.name(), "' cannot be registered: no factory"));
  }
  return optimizers_.Register(std::move(def));
}

absl::StatusOr<std::unique_ptr<Optimizer>> MakeOptimizer(
    const OptimizerConfig& config) {
  if (config.name().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "training.optimizer.name is not set; registered optimizers: ",
        absl::StrJoin(OptimizerRegistry::Global().Names(), ", ")));
  }
  auto def = OptimizerRegistry::Global().Find(config.name());
  if (!def.ok()) return def.status();
  std::vector<std::string> errors;
  ResolvedAttrs attrs = ResolveAttrs((*def)->attrs(), config.attr(), &errors);
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "optimizer '", config.name(), "': ", absl::StrJoin(errors, "; ")));
  }
  auto made = (*def)->factory()(attrs);
  if (!made.ok()) {
    return absl::Status(made.status().code(),
                        absl::StrCat("optimizer '", config.name(),
                                     "': ", made.status().message()));
  }
  return made;
}

OptimizerRegistrar::OptimizerRegistrar(const OptimizerDef& def) {
  CheckBuiltinRegistration(OptimizerRegistry::Global().Register(def));
}

}  // namespace nabla
