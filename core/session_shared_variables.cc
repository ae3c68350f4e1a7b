// One copy of the trainable variables for all ranks that share memory, and
// their gradients where every rank reads them (declared in
// core/session.h).
//
// A sharded step has each rank update its part of every variable. With
// the variables in memory every rank reads, a barrier after the update
// replaces the gather of the others' parts: each rank then reads those
// parts where their owners wrote them. With each rank's gradients in
// memory the others read (one region per rank, the same layout in each),
// each rank adds up its parts of the gradients where the backward passes
// wrote them (GradientExchange's gradient stride): no values are copied to
// be summed.
//
// Why no rank reads a value while another writes it: the variables' parts
// are written only by the update, after the step's final sum (the loss
// and votes, FinishStep), which no rank enters before its forward and
// backward passes are done (nothing else reads the variables before the
// next step's final sum but those passes, evaluations and checkpoints,
// all before the rank enters it); the next forward pass reads them after
// the barrier. A rank's gradients are written by its backward pass, which
// starts after the last step's barrier (or, when the last step failed,
// after its final sum), which no rank reaches before it has summed its
// parts; a bucket is summed after a barrier that every rank reaches only
// when its backward pass has finished that bucket; and each rank writes
// sums only in its own part, which the others do not read. Parts start at
// multiples of 16 values and the tensors at 64-byte boundaries: two ranks
// never write one cache line. (State variables, which every rank writes
// in its forward pass, are never trainable: the graph refuses them.)
#include <cstring>

#include "absl/status/status.h"
#include "core/session.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

constexpr size_t kLine = 64;

size_t RoundUpToLine(size_t bytes) {
  return (bytes + kLine - 1) / kLine * kLine;
}

}  // namespace

absl::Status Session::PlaceVariables() {
  const bool wanted = shards_update() && !sharing_refused_;
  if (wanted == variables_shared_) return absl::OkStatus();
  return wanted ? ShareVariables() : UnshareVariables();
}

absl::Status Session::ShareVariables() {
  Communicator& ranks = exchange_->communicator();
  // Every trainable variable's place in the layout, which each rank's
  // gradients follow too.
  shared_offsets_.assign(variables_.size(), 0);
  size_t bytes = 0;
  for (int v : trainable_nodes_) {
    shared_offsets_[v] = bytes;
    bytes += RoundUpToLine(variables_[v].num_bytes());
  }
  // The same sizes on every rank: all allocate, or none.
  if (shared_memory_ == nullptr || shared_bytes_ < bytes) {
    shared_memory_ = ranks.AllocateShared(bytes);
    shared_gradients_ = shared_memory_ == nullptr
                            ? nullptr
                            : ranks.AllocateShared(ranks.size() * bytes);
    shared_bytes_ = shared_memory_ == nullptr ? 0 : bytes;
    if (shared_memory_ == nullptr) {
      sharing_refused_ = true;
      return absl::OkStatus();
    }
  }
  char* const base = static_cast<char*>(shared_memory_);
  // Rank 0's values for all, as a broadcast would.
  if (ranks.rank() == 0) {
    for (int v : trainable_nodes_) {
      std::memcpy(base + shared_offsets_[v], variables_[v].raw_data(),
                  variables_[v].num_bytes());
    }
  }
  NABLA_RETURN_IF_ERROR(ranks.Barrier());
  for (int v : trainable_nodes_) {
    const Tensor& value = variables_[v];
    variables_[v] =
        Tensor::View(value.dtype(), value.shape(), base + shared_offsets_[v]);
  }
  variables_shared_ = true;
  return absl::OkStatus();
}

ptrdiff_t Session::ShareGradients(Plan& plan) {
  if (!variables_shared_ || shared_gradients_ == nullptr) return 0;
  char* const mine = static_cast<char*>(shared_gradients_) +
                     exchange_->communicator().rank() * shared_bytes_;
  for (int v : plan.gradient_order()) {
    plan.MoveVariableGradient(v, mine + shared_offsets_[v]);
  }
  return static_cast<ptrdiff_t>(shared_bytes_);
}

absl::Status Session::UnshareVariables() {
  if (!variables_shared_) return absl::OkStatus();
  for (int v : trainable_nodes_) {
    if (IsShared(v)) variables_[v] = Tensor(variables_[v]);  // its own copy
  }
  for (CachedPlan& cached : plans_) {
    for (int v : trainable_nodes_)
      cached.plan->MoveVariableGradient(v, nullptr);
  }
  variables_shared_ = false;
  // The shared copy is written again (ShareVariables) only after every
  // rank has its own.
  return exchange_->communicator().Barrier();
}

bool Session::IsShared(int node) const {
  if (!variables_shared_) return false;
  const char* data = static_cast<const char*>(variables_[node].raw_data());
  const char* begin = static_cast<const char*>(shared_memory_);
  return data >= begin && data < begin + shared_bytes_;
}

}  // namespace nabla
