// Dense: a fully connected layer, y = activation(x · weights + bias).
//
//   x: [batch, in], in known.  y: [batch, units].
//
// Expands, for a node 'h', into
//   h/weights   Variable [in, units], `initializer` and its settings
//   h/bias      Variable [units], zeros             (when use_bias)
//   h/matmul    MatMul(x, h/weights)
//   h/bias_add  BiasAdd(h/matmul, h/bias)           (when use_bias)
//   h           the activation op                   (unless linear)
// where the last of them is renamed 'h', so that it produces the layer's
// output under the layer's own name.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/composite.h"
#include "core/initializer_attrs.h"
#include "core/op_registry.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

// Settings of the weights' initializer, passed on to h/weights when the
// model file sets them; their defaults here are Variable's.
constexpr const char* kInitializerSettings[] = {
    "init_value", "minval", "maxval", "mean", "stddev", "values"};

// The op that `activation` names, or "" for none ("" or "linear").
[[nodiscard]] absl::StatusOr<std::string> ActivationOp(
    const std::string& activation) {
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
        " inputs; Dense applies activations of one input"));
  }
  return activation;
}

// `in`, the size of the input's last dimension, after checking the input.
[[nodiscard]] absl::StatusOr<int64_t> InputFeatures(const ExpandContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  if (x.rank() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("input '", ctx.input(0), "' must be [batch, features] ",
                     "(rank 2), got ", x.ToString()));
  }
  if (x.dim(1) < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input '", ctx.input(0), "' has an unknown last dimension (",
        x.ToString(), "): the size of the weights depends on it"));
  }
  NABLA_ASSIGN_OR_RETURN(const DType dtype,
                         DTypeFromName(ctx.attrs().GetString("dtype")));
  if (dtype != ctx.input_dtype(0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("dtype is ", DTypeName(dtype), " but input '",
                     ctx.input(0), "' is ", DTypeName(ctx.input_dtype(0))));
  }
  return x.dim(1);
}

NodeDef Weights(const ExpandContext& ctx, int64_t in, int64_t units) {
  const ResolvedAttrs& attrs = ctx.attrs();
  NodeDef weights = ctx.MakeNode("weights", "Variable", {});
  auto& attr = *weights.mutable_attr();
  attr["shape"] = MakeAttr(Shape{in, units});
  attr["dtype"] = MakeAttr(attrs.GetString("dtype"));
  attr["initializer"] = MakeAttr(attrs.GetString("initializer"));
  for (const auto& [name, value] : attrs.values()) {
    for (const char* setting : kInitializerSettings) {
      if (name == setting && ctx.HasAttr(name)) attr[name] = value;
    }
  }
  return weights;
}

NodeDef Bias(const ExpandContext& ctx, int64_t units) {
  NodeDef bias = ctx.MakeNode("bias", "Variable", {});
  auto& attr = *bias.mutable_attr();
  attr["shape"] = MakeAttr(Shape{units});
  attr["dtype"] = MakeAttr(ctx.attrs().GetString("dtype"));
  attr["initializer"] = MakeAttr("zeros");
  return bias;
}

[[nodiscard]] absl::StatusOr<std::vector<NodeDef>> ExpandDense(
    const ExpandContext& ctx) {
  const ResolvedAttrs& attrs = ctx.attrs();
  const int64_t units = attrs.GetInt("units");
  if (units <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("units must be > 0, got ", units));
  }
  NABLA_ASSIGN_OR_RETURN(const std::string activation,
                         ActivationOp(attrs.GetString("activation")));
  NABLA_ASSIGN_OR_RETURN(const int64_t in, InputFeatures(ctx));
  const bool use_bias = attrs.GetBool("use_bias");

  std::vector<NodeDef> nodes;
  nodes.push_back(Weights(ctx, in, units));
  if (use_bias) nodes.push_back(Bias(ctx, units));
  nodes.push_back(
      ctx.MakeNode("matmul", "MatMul", {ctx.input(0), nodes.front().name()}));
  if (use_bias) {
    nodes.push_back(ctx.MakeNode("bias_add", "BiasAdd",
                                 {nodes.back().name(), nodes[1].name()}));
  }
  if (!activation.empty()) {
    nodes.push_back(
        ctx.MakeNode("activation", activation, {nodes.back().name()}));
  }
  // Nothing consumes the last node yet: renaming it is safe.
  nodes.back().set_name(ctx.name());
  return nodes;
}

NABLA_REGISTER_COMPOSITE("Dense")
    .Input("x")
    .Output("y")
    .RequiredAttr("units", AttrType::kInt)
    .Attr("activation", "")
    .Attr("use_bias", true)
    .Attr("dtype", "float32")
    .AttrGroup(InitializerAttrs<CompositeDef>)
    .Expand(ExpandDense)
    .Doc(
        "Fully connected layer: activation(x · weights + bias), expanded "
        "into Variable, MatMul, BiasAdd and activation nodes.");

}  // namespace
}  // namespace nabla
