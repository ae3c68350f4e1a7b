#include "core/layer_parts.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

// Settings of the weights' initializer, passed on to the weights variable
// when the model file sets them; their defaults here are Variable's.
constexpr const char* kInitializerSettings[] = {
    "init_value", "minval", "maxval", "mean", "stddev", "values"};

}  // namespace

[[nodiscard]] absl::StatusOr<std::string> LayerActivationOp(
    const std::string& activation, absl::string_view layer) {
  if (activation.empty() || activation == "linear") return std::string();
  std::vector<std::string> activations;
  for (const auto& entry : OpRegistry::Global().Entries()) {
    if (entry.def->category() == OpCategory::kActivation) {
      activations.push_back(entry.def->name());
    }
  }
  auto op = OpRegistry::Global().Find(activation);
  if (!op.ok() || (*op)->category() != OpCategory::kActivation) {
    return absl::InvalidArgumentError(absl::StrCat(
        "activation '", activation, "' is not a registered activation",
        SuggestionText(activation, activations), " (or \"linear\" for none)"));
  }
  if ((*op)->inputs().size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "activation '", activation, "' takes ", (*op)->inputs().size(),
        " inputs; ", layer, " applies activations of one input"));
  }
  return activation;
}

[[nodiscard]] absl::Status CheckLayerDType(const ExpandContext& ctx) {
  NABLA_ASSIGN_OR_RETURN(const DType dtype,
                         DTypeFromName(ctx.attrs().GetString("dtype")));
  if (dtype == ctx.input_dtype(0)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("dtype is ", DTypeName(dtype), " but input '", ctx.input(0),
                   "' is ", DTypeName(ctx.input_dtype(0))));
}

NodeDef LayerWeights(const ExpandContext& ctx, const Shape& shape) {
  const ResolvedAttrs& attrs = ctx.attrs();
  NodeDef weights = ctx.MakeNode("weights", "Variable", {});
  auto& attr = *weights.mutable_attr();
  attr["shape"] = MakeAttr(shape);
  attr["dtype"] = MakeAttr(attrs.GetString("dtype"));
  // Passed on only when given, so the Variable knows a default from a
  // choice (and says so when a setting would be ignored).
  if (ctx.HasAttr("initializer")) {
    attr["initializer"] = MakeAttr(attrs.GetString("initializer"));
  }
  for (const auto& [name, value] : attrs.values()) {
    for (const char* setting : kInitializerSettings) {
      if (name == setting && ctx.HasAttr(name)) attr[name] = value;
    }
  }
  return weights;
}

NodeDef LayerVector(const ExpandContext& ctx, absl::string_view part,
                    int64_t units, absl::string_view initializer,
                    bool trainable) {
  NodeDef vector = ctx.MakeNode(std::string(part), "Variable", {});
  auto& attr = *vector.mutable_attr();
  attr["shape"] = MakeAttr(Shape{units});
  attr["dtype"] = MakeAttr(ctx.attrs().GetString("dtype"));
  attr["initializer"] = MakeAttr(std::string(initializer));
  if (!trainable) attr["trainable"] = MakeAttr(false);
  return vector;
}

NodeDef LayerBias(const ExpandContext& ctx, int64_t units) {
  NodeDef bias = LayerVector(ctx, "bias", units,
                             ctx.attrs().GetString("bias_initializer"));
  if (ctx.HasAttr("bias_init_value")) {
    (*bias.mutable_attr())["init_value"] =
        MakeAttr(ctx.attrs().GetFloat("bias_init_value"));
  }
  return bias;
}

NodeDef LayerActivation(const ExpandContext& ctx, const std::string& op,
                        const std::string& input) {
  NodeDef node = ctx.MakeNode("activation", op, {input});
  // Passed only when set: the activation's own defaults stay its own.
  constexpr const char* kSettings[] = {"alpha", "beta", "approximate", "axis"};
  for (const char* setting : kSettings) {
    const std::string name = absl::StrCat("activation_", setting);
    if (!ctx.HasAttr(name)) continue;
    for (const auto& [attr, value] : ctx.attrs().values()) {
      if (attr == name) (*node.mutable_attr())[setting] = value;
    }
  }
  return node;
}

}  // namespace nabla
