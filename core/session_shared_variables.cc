// One copy of the trainable variables for all ranks that share memory
// (declared in core/session.h). A sharded step has each rank update its
// part of every variable; with the variables in memory every rank reads,
// a barrier after the update replaces the gather of the others' parts:
// each rank then reads those parts where their owners wrote them.
//
// Why no rank reads a value while another writes it: the parts are
// written only by the update, after the step's sums, which no rank enters
// before its forward and backward passes are done (and nothing before the
// next step's sums reads the variables but this step's passes,
// evaluations and checkpoints, all before the rank enters them); the next
// forward pass reads them after the barrier. Parts start at multiples of
// 16 values and the variables at 64-byte boundaries: two ranks never
// write one cache line.
#include <algorithm>
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
  // The trainable variables, but for any that is also an op's state:
  // every rank writes those in its forward pass.
  std::vector<int> shared;
  size_t bytes = 0;
  for (int v : trainable_nodes_) {
    if (std::find(exchanged_states_.begin(), exchanged_states_.end(),
                  &variables_[v]) != exchanged_states_.end()) {
      continue;
    }
    shared.push_back(v);
    bytes += RoundUpToLine(variables_[v].num_bytes());
  }
  // The same sizes on every rank: all allocate, or none.
  if (shared_memory_ == nullptr || shared_bytes_ < bytes) {
    shared_memory_ = ranks.AllocateShared(bytes);
    shared_bytes_ = shared_memory_ == nullptr ? 0 : bytes;
    if (shared_memory_ == nullptr) {
      sharing_refused_ = true;
      return absl::OkStatus();
    }
  }
  // Rank 0's values for all, as a broadcast would.
  char* next = static_cast<char*>(shared_memory_);
  if (ranks.rank() == 0) {
    for (int v : shared) {
      std::memcpy(next, variables_[v].raw_data(), variables_[v].num_bytes());
      next += RoundUpToLine(variables_[v].num_bytes());
    }
  }
  NABLA_RETURN_IF_ERROR(ranks.Barrier());
  next = static_cast<char*>(shared_memory_);
  for (int v : shared) {
    const Tensor& value = variables_[v];
    const size_t size = value.num_bytes();
    variables_[v] = Tensor::View(value.dtype(), value.shape(), next);
    next += RoundUpToLine(size);
  }
  variables_shared_ = true;
  return absl::OkStatus();
}

absl::Status Session::UnshareVariables() {
  if (!variables_shared_) return absl::OkStatus();
  for (int v : trainable_nodes_) {
    if (IsShared(v)) variables_[v] = Tensor(variables_[v]);  // its own copy
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
