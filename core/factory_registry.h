// FactoryDef<Product> and FactoryRegistry<Product>: things made by name from
// a model file's settings. Optimizers, learning-rate schedules and data
// sources are all declared and found this way:
//
//   NABLA_REGISTER_OPTIMIZER("SGD")
//       .Attr("learning_rate", 0.01)
//       .Factory(MakeSgd)
//       .Doc("...");
//
// The factory receives the resolved settings (every declared attribute,
// defaults filled in) and refuses bad values with InvalidArgument naming the
// setting.
#ifndef NABLA_CORE_FACTORY_REGISTRY_H_
#define NABLA_CORE_FACTORY_REGISTRY_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/attr_declarer.h"
#include "core/attrs.h"
#include "core/registry.h"
#include "google/protobuf/map.h"

namespace nabla {

template <typename Product>
class FactoryDef : public AttrDeclarer<FactoryDef<Product>> {
 public:
  using FactoryFn = std::function<absl::StatusOr<std::unique_ptr<Product>>(
      const ResolvedAttrs&)>;

  explicit FactoryDef(std::string name) : name_(std::move(name)) {}

  FactoryDef& Factory(FactoryFn factory) {
    factory_ = std::move(factory);
    return *this;
  }
  FactoryDef& Doc(std::string text) {
    doc_ = std::move(text);
    return *this;
  }

  const std::string& name() const { return name_; }
  const FactoryFn& factory() const { return factory_; }
  const std::string& doc() const { return doc_; }

 private:
  std::string name_;
  FactoryFn factory_;
  std::string doc_;
};

template <typename Product>
class FactoryRegistry {
 public:
  using Def = FactoryDef<Product>;

  // `kind` names the definitions in messages: "optimizer", "schedule".
  explicit FactoryRegistry(std::string kind) : defs_(std::move(kind)) {}
  virtual ~FactoryRegistry() = default;

  // OK when `def` is complete: it has a factory and no attribute declared
  // twice. Kinds with more rules (optimizers) add them.
  [[nodiscard]] virtual absl::Status Check(const Def& def) const {
    if (!def.factory()) return Refuse(def, "no factory");
    if (const AttrDef* twice = def.FindDuplicateAttr()) {
      return Refuse(
          def, absl::StrCat("attribute '", twice->name, "' is declared twice"));
    }
    return absl::OkStatus();
  }

  // Refuses a declaration that fails Check() or whose name is taken.
  // `origin` is "built in" or a plugin's path.
  [[nodiscard]] absl::Status Register(Def def,
                                      absl::string_view origin = kBuiltIn) {
    absl::Status complete = Check(def);
    if (!complete.ok()) return complete;
    return defs_.Register(std::move(def), origin);
  }

  [[nodiscard]] absl::StatusOr<const Def*> Find(absl::string_view name) const {
    return defs_.Find(name);
  }
  std::vector<std::string> Names() const { return defs_.Names(); }
  bool Contains(absl::string_view name) const { return defs_.Contains(name); }
  std::string OriginOf(absl::string_view name) const {
    return defs_.OriginOf(name);
  }
  std::vector<typename Registry<Def>::Entry> Entries() const {
    return defs_.Entries();
  }
  const std::string& kind() const { return defs_.kind(); }

  // Finds `name`, resolves `given` against its attributes and calls its
  // factory. Errors start with "<kind> '<name>': ". The resolved settings
  // are stored in `resolved` when it is not null.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<Product>> Make(
      absl::string_view name,
      const google::protobuf::Map<std::string, AttrValue>& given,
      ResolvedAttrs* resolved = nullptr) const {
    auto def = defs_.Find(name);
    if (!def.ok()) return def.status();
    std::vector<std::string> errors;
    ResolvedAttrs attrs = ResolveAttrs((*def)->attrs(), given, &errors);
    if (!errors.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(kind(), " '", name, "': ", absl::StrJoin(errors, "; ")));
    }
    auto made = (*def)->factory()(attrs);
    if (!made.ok()) {
      return absl::Status(
          made.status().code(),
          absl::StrCat(kind(), " '", name, "': ", made.status().message()));
    }
    if (resolved != nullptr) *resolved = std::move(attrs);
    return made;
  }

  [[nodiscard]] absl::Status Refuse(const Def& def,
                                    absl::string_view why) const {
    return absl::InvalidArgumentError(absl::StrCat(
        kind(), " '", def.name(), "' cannot be registered: ", why));
  }

 private:
  Registry<Def> defs_;
};

}  // namespace nabla

#endif  // NABLA_CORE_FACTORY_REGISTRY_H_
