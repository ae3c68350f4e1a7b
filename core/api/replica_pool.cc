#include "core/api/replica_pool.h"

#include <utility>

#include "core/status_macros.h"

namespace nabla {

ReplicaPool::ReplicaPool(std::shared_ptr<const Graph> graph,
                         SessionOptions options)
    : graph_(std::move(graph)), options_(options) {}

absl::StatusOr<ReplicaPool::Replica> ReplicaPool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      Replica replica = std::move(idle_.back());
      idle_.pop_back();
      return replica;
    }
  }
  Replica replica;
  NABLA_ASSIGN_OR_RETURN(replica.session, Session::Create(graph_, options_));
  // Version numbers start at 1, so a new replica always copies.
  replica.version = 0;
  return replica;
}

void ReplicaPool::Release(Replica replica) {
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(std::move(replica));
}

absl::StatusOr<std::vector<Tensor>> ReplicaPool::Run(
    const Session& source, uint64_t version, absl::Span<const Feed> feeds,
    absl::Span<const std::string> fetches) {
  NABLA_ASSIGN_OR_RETURN(Replica replica, Acquire());
  absl::Status copied;
  if (replica.version != version) {
    for (int node : source.variable_nodes()) {
      copied.Update(replica.session->SetVariable(node, source.variable(node)));
    }
    replica.version = version;
  }
  absl::StatusOr<std::vector<Tensor>> result =
      copied.ok() ? replica.session->Run(feeds, fetches)
                  : absl::StatusOr<std::vector<Tensor>>(copied);
  if (copied.ok()) Release(std::move(replica));
  return result;
}

}  // namespace nabla
