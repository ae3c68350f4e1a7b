// Conv2DLayer: a convolutional layer,
// y = activation(Conv2D(x, weights) + bias per channel).
//
//   x: [N, C, H, W], C known.  y: [N, filters, OH, OW].
//
// Expands, for a node 'c', into
//   c/weights   Variable [filters, C / group, KH, KW], `initializer` with
//               fans read as (out, in, receptive field): fan_layout out_in
//   c/bias      Variable [filters], zeros               (when use_bias)
//   c/conv      Conv2D(x, c/weights) with the layer's strides, dilations,
//               pads, padding and group
//   c/bias_add  BiasAdd(c/conv, c/bias), axis 1         (when use_bias)
//   c           the activation op                       (unless linear)
// where the last of them is renamed 'c'. Conv2D checks the convolution's
// attributes; the layer checks its own (filters, kernel_size).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/composite.h"
#include "core/initializer_attrs.h"
#include "core/layer_parts.h"
#include "core/op_registry.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

// The attributes Conv2D takes, passed on when the model file sets them.
constexpr const char* kConvolutionAttrs[] = {"strides", "dilations", "pads",
                                             "padding", "group"};

// C, the input's channels, after checking the input.
[[nodiscard]] absl::StatusOr<int64_t> InputChannels(const ExpandContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  if (x.rank() != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("input '", ctx.input(0), "' must be [N, C, H, W] ",
                     "(rank 4), got ", x.ToString()));
  }
  if (x.dim(1) < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input '", ctx.input(0), "' has an unknown channel dimension (",
        x.ToString(), "): the size of the weights depends on it"));
  }
  NABLA_RETURN_IF_ERROR(CheckLayerDType(ctx));
  return x.dim(1);
}

[[nodiscard]] absl::StatusOr<std::vector<NodeDef>> ExpandConv2DLayer(
    const ExpandContext& ctx) {
  const ResolvedAttrs& attrs = ctx.attrs();
  const int64_t filters = attrs.GetInt("filters");
  if (filters <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("filters must be > 0, got ", filters));
  }
  const absl::Span<const int64_t> kernel = attrs.GetIntList("kernel_size");
  if (kernel.size() != 2 || kernel[0] < 1 || kernel[1] < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("kernel_size must be [KH, KW], two integers of at least "
                     "1, got [",
                     absl::StrJoin(kernel, ", "), "]"));
  }
  const int64_t group = attrs.GetInt("group");
  if (group < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("group must be at least 1, got ", group));
  }
  NABLA_ASSIGN_OR_RETURN(
      const std::string activation,
      LayerActivationOp(attrs.GetString("activation"), "Conv2DLayer"));
  NABLA_ASSIGN_OR_RETURN(const int64_t channels, InputChannels(ctx));
  if (channels % group != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("input '", ctx.input(0), "' has ", channels,
                     " channels, which group = ", group, " does not divide"));
  }
  const bool use_bias = attrs.GetBool("use_bias");

  std::vector<NodeDef> nodes;
  NodeDef weights =
      LayerWeights(ctx, Shape{filters, channels / group, kernel[0], kernel[1]});
  (*weights.mutable_attr())["fan_layout"] = MakeAttr("out_in");
  nodes.push_back(std::move(weights));
  if (use_bias) nodes.push_back(LayerBias(ctx, filters));
  NodeDef conv =
      ctx.MakeNode("conv", "Conv2D", {ctx.input(0), nodes.front().name()});
  for (const char* name : kConvolutionAttrs) {
    if (ctx.HasAttr(name)) {
      for (const auto& [set, value] : attrs.values()) {
        if (set == name) (*conv.mutable_attr())[name] = value;
      }
    }
  }
  nodes.push_back(std::move(conv));
  if (use_bias) {
    NodeDef bias_add = ctx.MakeNode("bias_add", "BiasAdd",
                                    {nodes.back().name(), nodes[1].name()});
    (*bias_add.mutable_attr())["axis"] = MakeAttr(int64_t{1});
    nodes.push_back(std::move(bias_add));
  }
  if (!activation.empty()) {
    nodes.push_back(LayerActivation(ctx, activation, nodes.back().name()));
  }
  // Nothing consumes the last node yet: renaming it is safe.
  nodes.back().set_name(ctx.name());
  return nodes;
}

NABLA_REGISTER_COMPOSITE("Conv2DLayer")
    .Input("x")
    .Output("y")
    .RequiredAttr("filters", AttrType::kInt)
    .RequiredAttr("kernel_size", AttrType::kIntList)
    .IntListAttr("strides", {1, 1})
    .IntListAttr("dilations", {1, 1})
    .IntListAttr("pads", {0, 0, 0, 0})
    .Attr("padding", "explicit")
    .Attr("group", 1)
    .AttrGroup(ActivationAttrs<CompositeDef>)
    .AttrGroup(BiasAttrs<CompositeDef>)
    .Attr("dtype", "float32")
    .AttrGroup(InitializerAttrs<CompositeDef>)
    .Expand(ExpandConv2DLayer)
    .Doc(
        "Convolutional layer: activation(Conv2D(x, weights) + bias), "
        "weights [filters, C / group, KH, KW] made from `initializer`.");

}  // namespace
}  // namespace nabla
