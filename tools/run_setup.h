// The steps from a parsed model file to a session that trains, and the
// checkpoint of a whole run, shared by train_graph and the embedding API so
// that both read a model file the same way.
#ifndef NABLA_TOOLS_RUN_SETUP_H_
#define NABLA_TOOLS_RUN_SETUP_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "core/model_parser.h"
#include "core/normalization.h"
#include "core/session.h"
#include "core/trainer.h"
#include "proto/checkpoint.pb.h"
#include "proto/model.pb.h"
#include "tools/evaluation.h"

namespace nabla {

// What a caller may override in the model's training section (train_graph's
// flags); unset fields keep the model's values.
struct TrainingOverrides {
  std::optional<int64_t> epochs, batch_size;
  std::optional<uint64_t> seed;
  std::optional<double> learning_rate;
};

// Samples per batch when evaluating: 1000, or the training batch when that
// is larger (evaluation only runs forward, so larger batches are cheap).
int64_t EvalBatchSize(const TrainingSettings& settings);

// The model's optimizer settings with the learning-rate override.
OptimizerConfig EffectiveOptimizer(const TrainingConfig& config,
                                   const TrainingOverrides& overrides);

// Epochs (at least 1), batch size, shuffling and data seed.
TrainingSettings SettingsFor(const TrainingConfig& config,
                             const TrainingOverrides& overrides);

// Checks training.loss, makes the update rule, calls session.SetTraining and
// finds what the metrics measure. Errors name the model file.
absl::StatusOr<MetricTargets> SetUpTraining(const ParsedModel& parsed,
                                            const OptimizerConfig& optimizer,
                                            Session& session);

// A checkpoint of everything a run needs to resume exactly: variables,
// slots, step, normalisation statistics and the data position and seed.
Checkpoint CaptureRun(const Session& session, const Normalizer& normalizer,
                      const TrainingPosition& position, uint64_t data_seed);

// What a checkpoint restores beyond the session's state.
struct RestoredRun {
  TrainingPosition position;
  // The data order to continue with; unset when the checkpoint was taken
  // before any training (the caller's seed then applies).
  std::optional<uint64_t> data_seed;
  Normalizer normalizer;
};

// Reads `path` and restores it into `session`; errors name the path.
absl::StatusOr<RestoredRun> RestoreRun(const std::string& path,
                                       Session& session);

}  // namespace nabla

#endif  // NABLA_TOOLS_RUN_SETUP_H_
