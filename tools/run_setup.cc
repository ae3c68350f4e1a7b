#include "tools/run_setup.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/checkpoint.h"
#include "core/status_macros.h"
#include "core/update_rule.h"

namespace nabla {

int64_t EvalBatchSize(const TrainingSettings& settings) {
  constexpr int64_t kEvalBatchSize = 1000;
  return std::max(kEvalBatchSize, settings.batch_size);
}

OptimizerConfig EffectiveOptimizer(const TrainingConfig& config,
                                   const TrainingOverrides& overrides) {
  OptimizerConfig optimizer = config.optimizer();
  if (overrides.learning_rate.has_value()) {
    (*optimizer.mutable_attr())["learning_rate"].set_f(
        *overrides.learning_rate);
  }
  return optimizer;
}

TrainingSettings SettingsFor(const TrainingConfig& config,
                             const TrainingOverrides& overrides) {
  TrainingSettings settings;
  settings.epochs =
      overrides.epochs.value_or(std::max<int64_t>(1, config.epochs()));
  settings.batch_size = overrides.batch_size.value_or(config.batch_size());
  settings.shuffle = config.shuffle();
  settings.seed = overrides.seed.value_or(config.seed());
  return settings;
}

absl::StatusOr<MetricTargets> SetUpTraining(const ParsedModel& parsed,
                                            const OptimizerConfig& optimizer,
                                            Session& session) {
  const TrainingConfig& config = parsed.model.training();
  NABLA_ASSIGN_OR_RETURN(UpdateRule rule, MakeUpdateRule(optimizer));
  if (config.loss().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(parsed.source.name, ": training.loss is not set"));
  }
  auto loss = session.graph().FindNode(config.loss());
  if (!loss.ok()) {
    return absl::Status(loss.status().code(),
                        absl::StrCat(parsed.source.name, ": training.loss: ",
                                     loss.status().message()));
  }
  NABLA_RETURN_IF_ERROR(session.SetTraining(config.loss(), std::move(rule)));
  return FindMetricTargets(session.graph(), *loss);
}

Checkpoint CaptureRun(const Session& session, const Normalizer& normalizer,
                      const TrainingPosition& position, uint64_t data_seed) {
  Checkpoint checkpoint = CaptureCheckpoint(session);
  normalizer.ToProto(checkpoint.mutable_normalization());
  checkpoint.mutable_position()->set_epoch(position.epoch);
  checkpoint.mutable_position()->set_next_sample(position.next_sample);
  checkpoint.mutable_position()->set_data_seed(data_seed);
  return checkpoint;
}

absl::StatusOr<RestoredRun> RestoreRun(const std::string& path,
                                       Session& session) {
  NABLA_ASSIGN_OR_RETURN(Checkpoint checkpoint, ReadCheckpoint(path));
  RestoredRun restored;
  // Everything is checked before the session changes.
  NABLA_ASSIGN_OR_RETURN(
      restored.normalizer,
      Normalizer::FromProto(checkpoint.normalization(), path));
  NABLA_RETURN_IF_ERROR(RestoreCheckpoint(checkpoint, path, session));
  restored.position = {checkpoint.position().epoch(),
                       checkpoint.position().next_sample()};
  // Once training has started, its data order continues as it was.
  if (restored.position.epoch + restored.position.next_sample > 0) {
    restored.data_seed = checkpoint.position().data_seed();
  }
  return restored;
}

}  // namespace nabla
