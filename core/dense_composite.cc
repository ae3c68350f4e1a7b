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
#include "core/layer_parts.h"
#include "core/op_registry.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

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
  NABLA_RETURN_IF_ERROR(CheckLayerDType(ctx));
  return x.dim(1);
}

[[nodiscard]] absl::StatusOr<std::vector<NodeDef>> ExpandDense(
    const ExpandContext& ctx) {
  const ResolvedAttrs& attrs = ctx.attrs();
  const int64_t units = attrs.GetInt("units");
  if (units <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("units must be > 0, got ", units));
  }
  NABLA_ASSIGN_OR_RETURN(
      const std::string activation,
      LayerActivationOp(attrs.GetString("activation"), "Dense"));
  NABLA_ASSIGN_OR_RETURN(const int64_t in, InputFeatures(ctx));
  const bool use_bias = attrs.GetBool("use_bias");

  std::vector<NodeDef> nodes;
  nodes.push_back(LayerWeights(ctx, Shape{in, units}));
  if (use_bias) nodes.push_back(LayerBias(ctx, units));
  nodes.push_back(
      ctx.MakeNode("matmul", "MatMul", {ctx.input(0), nodes.front().name()}));
  if (use_bias) {
    nodes.push_back(ctx.MakeNode("bias_add", "BiasAdd",
                                 {nodes.back().name(), nodes[1].name()}));
  }
  if (!activation.empty()) {
    nodes.push_back(LayerActivation(ctx, activation, nodes.back().name()));
  }
  // Nothing consumes the last node yet: renaming it is safe.
  nodes.back().set_name(ctx.name());
  return nodes;
}

NABLA_REGISTER_COMPOSITE("Dense")
    .Input("x")
    .Output("y")
    .RequiredAttr("units", AttrType::kInt)
    .AttrGroup(ActivationAttrs<CompositeDef>)
    .AttrGroup(BiasAttrs<CompositeDef>)
    .Attr("dtype", "float32")
    .AttrGroup(InitializerAttrs<CompositeDef>)
    .Expand(ExpandDense)
    .Doc(
        "Fully connected layer: activation(x · weights + bias), expanded "
        "into Variable, MatMul, BiasAdd and activation nodes.");

}  // namespace
}  // namespace nabla
