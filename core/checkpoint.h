// Checkpoints: a session's variables, optimizer slots and step, saved to and
// restored from a file in protobuf binary format.
#ifndef NABLA_CORE_CHECKPOINT_H_
#define NABLA_CORE_CHECKPOINT_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/session.h"
#include "proto/checkpoint.pb.h"

namespace nabla {

inline constexpr int kCheckpointFormatVersion = 2;

// Every variable, the optimizer's slots and the step. A training run adds
// its normalisation statistics and position before writing it.
// Data-parallel, after Session::GatherShardedSlots() (SaveCheckpoint()
// refuses a session whose slots are not whole).
Checkpoint CaptureCheckpoint(const Session& session);

// Writes `checkpoint` with a CRC-32 of its contents (see
// proto/checkpoint.proto). The file is written to a temporary name,
// flushed to disk and renamed over `path`, so a crash leaves either the old
// checkpoint or the new one, never a torn one.
[[nodiscard]] absl::Status WriteCheckpoint(const Checkpoint& checkpoint,
                                           const std::string& path);

// CaptureCheckpoint() then WriteCheckpoint().
[[nodiscard]] absl::Status SaveCheckpoint(const Session& session,
                                          const std::string& path);

// Reads a checkpoint and verifies its checksum. A file that is not a
// checkpoint, is truncated, fails its checksum or does not parse is
// DataLoss; every error names the path.
[[nodiscard]] absl::StatusOr<Checkpoint> ReadCheckpoint(
    const std::string& path);

// Restores variables, optimizer slots and the step. Every variable of the
// graph must be in the checkpoint with the same dtype and shape, and the
// checkpoint must hold no other variables. When the session trains with the
// optimizer that wrote the checkpoint, every slot it keeps must be there
// too; slots that it does not keep with its present settings, and slots of
// another optimizer, are not restored.
// Otherwise nothing is changed and the error lists every difference. Call
// it after Session::SetTraining(), which starts slots at zero.
[[nodiscard]] absl::Status RestoreCheckpoint(const Checkpoint& checkpoint,
                                             const std::string& path,
                                             Session& session);

}  // namespace nabla

#endif  // NABLA_CORE_CHECKPOINT_H_
