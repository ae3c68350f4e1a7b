#include "core/mpi/shared_memory_collectives.h"

#include <sched.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstdint>
#include <new>
#include <utility>

#include "core/mpi/chunks.h"
#include "core/rank_order_sum.h"

namespace nabla {
namespace {

// Up to this size every rank adds every value itself: one barrier, not two.
constexpr size_t kSmallSumBytes = 4 << 10;

// Pauses of a waiting rank before it starts yielding its core: about as
// long as a barrier between two ranks that run at once takes.
constexpr int kSpinsBeforeYield = 2000;

// MPI aligns a segment only to 8 bytes (Open MPI here); the counters and
// buffers start at the next cache line, which is the same place in every
// process's mapping (mappings start on pages).
constexpr size_t kLine = 64;
char* NextLine(void* p) {
  const uintptr_t address = reinterpret_cast<uintptr_t>(p);
  return static_cast<char*>(p) + (kLine - address % kLine) % kLine;
}

}  // namespace

std::unique_ptr<SharedMemoryCollectives> SharedMemoryCollectives::Make(
    MPI_Comm shared) {
  MPI_Comm node;
  MPI_Comm_dup(shared, &node);
  int rank = 0, size = 0;
  MPI_Comm_rank(node, &rank);
  MPI_Comm_size(node, &size);
  // A window MPI cannot make is not fatal: the messages remain.
  MPI_Comm_set_errhandler(node, MPI_ERRORS_RETURN);
  MPI_Info info;
  MPI_Info_create(&info);
  // Each rank's segment on its own pages (near its core on NUMA machines).
  MPI_Info_set(info, "alloc_shared_noncontig", "true");
  char* mine = nullptr;
  MPI_Win window = MPI_WIN_NULL;
  const int made = MPI_Win_allocate_shared(
      static_cast<MPI_Aint>(kLine + sizeof(Header) + 2 * kBufferBytes), 1, info,
      node, &mine, &window);
  MPI_Info_free(&info);
  int everywhere = made == MPI_SUCCESS ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &everywhere, 1, MPI_INT, MPI_LAND, node);
  if (!everywhere) {
    if (made == MPI_SUCCESS) MPI_Win_free(&window);
    MPI_Comm_free(&node);
    return nullptr;
  }
  new (NextLine(mine)) Header{};
  std::vector<char*> segments(size);
  for (int r = 0; r < size; ++r) {
    MPI_Aint bytes = 0;
    int unit = 0;
    void* base = nullptr;
    MPI_Win_shared_query(window, r, &bytes, &unit, &base);
    segments[r] = NextLine(base);
  }
  // Plain loads and stores from here on; the counters order them.
  MPI_Win_lock_all(MPI_MODE_NOCHECK, window);
  // Every counter is zero before any rank waits on one.
  MPI_Barrier(node);
  return std::unique_ptr<SharedMemoryCollectives>(
      new SharedMemoryCollectives(node, window, rank, std::move(segments)));
}

SharedMemoryCollectives::SharedMemoryCollectives(MPI_Comm node, MPI_Win window,
                                                 int rank,
                                                 std::vector<char*> segments)
    : node_(node),
      window_(window),
      rank_(rank),
      segments_(std::move(segments)) {}

SharedMemoryCollectives::~SharedMemoryCollectives() {
  for (MPI_Win& allocated : allocated_) {
    MPI_Win_unlock_all(allocated);
    MPI_Win_free(&allocated);
  }
  MPI_Win_unlock_all(window_);
  MPI_Win_free(&window_);
  MPI_Comm_free(&node_);
}

void* SharedMemoryCollectives::AllocateShared(size_t bytes) {
  // All of it in rank 0's segment, one piece at the same place for all.
  char* mine = nullptr;
  MPI_Win window = MPI_WIN_NULL;
  const MPI_Aint size = rank_ == 0 ? static_cast<MPI_Aint>(kLine + bytes) : 0;
  const int made =
      MPI_Win_allocate_shared(size, 1, MPI_INFO_NULL, node_, &mine, &window);
  int everywhere = made == MPI_SUCCESS ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &everywhere, 1, MPI_INT, MPI_LAND, node_);
  if (!everywhere) {
    if (made == MPI_SUCCESS) MPI_Win_free(&window);
    return nullptr;
  }
  // Plain loads and stores, as in the collectives' window; the barriers
  // order them.
  MPI_Win_lock_all(MPI_MODE_NOCHECK, window);
  allocated_.push_back(window);
  MPI_Aint bytes_there = 0;
  int unit = 0;
  void* base = nullptr;
  MPI_Win_shared_query(window, 0, &bytes_there, &unit, &base);
  return NextLine(base);
}

