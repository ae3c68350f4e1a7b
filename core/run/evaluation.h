// What a model is measured by, and measuring it on a data set: the loss,
// and accuracy (with a confusion matrix) or MSE and MAE.
#ifndef NABLA_CORE_RUN_EVALUATION_H_
#define NABLA_CORE_RUN_EVALUATION_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "core/communicator.h"
#include "core/dataset.h"
#include "core/graph.h"
#include "core/run/metrics.h"
#include "core/session.h"

namespace nabla {

// The loss node and the loss op whose inputs (predictions and targets) the
// metrics compare. When the objective sums several losses, the first loss
// op upstream of it is measured.
struct MetricTargets {
  int loss = -1;
  Endpoint predictions;
  Endpoint targets;
  MetricKind kind = MetricKind::kRegression;
  double binary_threshold = 0.5;
  // Classification metrics reported besides accuracy.
  std::vector<MetricRequest> extra;
  // False when no loss op is upstream of the loss node: only the loss is
  // reported.
  bool has_metrics = false;
};

[[nodiscard]] absl::StatusOr<MetricTargets> FindMetricTargets(
    const Graph& graph, int loss_node);

struct Evaluation {
  // Mean over samples.
  double loss = 0;
  int64_t samples = 0;
  std::unique_ptr<EpochMetrics> metrics;  // null without metrics
};

// Data-parallel: makes every rank's `metrics` the sum of all ranks', added
// in rank order (so every rank holds the same figures).
[[nodiscard]] absl::Status CombineOverRanks(Communicator& communicator,
                                            EpochMetrics& metrics);

// Runs the model forward over `data` in batches of `batch_size` (0: all at
// once) and averages the loss over samples. Data-parallel (a session with
// a communicator), each rank runs a contiguous share of the rows and every
// rank returns the figures of the whole.
[[nodiscard]] absl::StatusOr<Evaluation> Evaluate(Session& session,
                                                  const Dataset& data,
                                                  const MetricTargets& targets,
                                                  int64_t batch_size);

}  // namespace nabla

#endif  // NABLA_CORE_RUN_EVALUATION_H_
