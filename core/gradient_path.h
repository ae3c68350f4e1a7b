// Which nodes training differentiates: those on a differentiable path from
// a trainable Variable to the loss. The planner lays out the backward pass
// over exactly these nodes; Session::SetTraining asks the same question
// first, to refuse a loss that cannot be trained before any plan is built.
#ifndef NABLA_CORE_GRADIENT_PATH_H_
#define NABLA_CORE_GRADIENT_PATH_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/graph.h"

namespace nabla {

// Per node (by index): true when the node lies on a path from one of
// `trainable` (Variable nodes) to `loss` along differentiable inputs.
// InvalidArgument, naming the nodes, when the loss is not a scalar, when no
// trainable Variable reaches it, or when a compute node on the path has no
// gradient kernel (every such node is listed).
[[nodiscard]] absl::StatusOr<std::vector<bool>> GradientPath(
    const Graph& graph, int loss, absl::Span<const int> trainable);

}  // namespace nabla

#endif  // NABLA_CORE_GRADIENT_PATH_H_
