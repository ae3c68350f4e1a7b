// What `train_graph --gradcheck` does: checks the gradient kernel of every
// op node in a model against finite differences, at the shapes the model
// runs with and at the values it computes from a batch of its own data.
#ifndef NABLA_CORE_RUN_MODEL_GRADCHECK_H_
#define NABLA_CORE_RUN_MODEL_GRADCHECK_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/gradient_check.h"
#include "core/session.h"

namespace nabla {

struct NodeGradientReport {
  std::string node;
  std::string op;
  // "built in" or the plugin that registered the op.
  std::string origin;
  // One entry per differentiable input.
  std::vector<InputGradientError> inputs;
  // Why the node was not checked ("the op has no gradient"); empty when it
  // was.
  std::string skipped;
};

// Computes each compute node's inputs by running the model forward on
// `feeds`, converts them to float64 and measures the node's gradient.
// Errors are for a model that cannot run on `feeds`.
[[nodiscard]] absl::StatusOr<std::vector<NodeGradientReport>> GradcheckModel(
    Session& session, absl::Span<const Feed> feeds,
    const GradientCheckOptions& options);

// A table: one row per node and input with the elements checked, the
// maximum absolute and relative errors and "ok" or "FAIL" (followed by the
// failures, described).
std::string FormatGradcheck(const std::vector<NodeGradientReport>& reports);

// True when every checked input is within tolerance.
bool GradcheckPassed(const std::vector<NodeGradientReport>& reports);

}  // namespace nabla

#endif  // NABLA_CORE_RUN_MODEL_GRADCHECK_H_
