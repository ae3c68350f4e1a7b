// BatchNormLayer: batch normalisation with its variables and state,
// y = activation(BatchNorm(x, scale, bias, mean, var)).
//
//   x: [N, C] or [N, C, ...], C known.  y: x's shape.
//
// Expands, for a node 'b', into
//   b/scale       Variable [C], ones
//   b/bias        Variable [C], zeros
//   b/mean        Variable [C], zeros, trainable: false (running mean)
//   b/var         Variable [C], ones, trainable: false  (running variance)
//   b/batch_norm  BatchNorm with the layer's epsilon and momentum
//   b             the activation op                      (unless linear)
// where the last of them is renamed 'b'. The running statistics are state:
// BatchNorm updates them in training, checkpoints hold them and the
// optimizer never touches them.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/composite.h"
#include "core/layer_parts.h"
#include "core/op_registry.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

[[nodiscard]] absl::StatusOr<std::vector<NodeDef>> ExpandBatchNormLayer(
    const ExpandContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  if (x.rank() < 2 || x.dim(1) < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input '", ctx.input(0), "' must be [N, C] or [N, C, ...] with C ",
        "known (the size of the variables), got ", x.ToString()));
  }
  NABLA_RETURN_IF_ERROR(CheckLayerDType(ctx));
  NABLA_ASSIGN_OR_RETURN(
      const std::string activation,
      LayerActivationOp(ctx.attrs().GetString("activation"), "BatchNormLayer"));
  const int64_t channels = x.dim(1);
  std::vector<NodeDef> nodes = {
      LayerVector(ctx, "scale", channels, "ones"),
      LayerVector(ctx, "bias", channels, "zeros"),
      LayerVector(ctx, "mean", channels, "zeros", /*trainable=*/false),
      LayerVector(ctx, "var", channels, "ones", /*trainable=*/false)};
  NodeDef norm = ctx.MakeNode("batch_norm", "BatchNorm",
                              {ctx.input(0), nodes[0].name(), nodes[1].name(),
                               nodes[2].name(), nodes[3].name()});
  (*norm.mutable_attr())["epsilon"] = MakeAttr(ctx.attrs().GetFloat("epsilon"));
  (*norm.mutable_attr())["momentum"] =
      MakeAttr(ctx.attrs().GetFloat("momentum"));
  nodes.push_back(std::move(norm));
  if (!activation.empty()) {
    nodes.push_back(LayerActivation(ctx, activation, nodes.back().name()));
  }
  // Nothing consumes the last node yet: renaming it is safe.
  nodes.back().set_name(ctx.name());
  return nodes;
}

NABLA_REGISTER_COMPOSITE("BatchNormLayer")
    .Input("x")
    .Output("y")
    .Attr("epsilon", 1e-5)
    .Attr("momentum", 0.9)
    .AttrGroup(ActivationAttrs<CompositeDef>)
    .Attr("dtype", "float32")
    .Expand(ExpandBatchNormLayer)
    .Doc(
        "Batch normalisation layer: activation(BatchNorm(x, ...)) with "
        "scale (ones) and bias (zeros) trained, and the running mean and "
        "var kept as state.");

}  // namespace
}  // namespace nabla
