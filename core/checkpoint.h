// Checkpoints: a session's variables, optimizer slots and step, saved to and
// restored from a file in protobuf binary format.
#ifndef NABLA_CORE_CHECKPOINT_H_
#define NABLA_CORE_CHECKPOINT_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/session.h"
#include "proto/checkpoint.pb.h"

namespace nabla {

inline constexpr int kCheckpointFormatVersion = 1;

// Writes every variable, the optimizer's slots and the step. The file is
// written to a temporary name, flushed to disk and renamed over `path`, so
// a crash leaves either the old checkpoint or the new one, never a torn one.
absl::Status SaveCheckpoint(const Session& session, const std::string& path);

// Reads and parses a checkpoint; errors name the path.
absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path);

// Restores variables, optimizer slots and the step. Every variable of the
// graph must be in the checkpoint with the same dtype and shape, and the
// checkpoint must hold no other variables. When the session trains with the
// optimizer that wrote the checkpoint, every slot it keeps must be there
// too; slots that it does not keep with its present settings, and slots of
// another optimizer, are not restored.
// Otherwise nothing is changed and the error lists every difference. Call
// it after Session::SetTraining(), which starts slots at zero.
absl::Status RestoreCheckpoint(const Checkpoint& checkpoint,
                               const std::string& path, Session& session);

}  // namespace nabla

#endif  // NABLA_CORE_CHECKPOINT_H_
