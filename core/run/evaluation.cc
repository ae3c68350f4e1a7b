#include "core/run/evaluation.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"

namespace nabla {

[[nodiscard]] absl::StatusOr<MetricTargets> FindMetricTargets(
    const Graph& graph, int loss_node) {
  MetricTargets targets;
  targets.loss = loss_node;
  // Breadth-first up the graph from the loss node to the first loss op.
  std::vector<int> queue = {loss_node};
  std::vector<bool> queued(graph.num_nodes(), false);
  queued[loss_node] = true;
  for (size_t i = 0; i < queue.size(); ++i) {
    const Node& node = graph.node(queue[i]);
    if (node.op->category() == OpCategory::kLoss && node.inputs.size() >= 2) {
      targets.predictions = node.inputs[0];
      targets.targets = node.inputs[1];
      targets.kind = MetricKindForLoss(node.op->name());
      targets.binary_threshold = BinaryThresholdForLoss(node.op->name());
      targets.has_metrics = true;
      break;
    }
    for (const Endpoint& input : node.inputs) {
      if (!queued[input.node]) {
        queued[input.node] = true;
        queue.push_back(input.node);
      }
    }
  }
  return targets;
}

[[nodiscard]] absl::Status CombineOverRanks(Communicator& communicator,
                                            EpochMetrics& metrics) {
  std::vector<std::string> all;
  NABLA_RETURN_IF_ERROR(communicator.AllGather(metrics.Encode(), &all));
  metrics.Reset();
  for (const std::string& theirs : all) {
    NABLA_RETURN_IF_ERROR(metrics.AddEncoded(theirs));
  }
  return absl::OkStatus();
}

[[nodiscard]] absl::StatusOr<Evaluation> Evaluate(Session& session,
                                                  const Dataset& data,
                                                  const MetricTargets& targets,
                                                  int64_t batch_size) {
  const Graph& graph = session.graph();
  auto endpoint_name = [&](const Endpoint& e) {
    return absl::StrCat(graph.node(e.node).name, ":", e.output);
  };
  std::vector<std::string> fetches = {graph.node(targets.loss).name};
  if (targets.has_metrics) {
    fetches.push_back(endpoint_name(targets.predictions));
    fetches.push_back(endpoint_name(targets.targets));
  }
  Evaluation evaluation;
  if (targets.has_metrics) {
    evaluation.metrics = std::make_unique<EpochMetrics>(
        targets.kind, targets.binary_threshold, targets.extra);
  }
  const int64_t n = data.num_samples();
  const int64_t size = batch_size <= 0 ? n : std::min(batch_size, n);
  // Data-parallel, each rank measures a contiguous share of the rows.
  Communicator* communicator = session.communicator();
  int64_t first = 0, end = n;
  if (communicator != nullptr) {
    first = n * communicator->rank() / communicator->size();
    end = n * (communicator->rank() + 1) / communicator->size();
  }
  std::vector<int64_t> rows;
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  double loss_sum = 0;
  for (int64_t begin = first; begin < end; begin += size) {
    rows.resize(std::min(size, end - begin));
    std::iota(rows.begin(), rows.end(), begin);
    data.FillBatch(rows, &batch, &feeds);
    auto run = session.Run(feeds, fetches);
    if (!run.ok()) return data.WithSampleOrigin(run.status(), rows);
    const std::vector<Tensor>& values = *run;
    loss_sum += values[0].ValueAt(0) * static_cast<double>(rows.size());
    if (evaluation.metrics != nullptr) {
      NABLA_RETURN_IF_ERROR(evaluation.metrics->Add(values[1], values[2]));
    }
    evaluation.samples += static_cast<int64_t>(rows.size());
  }
  if (communicator != nullptr) {
    double sums[] = {loss_sum, static_cast<double>(evaluation.samples)};
    NABLA_RETURN_IF_ERROR(communicator->AllReduceSum(absl::MakeSpan(sums)));
    loss_sum = sums[0];
    evaluation.samples = static_cast<int64_t>(sums[1]);
    if (evaluation.metrics != nullptr) {
      NABLA_RETURN_IF_ERROR(
          CombineOverRanks(*communicator, *evaluation.metrics));
    }
  }
  evaluation.loss = n == 0 ? 0 : loss_sum / static_cast<double>(n);
  return evaluation;
}

}  // namespace nabla
