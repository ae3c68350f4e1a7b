// The Communicator's default chunked collectives, for communicators that
// implement only the sums and the gather of strings.
#include "nabla/communicator.h"

#include <cstring>
#include <string>
#include <vector>

namespace nabla {
namespace {

template <typename T>
[[nodiscard]] absl::Status GatherChunksAsBytes(
    Communicator& ranks, absl::Span<T> values,
    absl::Span<const int64_t> chunks) {
  const int me = ranks.rank();
  const absl::string_view mine(
      reinterpret_cast<const char*>(values.data() + chunks[me]),
      (chunks[me + 1] - chunks[me]) * sizeof(T));
  std::vector<std::string> all;
  absl::Status status = ranks.AllGather(mine, &all);
  if (!status.ok()) return status;
  for (int r = 0; r < ranks.size(); ++r) {
    const size_t bytes = (chunks[r + 1] - chunks[r]) * sizeof(T);
    if (all[r].size() != bytes) {
      return absl::InternalError(
          "AllGatherChunks: the ranks disagree on the chunks' sizes");
    }
    if (bytes > 0) std::memcpy(values.data() + chunks[r], all[r].data(), bytes);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Communicator::Barrier() {
  float nothing = 0;
  return AllReduceSum(absl::MakeSpan(&nothing, 1));
}

void* Communicator::AllocateShared(size_t) { return nullptr; }

absl::Status Communicator::ReduceScatterSum(absl::Span<float> values,
                                            absl::Span<const int64_t>) {
  return AllReduceSum(values);
}

absl::Status Communicator::ReduceScatterSum(absl::Span<double> values,
                                            absl::Span<const int64_t>) {
  return AllReduceSum(values);
}

absl::Status Communicator::AllGatherChunks(absl::Span<float> values,
                                           absl::Span<const int64_t> chunks) {
  return GatherChunksAsBytes(*this, values, chunks);
}

absl::Status Communicator::AllGatherChunks(absl::Span<double> values,
                                           absl::Span<const int64_t> chunks) {
  return GatherChunksAsBytes(*this, values, chunks);
}

}  // namespace nabla
