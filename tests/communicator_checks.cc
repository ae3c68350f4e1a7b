#include "tests/communicator_checks.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/communicator.h"

namespace nabla {
namespace {

// Rank r holds r * 1000 + i at i: every sum is an integer that float
// represents exactly, whatever the order of additions.
template <typename T>
void CheckExactSums(Communicator& c, std::vector<std::string>& failures) {
  const int n = c.size();
  // The last length (1100006 floats, 550004 doubles) passes the 4 MiB that
  // the shared-memory sums take at once (core/mpi/shared_memory_collectives.h).
  for (int64_t length : {0, 1, 2, 3, 5, 7, 64, 1000, 4099,
                         4400012 / static_cast<int>(sizeof(T)) + 3}) {
    std::vector<T> values(length);
    for (int64_t i = 0; i < length; ++i) values[i] = T(c.rank() * 1000 + i);
    absl::Status status = c.AllReduceSum(absl::MakeSpan(values));
    if (!status.ok()) {
      failures.push_back(std::string(status.message()));
      continue;
    }
    for (int64_t i = 0; i < length; ++i) {
      const T expected = T(1000 * n * (n - 1) / 2 + n * i);
      if (values[i] != expected) {
        failures.push_back(absl::StrCat("sum of ", length, " (", sizeof(T),
                                        "-byte) at ", i, ": ", values[i],
                                        ", not ", expected));
        break;
      }
    }
  }
}

// Chunk tables of `length` values for `ranks`: even; all in the last
// rank's chunk (the others empty); growing quadratically (uneven, and
// across the 4 MiB slices of the shared-memory collectives for the largest
// length).
std::vector<std::vector<int64_t>> ChunkTables(int64_t length, int ranks) {
  std::vector<std::vector<int64_t>> tables(3, std::vector<int64_t>(ranks + 1));
  for (int r = 0; r <= ranks; ++r) {
    tables[0][r] = length * r / ranks;
    tables[1][r] = r == ranks ? length : 0;
    tables[2][r] = length * r * r / (ranks * ranks);
  }
  return tables;
}

// ReduceScatterSum leaves each rank the exact sums of its chunk;
// AllGatherChunks gives every rank each owner's values of its chunk.
template <typename T>
void CheckChunkedCollectives(Communicator& c,
                             std::vector<std::string>& failures) {
  const int n = c.size(), me = c.rank();
  for (int64_t length :
       {0, 1, 5, 1000, 4400012 / static_cast<int>(sizeof(T)) + 3}) {
    for (const std::vector<int64_t>& chunks : ChunkTables(length, n)) {
      const std::string what =
          absl::StrCat(length, " ", sizeof(T), "-byte values in chunks ",
                       absl::StrJoin(chunks, ","));
      std::vector<T> values(length);
      for (int64_t i = 0; i < length; ++i) values[i] = T(me * 1000 + i);
      if (!c.ReduceScatterSum(absl::MakeSpan(values), chunks).ok()) {
        failures.push_back("ReduceScatterSum of " + what + " failed");
        continue;
      }
      for (int64_t i = chunks[me]; i < chunks[me + 1]; ++i) {
        const T expected = T(1000 * n * (n - 1) / 2 + n * i);
        if (values[i] != expected) {
          failures.push_back(absl::StrCat("ReduceScatterSum of ", what, " at ",
                                          i, ": ", values[i], ", not ",
                                          expected));
          break;
        }
      }
      // Each rank's own chunk holds its mark; the rest is -1 until gathered.
      for (int64_t i = 0; i < length; ++i) {
        const bool own = i >= chunks[me] && i < chunks[me + 1];
        values[i] = own ? T(me * 1000 + i) : T(-1);
      }
      if (!c.AllGatherChunks(absl::MakeSpan(values), chunks).ok()) {
        failures.push_back("AllGatherChunks of " + what + " failed");
        continue;
      }
      for (int r = 0; r < n; ++r) {
        for (int64_t i = chunks[r]; i < chunks[r + 1]; ++i) {
          if (values[i] != T(r * 1000 + i)) {
            failures.push_back(absl::StrCat("AllGatherChunks of ", what,
                                            ": rank ", r, "'s value ", i,
                                            " is ", values[i]));
            r = n;
            break;
          }
        }
      }
    }
  }
}

// Values whose sum rounds: every rank must still get the same bits.
void CheckSameBits(Communicator& c, std::vector<std::string>& failures) {
  std::vector<double> values(777);
  uint64_t state = 1234567 + c.rank();
  for (double& v : values) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    v = static_cast<double>(state >> 11) * 1e-10 - 3.3e5;
  }
  if (!c.AllReduceSum(absl::MakeSpan(values)).ok()) {
    failures.push_back("the rounding sum failed");
    return;
  }
  std::string bytes(reinterpret_cast<const char*>(values.data()),
                    values.size() * sizeof(double));
  std::vector<std::string> all;
  if (!c.AllGather(bytes, &all).ok()) {
    failures.push_back("gathering the sums failed");
    return;
  }
  for (size_t r = 0; r < all.size(); ++r) {
    if (all[r] != all[0]) {
      failures.push_back(
          absl::StrCat("rank ", r, "'s sums differ from rank 0's"));
    }
  }
}

void CheckGatherAndAny(Communicator& c, std::vector<std::string>& failures) {
  // Rank r sends r copies of its digit: rank 0 an empty string.
  std::vector<std::string> all;
  if (!c.AllGather(std::string(c.rank(), '0' + c.rank() % 10), &all).ok() ||
      static_cast<int>(all.size()) != c.size()) {
    failures.push_back("AllGather failed");
    return;
  }
  for (int r = 0; r < c.size(); ++r) {
    if (all[r] != std::string(r, '0' + r % 10)) {
      failures.push_back(
          absl::StrCat("AllGather: rank ", r, " sent '", all[r], "'"));
    }
  }
  bool any = true;
  if (!AnyRank(c, false, &any).ok() || any) {
    failures.push_back("AnyRank: nobody said true");
  }
  if (!AnyRank(c, c.rank() == c.size() - 1, &any).ok() || !any) {
    failures.push_back("AnyRank: the last rank said true");
  }
}

// AllocateShared: memory on every rank, or null on every rank when the
// ranks cannot share it; what each rank writes in its part, every rank
// reads after a Barrier; two allocations do not overlap.
void CheckSharedMemory(Communicator& c, bool shares_memory,
                       std::vector<std::string>& failures) {
  constexpr int64_t kPart = 1000;
  const int n = c.size(), me = c.rank();
  auto* first = static_cast<int64_t*>(c.AllocateShared(n * kPart * 8));
  auto* second = static_cast<int64_t*>(c.AllocateShared(n * 8));
  double have[2] = {first != nullptr ? 1.0 : 0.0,
                    second != nullptr ? 1.0 : 0.0};
  if (!c.AllReduceSum(absl::MakeSpan(have, 2)).ok()) {
    failures.push_back("AllReduceSum after AllocateShared failed");
    return;
  }
  if (have[0] != have[1] || have[0] != (shares_memory ? n : 0)) {
    failures.push_back(absl::StrCat("AllocateShared: memory on ", have[0],
                                    " and ", have[1], " of ", n, " ranks"));
    return;
  }
  if (first == nullptr) return;
  if (reinterpret_cast<uintptr_t>(first) % 64 != 0 ||
      reinterpret_cast<uintptr_t>(second) % 64 != 0) {
    failures.push_back("AllocateShared: not on a 64-byte boundary");
  }
  for (int64_t i = 0; i < kPart; ++i) first[me * kPart + i] = me * kPart + i;
  second[me] = -1 - me;
  if (!c.Barrier().ok()) failures.push_back("Barrier failed");
  for (int r = 0; r < n; ++r) {
    bool right = second[r] == -1 - r;
    for (int64_t i = 0; i < kPart; ++i) {
      right = right && first[r * kPart + i] == r * kPart + i;
    }
    if (!right) {
      failures.push_back(absl::StrCat("AllocateShared: rank ", r,
                                      "'s part reads otherwise on rank ", me));
    }
  }
  // Nobody leaves while another still reads.
  if (!c.Barrier().ok()) failures.push_back("Barrier failed");
}

// Forwards what every communicator must have to `inner`.
class MinimalCommunicator : public Communicator {
 public:
  explicit MinimalCommunicator(std::unique_ptr<Communicator> inner)
      : inner_(std::move(inner)) {}
  int rank() const override { return inner_->rank(); }
  int size() const override { return inner_->size(); }
  [[nodiscard]] absl::Status AllReduceSum(absl::Span<float> values) override {
    return inner_->AllReduceSum(values);
  }
  [[nodiscard]] absl::Status AllReduceSum(absl::Span<double> values) override {
    return inner_->AllReduceSum(values);
  }
  [[nodiscard]] absl::Status AllGather(absl::string_view mine,
                                       std::vector<std::string>* all) override {
    return inner_->AllGather(mine, all);
  }

 private:
  std::unique_ptr<Communicator> inner_;
};

}  // namespace

std::vector<std::unique_ptr<Communicator>> MakeMinimalCommunicators(int size) {
  std::vector<std::unique_ptr<Communicator>> ranks;
  for (std::unique_ptr<Communicator>& inner : MakeLocalCommunicators(size)) {
    ranks.push_back(std::make_unique<MinimalCommunicator>(std::move(inner)));
  }
  return ranks;
}

std::vector<std::string> CheckCollectives(Communicator& communicator,
                                          bool shares_memory) {
  std::vector<std::string> failures;
  CheckExactSums<float>(communicator, failures);
  CheckExactSums<double>(communicator, failures);
  CheckChunkedCollectives<float>(communicator, failures);
  CheckChunkedCollectives<double>(communicator, failures);
  CheckSameBits(communicator, failures);
  CheckGatherAndAny(communicator, failures);
  CheckSharedMemory(communicator, shares_memory, failures);
  return failures;
}

}  // namespace nabla
