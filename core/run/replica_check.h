// The check data-parallel ranks make before they train together: the same
// model, plugins, data and settings on every rank, or an error naming what
// differs, instead of replicas that drift apart or wait on each other.
#ifndef NABLA_CORE_RUN_REPLICA_CHECK_H_
#define NABLA_CORE_RUN_REPLICA_CHECK_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/communicator.h"

namespace nabla {

// A part of a run that every rank must have alike: its name in messages
// ("model", the same on every rank) and its content.
struct ReplicaPart {
  std::string name;
  std::string content;
};

// Every rank sends a 64-bit digest of each part's content; every rank
// gets the same answer: OK, or InvalidArgument "data-parallel ranks
// differ: rank 1 of 2 has another <name>, ..." listing each rank and part
// that differs from rank 0. The parts must have the same names, in the
// same order, on every rank.
[[nodiscard]] absl::Status CheckReplicasAgree(
    Communicator& communicator, absl::Span<const ReplicaPart> parts);

}  // namespace nabla

#endif  // NABLA_CORE_RUN_REPLICA_CHECK_H_
