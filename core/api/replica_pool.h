// Sessions for inference calls that run at the same time. A Session runs
// one call at a time (its plans own their buffers), so each concurrent
// call borrows a replica: a Session of the same graph with a copy of the
// trained variables, made on first need and then reused. Replicas compute
// exactly what the trained session would: same graph, same variables, and
// kernels whose results do not depend on threads.
#ifndef NABLA_CORE_API_REPLICA_POOL_H_
#define NABLA_CORE_API_REPLICA_POOL_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/graph.h"
#include "core/session.h"
#include "core/tensor.h"

namespace nabla {

class ReplicaPool {
 public:
  // Replicas are sessions made with `options` (threads, memory limit).
  ReplicaPool(std::shared_ptr<const Graph> graph, SessionOptions options);

  // Session::Run on an idle replica whose variables are those of `source`
  // as of `version` (a number the owner changes whenever the variables
  // do). Thread-safe; REQUIRES: `source` does not change during the call.
  [[nodiscard]] absl::StatusOr<std::vector<Tensor>> Run(
      const Session& source, uint64_t version, absl::Span<const Feed> feeds,
      absl::Span<const std::string> fetches);

 private:
  struct Replica {
    std::unique_ptr<Session> session;
    uint64_t version = 0;
  };

  // An idle replica, or a new one; its variables are not refreshed yet.
  [[nodiscard]] absl::StatusOr<Replica> Acquire();
  void Release(Replica replica);

  std::shared_ptr<const Graph> graph_;
  SessionOptions options_;
  // A std::mutex, not an absl::Mutex: ThreadSanitizer sees pthread locks,
  // but not those of Debian's uninstrumented Abseil.
  std::mutex mutex_;
  std::vector<Replica> idle_;  // guarded by mutex_
};

}  // namespace nabla

#endif  // NABLA_CORE_API_REPLICA_POOL_H_
