#include "core/composite.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"

namespace nabla {

ExpandContext::ExpandContext(const NodeDef* node, const ResolvedAttrs* attrs,
                             std::vector<DType> input_dtypes,
                             std::vector<Shape> input_shapes)
    : node_(node),
      attrs_(attrs),
      input_dtypes_(std::move(input_dtypes)),
      input_shapes_(std::move(input_shapes)) {}

bool ExpandContext::HasAttr(absl::string_view name) const {
  return node_->attr().contains(std::string(name));
}

NodeDef ExpandContext::MakeNode(absl::string_view part, absl::string_view op,
                                std::vector<std::string> inputs) const {
  NodeDef node;
  node.set_name(absl::StrCat(name(), "/", part));
  node.set_op(std::string(op));
  for (std::string& input : inputs) node.add_input(std::move(input));
  return node;
}

CompositeDef& CompositeDef::Input(std::string name) {
  inputs_.push_back(std::move(name));
  return *this;
}
CompositeDef& CompositeDef::Output(std::string name) {
  outputs_.push_back(std::move(name));
  return *this;
}
CompositeDef& CompositeDef::Expand(ExpandFn fn) {
  expand_ = std::move(fn);
  return *this;
}
CompositeDef& CompositeDef::Doc(std::string text) {
  doc_ = std::move(text);
  return *this;
}

CompositeRegistry& CompositeRegistry::Global() {
  static CompositeRegistry* registry = new CompositeRegistry();
  return *registry;
}

absl::Status CompositeRegistry::Check(const CompositeDef& def) const {
  auto refuse = [&def](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "composite '", def.name(), "' cannot be registered: ", why));
  };
  if (!def.expand()) return refuse("it has no Expand function");
  if (def.outputs().empty()) return refuse("it declares no output");
  if (const AttrDef* twice = def.FindDuplicateAttr()) {
    return refuse(
        absl::StrCat("attribute '", twice->name, "' is declared twice"));
  }
  // A model names ops and composites alike in `op`: one name, one meaning.
  if (OpRegistry::Global().Contains(def.name())) {
    return refuse(absl::StrCat("an op of that name is registered (",
                               OpRegistry::Global().OriginOf(def.name()), ")"));
  }
  return absl::OkStatus();
}

absl::Status CompositeRegistry::Register(CompositeDef def,
                                         absl::string_view origin) {
  absl::Status complete = Check(def);
  if (!complete.ok()) return complete;
  return defs_.Register(std::move(def), origin);
}

CompositeRegistrar::CompositeRegistrar(const CompositeDef& def) {
  if (!StaticRegistrationAllowed("composite", def.name())) return;
  CheckBuiltinRegistration(CompositeRegistry::Global().Register(def));
}

}  // namespace nabla
