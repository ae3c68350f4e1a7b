// What a public nabla::Model holds, private to core/api: the parsed model,
// its session, its data and the replicas that serve concurrent
// predictions. Split out so that training (model.cc) and inference
// (model_inference.cc) live in files of their own.
#ifndef NABLA_CORE_API_MODEL_STATE_H_
#define NABLA_CORE_API_MODEL_STATE_H_

#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/api/replica_pool.h"
#include "core/graph.h"
#include "core/model_data.h"
#include "core/model_parser.h"
#include "core/session.h"
#include "core/trainer.h"
#include "nabla/model.h"
#include "tools/evaluation.h"

namespace nabla {

namespace internal {

struct ModelState {
  ParsedModel parsed;
  ModelOptions options;
  std::shared_ptr<const Graph> graph;
  std::unique_ptr<Session> session;
  // Set when the model has a training section.
  std::optional<MetricTargets> targets;
  // The learning rate the session trains with now, when a run changed it.
  std::optional<double> learning_rate;
  TrainingSettings settings;
  TrainingPosition position;
  bool data_loaded = false;
  // The splits when loaded; the normaliser in any case.
  ModelData data;
  std::vector<std::string> class_names;
  // Changes whenever the variables do, so replicas know to copy them.
  uint64_t version = 1;
  std::unique_ptr<ReplicaPool> replicas;
};

}  // namespace internal

// Runs `fn`, turning an allocation failure into ResourceExhausted: a model
// or a batch can still need more memory than the machine has.
template <typename Fn>
auto ReportingOutOfMemory(Fn fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        "out of memory: the model or its data needs more memory than this "
        "machine has");
  }
}

}  // namespace nabla

#endif  // NABLA_CORE_API_MODEL_STATE_H_
