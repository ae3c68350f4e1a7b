// Checkpoints of a whole run: what core/checkpoint.h saves of a session
// (variables, optimizer slots, step), with what a run adds to resume
// exactly: the normalisation statistics and the data position and seed.
#ifndef NABLA_CORE_RUN_RUN_CHECKPOINT_H_
#define NABLA_CORE_RUN_RUN_CHECKPOINT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "core/normalization.h"
#include "core/run/best_epoch.h"
#include "core/session.h"
#include "core/trainer.h"
#include "proto/checkpoint.pb.h"

namespace nabla {

Checkpoint CaptureRun(const Session& session, const Normalizer& normalizer,
                      const TrainingPosition& position, uint64_t data_seed,
                      const BestEpoch& best);

// What a checkpoint restores beyond the session's state.
struct RestoredRun {
  TrainingPosition position;
  // The data order to continue with; unset when the checkpoint was taken
  // before any training (the caller's seed then applies).
  std::optional<uint64_t> data_seed;
  Normalizer normalizer;
  BestEpoch best;
  // The variables and optimizer slots, for RestoreCheckpoint().
  Checkpoint checkpoint;
};

// Reads and checks `path`; nothing changes. Errors name the path.
[[nodiscard]] absl::StatusOr<RestoredRun> ReadRun(const std::string& path);

// ReadRun(), then its variables and slots into `session`; everything is
// checked before the session changes. Errors name the path.
[[nodiscard]] absl::StatusOr<RestoredRun> RestoreRun(const std::string& path,
                                                     Session& session);

}  // namespace nabla

#endif  // NABLA_CORE_RUN_RUN_CHECKPOINT_H_
