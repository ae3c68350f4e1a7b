#include "core/gradient_path.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nabla {
namespace {

// Nodes that a trainable variable reaches along differentiable inputs
// (graph order is topological, so one forward sweep finds them all).
std::vector<bool> ReachedFromVariables(const Graph& graph,
                                       absl::Span<const int> trainable) {
  std::vector<bool> reached(graph.num_nodes(), false);
  for (int v : trainable) reached[v] = true;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& node = graph.node(i);
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      if (node.op->input(k).differentiable && reached[node.inputs[k].node]) {
        reached[i] = true;
      }
    }
  }
  return reached;
}

// Nodes from which the loss is reached along differentiable inputs.
std::vector<bool> ReachingLoss(const Graph& graph, int loss) {
  std::vector<bool> reaching(graph.num_nodes(), false);
  reaching[loss] = true;
  for (int i = loss; i >= 0; --i) {
    if (!reaching[i]) continue;
    const Node& node = graph.node(i);
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      if (node.op->input(k).differentiable) {
        reaching[node.inputs[k].node] = true;
      }
    }
  }
  return reaching;
}

}  // namespace

[[nodiscard]] absl::StatusOr<std::vector<bool>> GradientPath(
    const Graph& graph, int loss, absl::Span<const int> trainable) {
  const Shape& loss_shape = graph.node(loss).output_shapes[0];
  if (loss_shape.rank() != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the loss ", graph.Describe(loss), " must be a scalar, its shape is ",
        loss_shape.ToString()));
  }
  const std::vector<bool> from_variable =
      ReachedFromVariables(graph, trainable);
  const std::vector<bool> to_loss = ReachingLoss(graph, loss);
  std::vector<bool> on_path(graph.num_nodes());
  bool reaches_variable = false;
  std::vector<std::string> no_gradient;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    on_path[i] = from_variable[i] && to_loss[i];
    if (!on_path[i]) continue;
    const OpDef& op = *graph.node(i).op;
    if (op.role() == OpRole::kVariable) reaches_variable = true;
    if (op.role() == OpRole::kCompute && !op.has_gradient()) {
      no_gradient.push_back(graph.Describe(i));
    }
  }
  if (!reaches_variable) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the loss ", graph.Describe(loss),
        " does not depend on any trainable Variable: nothing to train"));
  }
  if (!no_gradient.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot train: these nodes between a Variable and the loss have no "
        "gradient:\n",
        absl::StrJoin(no_gradient, "\n")));
  }
  return on_path;
}

}  // namespace nabla
