#include "core/op_registry.h"

#include "absl/strings/str_cat.h"

namespace nabla {

const char* OpCategoryName(OpCategory category) {
  switch (category) {
    case OpCategory::kOp:
      return "op";
    case OpCategory::kActivation:
      return "activation";
    case OpCategory::kLoss:
      return "loss";
  }
  return "op";
}

OpDef& OpDef::Input(std::string name) {
  inputs_.push_back({std::move(name), true});
  return *this;
}
OpDef& OpDef::NonDifferentiableInput(std::string name) {
  inputs_.push_back({std::move(name), false});
  return *this;
}
OpDef& OpDef::StateInput(std::string name) {
  inputs_.push_back({std::move(name), false, true});
  return *this;
}
OpDef& OpDef::VariadicInput(std::string name, int min_count) {
  inputs_.push_back({std::move(name), true});
  variadic_min_ = min_count;
  return *this;
}
OpDef& OpDef::Output(std::string name) {
  outputs_.push_back(std::move(name));
  return *this;
}
OpDef& OpDef::VariadicOutput(std::string name, OutputCountFn count) {
  outputs_.push_back(std::move(name));
  output_count_ = std::move(count);
  return *this;
}
OpDef& OpDef::Role(OpRole role) {
  role_ = role;
  return *this;
}
OpDef& OpDef::Category(OpCategory category) {
  category_ = category;
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
OpDef& OpDef::GradientReads(ForwardValues reads) {
  gradient_reads_ = reads;
  return *this;
}
OpDef& OpDef::InPlace() {
  in_place_ = true;
  return *this;
}
OpDef& OpDef::GradientInPlace() {
  gradient_in_place_ = true;
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
  if (variadic_output() && outputs_.size() != 1) {
    return refuse("a variadic output must be the only output");
  }
  if (!shape_fn_) return refuse("it has no shape function");
  if (has_gradient() == no_gradient_) {
    return refuse("declare exactly one of Gradient(kernel) and NoGradient()");
  }
  if ((in_place_ || gradient_in_place_) && inputs_.empty()) {
    return refuse("an op without inputs cannot run in place");
  }
  if (variadic() && (variadic_min_ < 1 || inputs_.back().state)) {
    return refuse("a variadic input must be given at least once, not state");
  }
  if (gradient_in_place_ && !has_gradient()) {
    return refuse("GradientInPlace() needs a gradient kernel");
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
  if (const AttrDef* twice = FindDuplicateAttr()) {
    return refuse(
        absl::StrCat("attribute '", twice->name, "' is declared twice"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> OpDef::NumOutputs(const ResolvedAttrs& attrs) const {
  if (!variadic_output()) return static_cast<int>(outputs_.size());
  absl::StatusOr<int> count = output_count_(attrs);
  if (count.ok() && *count < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("its attributes give it ", *count, " outputs"));
  }
  return count;
}

[[nodiscard]] absl::StatusOr<OutputTypes> InferOutputs(
    const OpDef& op, const ResolvedAttrs& attrs, std::vector<DType> dtypes,
    std::vector<Shape> shapes) {
  absl::StatusOr<int> outputs = op.NumOutputs(attrs);
  if (!outputs.ok()) return outputs.status();
  ShapeContext ctx(std::move(dtypes), std::move(shapes), &attrs, *outputs);
  absl::Status shaped = op.shape_fn()(ctx);
  if (!shaped.ok()) return shaped;
  for (const Shape& shape : ctx.output_shapes()) {
    absl::Status size = CheckTensorSize(shape, "output");
    if (!size.ok()) return size;
  }
  return OutputTypes{ctx.output_dtypes(), ctx.output_shapes(),
                     ctx.scratch_bytes()};
}

OpRegistry& OpRegistry::Global() {
  static OpRegistry* registry = new OpRegistry();
  return *registry;
}

absl::Status OpRegistry::Register(OpDef def, absl::string_view origin) {
  absl::Status valid = def.Validate();
  if (!valid.ok()) return valid;
  return ops_.Register(std::move(def), origin);
}

OpRegistrar::OpRegistrar(const OpDef& def) {
  if (!StaticRegistrationAllowed("op", def.name())) return;
  CheckBuiltinRegistration(OpRegistry::Global().Register(def));
}

}  // namespace nabla