void SharedMemoryCollectives::Barrier() {
  ++barriers_;
  header(rank_).arrived.store(barriers_, std::memory_order_release);
  for (int r = 0; r < size(); ++r) {
    const std::atomic<uint64_t>& arrived = header(r).arrived;
    for (int spins = 0; arrived.load(std::memory_order_acquire) < barriers_;
         ++spins) {
      if (spins < kSpinsBeforeYield) {
#if defined(__x86_64__)
        _mm_pause();  // lets the other hyperthread run while spinning
#endif
      } else {
        sched_yield();
      }
    }
  }
}

template <typename T>
void SharedMemoryCollectives::AllReduceSum(absl::Span<T> values) {
  EvenChunks(static_cast<int64_t>(values.size()), size(), &chunks_);
  InSlices(values, chunks_, /*sum=*/true, /*gather=*/true);
}

template <typename T>
void SharedMemoryCollectives::ReduceScatterSum(
    absl::Span<T> values, absl::Span<const int64_t> chunks) {
  InSlices(values, chunks, /*sum=*/true, /*gather=*/false);
}

template <typename T>
void SharedMemoryCollectives::AllGatherChunks(
    absl::Span<T> values, absl::Span<const int64_t> chunks) {
  InSlices(values, chunks, /*sum=*/false, /*gather=*/true);
}

template <typename T>
void SharedMemoryCollectives::InSlices(absl::Span<T> values,
                                       absl::Span<const int64_t> chunks,
                                       bool sum, bool gather) {
  ForEachSlice(values, chunks, kBufferBytes / sizeof(T), slice_chunks_,
               [&](absl::Span<T> slice, absl::Span<const int64_t> cut) {
                 Slice(slice, cut, sum, gather);
               });
}

template <typename T>
void SharedMemoryCollectives::Slice(absl::Span<T> values,
                                    absl::Span<const int64_t> chunks, bool sum,
                                    bool gather) {
  const int64_t n = static_cast<int64_t>(values.size());
  T* mine = buffer<T>(rank_);
  // Rank r's values: this rank's own in `values`, the others' in their
  // buffers. (MpiCommunicator makes the collectives for 2 ranks or more.)
  auto term = [&](int r) -> const T* {
    return r == rank_ ? values.data() : buffer<T>(r);
  };
  // Values [begin, end) of every rank added in rank order, into `values`.
  auto add = [&](int64_t begin, int64_t end) {
    SumInRankOrder<T>(size(), begin, end, term, values.data());
  };
  const int64_t begin = chunks[rank_], end = chunks[rank_ + 1];
  if (sum) {
    // The others need only their chunks of this rank's values, except in
    // a small sum, where every rank adds every value.
    const bool small = gather && n * sizeof(T) <= kSmallSumBytes;
    if (small) {
      std::copy(values.begin(), values.end(), mine);
    } else {
      std::copy(values.begin(), values.begin() + begin, mine);
      std::copy(values.begin() + end, values.end(), mine + end);
    }
    Barrier();
    if (small) {
      add(0, n);  // no second barrier
      ++calls_;
      return;
    }
    add(begin, end);
    if (gather)
      std::copy(values.begin() + begin, values.begin() + end, mine + begin);
  } else {
    std::copy(values.begin() + begin, values.begin() + end, mine + begin);
  }
  if (gather) {
    Barrier();
    for (int owner = 0; owner < size(); ++owner) {
      if (owner == rank_) continue;
      const T* theirs = buffer<T>(owner);
      std::copy(theirs + chunks[owner], theirs + chunks[owner + 1],
                values.begin() + chunks[owner]);
    }
  }
  ++calls_;
}

template void SharedMemoryCollectives::AllReduceSum(absl::Span<float>);
template void SharedMemoryCollectives::AllReduceSum(absl::Span<double>);
template void SharedMemoryCollectives::ReduceScatterSum(
    absl::Span<float>, absl::Span<const int64_t>);
template void SharedMemoryCollectives::ReduceScatterSum(
    absl::Span<double>, absl::Span<const int64_t>);
template void SharedMemoryCollectives::AllGatherChunks(
    absl::Span<float>, absl::Span<const int64_t>);
template void SharedMemoryCollectives::AllGatherChunks(
    absl::Span<double>, absl::Span<const int64_t>);

}  // namespace nabla
