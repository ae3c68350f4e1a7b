#include "core/op_registry.h"

#include "absl/strings/str_cat.h"

namespace nabla {

OpDef& OpDef::Input(std::string name) {
  inputs_.push_back({std::move(name), true});
  return *this;
}
OpDef& OpDef::NonDifferentiableInput(std::string name) {
  inputs_.push_back({std::move(name), false});
  return *this;
}
OpDef& OpDef::Output(std::string name) {
  outputs_.push_back(std::move(name));
  return *this;
}
OpDef& OpDef::Attr(std::string name, AttrValue default_value, AttrType type) {
  attrs_.push_back({std::move(name), type, std::move(default_value)});
  return *this;
}
OpDef& OpDef::Attr(std::string name, bool default_value) {
  return Attr(std::move(name), MakeAttr(default_value), AttrType::kBool);
}
OpDef& OpDef::Attr(std::string name, int64_t default_value) {
  return Attr(std::move(name), MakeAttr(default_value), AttrType::kInt);
}
OpDef& OpDef::Attr(std::string name, int default_value) {
  return Attr(std::move(name), MakeAttr(default_value), AttrType::kInt);
}
OpDef& OpDef::Attr(std::string name, double default_value) {
  return Attr(std::move(name), MakeAttr(default_value), AttrType::kFloat);
}
OpDef& OpDef::Attr(std::string name, const char* default_value) {
  return Attr(std::move(name), MakeAttr(default_value), AttrType::kString);
}
OpDef& OpDef::RequiredAttr(std::string name, AttrType type) {
  attrs_.push_back({std::move(name), type, std::nullopt});
  return *this;
}
OpDef& OpDef::Role(OpRole role) {
  role_ = role;
  return *this;
}
OpDef& OpDef::ShapeFn(nabla::ShapeFn fn) {
  shape_fn_ = std::move(fn);
  return *this;
}
OpDef& OpDef::Forward(ForwardFn fn) {
  forward_ = std::move(fn);
  return *this;
}
OpDef& OpDef::Gradient(GradientFn fn) {
  gradient_ = std::move(fn);
  return *this;
}
OpDef& OpDef::NoGradient() {
  no_gradient_ = true;
  return *this;
}
OpDef& OpDef::Initializer(InitFn fn) {
  initializer_ = std::move(fn);
  return *this;
}
OpDef& OpDef::Doc(std::string text) {
  doc_ = std::move(text);
  return *this;
}

absl::Status OpDef::Validate() const {
  auto refuse = [this](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("op '", name_, "' cannot be registered: ", why));
  };
  if (outputs_.empty()) return refuse("it declares no output");
  if (!shape_fn_) return refuse("it has no shape function");
  if (has_gradient() == no_gradient_) {
    return refuse("declare exactly one of Gradient(kernel) and NoGradient()");
  }
  switch (role_) {
    case OpRole::kCompute:
    case OpRole::kConstant:
      if (!forward_) return refuse("it has no forward kernel");
      break;
    case OpRole::kVariable:
      if (!initializer_) return refuse("a variable op needs an Initializer");
      if (!inputs_.empty()) return refuse("a variable op takes no inputs");
      break;
    case OpRole::kPlaceholder:
      if (!inputs_.empty()) return refuse("a placeholder op takes no inputs");
      break;
  }
  for (size_t i = 0; i < attrs_.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (attrs_[i].name == attrs_[j].name) {
        return refuse(
            absl::StrCat("attribute '", attrs_[i].name, "' is declared twice"));
      }
    }
  }
  return absl::OkStatus();
}

OpRegistry& OpRegistry::Global() {
  static OpRegistry* registry = new OpRegistry();
  return *registry;
}

absl::Status OpRegistry::Register(OpDef def) {
  absl::Status valid = def.Validate();
  if (!valid.ok()) return valid;
  return ops_.Register(std::move(def));
}

OpRegistrar::OpRegistrar(const OpDef& def) {
  CheckBuiltinRegistration(OpRegistry::Global().Register(def));
}

}  // namespace nabla
