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
  const bool wanted = shards_update() && !shared_.refused;
  if (wanted == shared_.in_use) return absl::OkStatus();
  return wanted ? ShareVariables() : UnshareVariables();
}

absl::Status Session::ShareVariables() {
  Communicator& ranks = exchange_->communicator();
  if (shared_.values == nullptr) {
    // Every trainable variable's place, which each rank's gradients
    // follow too. The same sizes on every rank: all allocate, or none.
    shared_.offsets.assign(variables_.size(), 0);
    size_t bytes = 0;
    for (int v : trainable_nodes_) {
      shared_.offsets[v] = bytes;
      bytes += RoundUpToLine(variables_[v].num_bytes());
    }
    shared_.values = ranks.AllocateShared(bytes);
    if (shared_.values == nullptr) {
      shared_.refused = true;
      return absl::OkStatus();
    }
    shared_.gradients = ranks.AllocateShared(ranks.size() * bytes);
    shared_.bytes = bytes;
  }
  char* const base = static_cast<char*>(shared_.values);
  // Rank 0's values for all, as a broadcast would.
  if (ranks.rank() == 0) {
    for (int v : trainable_nodes_) {
      std::memcpy(base + shared_.offsets[v], variables_[v].raw_data(),
                  variables_[v].num_bytes());
    }
  }
  NABLA_RETURN_IF_ERROR(ranks.Barrier());
  for (int v : trainable_nodes_) {
    const Tensor& value = variables_[v];
    variables_[v] =
        Tensor::View(value.dtype(), value.shape(), base + shared_.offsets[v]);
  }
  shared_.in_use = true;
  return absl::OkStatus();
}

ptrdiff_t Session::ShareGradients(Plan& plan) {
  if (!shared_.in_use || shared_.gradients == nullptr) return 0;
  char* const mine = static_cast<char*>(shared_.gradients) +
                     exchange_->communicator().rank() * shared_.bytes;
  for (int v : plan.gradient_order()) {
    plan.MoveVariableGradient(v, mine + shared_.offsets[v]);
  }
  return static_cast<ptrdiff_t>(shared_.bytes);
}

absl::Status Session::UnshareVariables() {
  if (!shared_.in_use) return absl::OkStatus();
  for (int v : trainable_nodes_) {
    variables_[v] = Tensor(variables_[v]);  // its own copy
    for (CachedPlan& cached : plans_) {
      cached.plan->MoveVariableGradient(v, nullptr);
    }
  }
  shared_.in_use = false;
  // The shared copy is written again (ShareVariables) only after every
  // rank has its own.
  return exchange_->communicator().Barrier();
}

bool Session::IsShared(int node) const {
  if (!shared_.in_use) return false;
  const char* data = static_cast<const char*>(variables_[node].raw_data());
  const char* begin = static_cast<const char*>(shared_.values);
  return data >= begin && data < begin + shared_.bytes;
}

}  // namespace nabla
