#include "core/run/run_checkpoint.h"

#include "core/checkpoint.h"
#include "core/status_macros.h"

namespace nabla {

Checkpoint CaptureRun(const Session& session, const Normalizer& normalizer,
                      const TrainingPosition& position, uint64_t data_seed,
                      const BestEpoch& best) {
  Checkpoint checkpoint = CaptureCheckpoint(session);
  normalizer.ToProto(checkpoint.mutable_normalization());
  checkpoint.mutable_position()->set_epoch(position.epoch);
  checkpoint.mutable_position()->set_next_sample(position.next_sample);
  checkpoint.mutable_position()->set_data_seed(data_seed);
  if (best.epoch > 0) {
    checkpoint.mutable_position()->set_best_metric(best.metric);
    checkpoint.mutable_position()->set_best_epoch(best.epoch);
    checkpoint.mutable_position()->set_best_value(best.value);
  }
  return checkpoint;
}

[[nodiscard]] absl::StatusOr<RestoredRun> ReadRun(const std::string& path) {
  RestoredRun restored;
  NABLA_ASSIGN_OR_RETURN(restored.checkpoint, ReadCheckpoint(path));
  const Checkpoint& checkpoint = restored.checkpoint;
  NABLA_ASSIGN_OR_RETURN(
      restored.normalizer,
      Normalizer::FromProto(checkpoint.normalization(), path));
  restored.position = {checkpoint.position().epoch(),
                       checkpoint.position().next_sample()};
  restored.best = {checkpoint.position().best_metric(),
                   checkpoint.position().best_epoch(),
                   checkpoint.position().best_value()};
  // Once training has started, its data order continues as it was.
  if (restored.position.epoch + restored.position.next_sample > 0) {
    restored.data_seed = checkpoint.position().data_seed();
  }
  return restored;
}

[[nodiscard]] absl::StatusOr<RestoredRun> RestoreRun(const std::string& path,
                                                     Session& session) {
  NABLA_ASSIGN_OR_RETURN(RestoredRun restored, ReadRun(path));
  NABLA_RETURN_IF_ERROR(RestoreCheckpoint(restored.checkpoint, path, session));
  return restored;
}

}  // namespace nabla
