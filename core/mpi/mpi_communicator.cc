#include "nabla/mpi_communicator.h"

#include <mpi.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/mpi/chunks.h"
#include "core/mpi/shared_memory_collectives.h"

namespace nabla {
namespace {

template <typename T>
MPI_Datatype MpiType();
template <>
MPI_Datatype MpiType<float>() {
  return MPI_FLOAT;
}
template <>
MPI_Datatype MpiType<double>() {
  return MPI_DOUBLE;
}

class MpiCommunicator : public Communicator {
 public:
  MpiCommunicator() {
    int provided = 0;
    // Only one thread at a time calls MPI (the session's step), but not
    // always the one that initialised it.
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
    serialized_ = provided >= MPI_THREAD_SERIALIZED;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    if (size_ > 1) shared_ = ShareMemoryIfOneMachine();
  }
  ~MpiCommunicator() override {
    shared_.reset();  // its window before MPI ends
    MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  bool callable_from_other_threads() const override { return serialized_; }
  bool shares_memory() const { return shared_ != nullptr; }
  int ranks_on_this_machine() const override {
    // Set by Open MPI's launcher for every process it starts.
    const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    const int count = local == nullptr ? 0 : std::atoi(local);
    return count > 0 ? count : size_;
  }

  [[nodiscard]] absl::Status AllReduceSum(absl::Span<float> values) override {
    Sum(values, float_scratch_);
    return absl::OkStatus();
  }
  [[nodiscard]] absl::Status AllReduceSum(absl::Span<double> values) override {
    Sum(values, double_scratch_);
    return absl::OkStatus();
  }
  [[nodiscard]] absl::Status ReduceScatterSum(
      absl::Span<float> values, absl::Span<const int64_t> chunks) override {
    ReduceScatter(values, chunks, float_scratch_);
    return absl::OkStatus();
  }
  [[nodiscard]] absl::Status ReduceScatterSum(
      absl::Span<double> values, absl::Span<const int64_t> chunks) override {
    ReduceScatter(values, chunks, double_scratch_);
    return absl::OkStatus();
  }
  [[nodiscard]] absl::Status AllGatherChunks(
      absl::Span<float> values, absl::Span<const int64_t> chunks) override {
    GatherChunks(values, chunks);
    return absl::OkStatus();
  }
  [[nodiscard]] absl::Status AllGatherChunks(
      absl::Span<double> values, absl::Span<const int64_t> chunks) override {
    GatherChunks(values, chunks);
    return absl::OkStatus();
  }

  [[nodiscard]] absl::Status Barrier() override {
    if (shared_ != nullptr) {
      shared_->Barrier();
    } else {
      MPI_Barrier(MPI_COMM_WORLD);
    }
    return absl::OkStatus();
  }
  void* AllocateShared(size_t bytes) override {
    return shared_ != nullptr ? shared_->AllocateShared(bytes) : nullptr;
  }

  [[nodiscard]] absl::Status AllGather(absl::string_view mine,
                                       std::vector<std::string>* all) override {
    const int64_t my_size = static_cast<int64_t>(mine.size());
    std::vector<int64_t> sizes(size_);
    MPI_Allgather(&my_size, 1, MPI_INT64_T, sizes.data(), 1, MPI_INT64_T,
                  MPI_COMM_WORLD);
    std::vector<int> counts(size_), offsets(size_);
    int total = 0;
    for (int r = 0; r < size_; ++r) {
      counts[r] = static_cast<int>(sizes[r]);
      offsets[r] = total;
      total += counts[r];
    }
    std::string gathered(total, '\0');
    MPI_Allgatherv(mine.data(), static_cast<int>(mine.size()), MPI_CHAR,
                   gathered.data(), counts.data(), offsets.data(), MPI_CHAR,
                   MPI_COMM_WORLD);
    all->clear();
    for (int r = 0; r < size_; ++r) {
      all->push_back(gathered.substr(offsets[r], counts[r]));
    }
    return absl::OkStatus();
  }

 private:
  // Sums through shared memory when every rank runs on this machine,
  // unless NABLA_MPI_SHARED_MEMORY=0 (on any rank) asks for messages.
  std::unique_ptr<SharedMemoryCollectives> ShareMemoryIfOneMachine() {
    const char* setting = std::getenv("NABLA_MPI_SHARED_MEMORY");
    int wanted = setting == nullptr || std::strcmp(setting, "0") != 0;
    MPI_Allreduce(MPI_IN_PLACE, &wanted, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_,
                        MPI_INFO_NULL, &node);
    int node_size = 0;
    MPI_Comm_size(node, &node_size);
    // Every rank sees the same sizes: they all decide alike.
    std::unique_ptr<SharedMemoryCollectives> shared;
    if (wanted && node_size == size_)
      shared = SharedMemoryCollectives::Make(node);
    MPI_Comm_free(&node);
    return shared;
  }

  // Small sums (a step's loss, states and stop votes; small buckets) are
  // bound by the latency of a message: recursive doubling takes
  // log2(size) + 2 of them where the ring takes 2 (size - 1).
  static constexpr size_t kSmallSumBytes = 16 << 10;

  // MPI counts are ints: a ring's chunk stays below 2^31 elements when a
  // sum goes in slices of at most 2^30.
  static constexpr int64_t kSliceElements = int64_t{1} << 30;

  template <typename T>
  void Sum(absl::Span<T> values, std::vector<T>& scratch) {
    if (size_ == 1) return;
    if (shared_ != nullptr) {
      shared_->AllReduceSum(values);
      return;
    }
    if (values.size() * sizeof(T) <= kSmallSumBytes) {
      RecursiveDoubling(values, scratch);
      return;
    }
    EvenChunks(static_cast<int64_t>(values.size()), size_, &chunks_);
    ForEachSlice(values, chunks_, kSliceElements, slice_chunks_,
                 [&](absl::Span<T> slice, absl::Span<const int64_t> cut) {
                   RingReduceScatter(slice, cut, scratch);
                   RingAllGather(slice, cut);
                 });
  }

  template <typename T>
  void ReduceScatter(absl::Span<T> values, absl::Span<const int64_t> chunks,
                     std::vector<T>& scratch) {
    if (size_ == 1) return;
    if (shared_ != nullptr) {
      shared_->ReduceScatterSum(values, chunks);
      return;
    }
    // A small sum whole takes fewer messages than the ring's half of one.
    if (values.size() * sizeof(T) <= kSmallSumBytes) {
      RecursiveDoubling(values, scratch);
      return;
    }
    ForEachSlice(values, chunks, kSliceElements, slice_chunks_,
                 [&](absl::Span<T> slice, absl::Span<const int64_t> cut) {
                   RingReduceScatter(slice, cut, scratch);
                 });
  }

  template <typename T>
  void GatherChunks(absl::Span<T> values, absl::Span<const int64_t> chunks) {
    if (size_ == 1) return;
    if (shared_ != nullptr) {
      shared_->AllGatherChunks(values, chunks);
      return;
    }
    ForEachSlice(values, chunks, kSliceElements, slice_chunks_,
                 [&](absl::Span<T> slice, absl::Span<const int64_t> cut) {
                   RingAllGather(slice, cut);
                 });
  }

  void Exchange(const void* send, void* receive, int count, MPI_Datatype type,
                int peer, int tag) {
    MPI_Sendrecv(send, count, type, peer, tag, receive, count, type, peer, tag,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }

  // The ranks past the largest power of two p <= size first hand their
  // values to rank - p; the first p ranks then sum with partners at
  // distance 1, 2, 4, ... (both partners add the same two partial sums,
  // and IEEE addition is commutative: they get the same bits); the result
  // goes back to the ranks past p.
  template <typename T>
  void RecursiveDoubling(absl::Span<T> values, std::vector<T>& scratch) {
    const int count = static_cast<int>(values.size());
    scratch.resize(values.size());
    int p = 1;
    while (p * 2 <= size_) p *= 2;
    // Within the 32767 tags every MPI allows; the ring uses 0 to 2 size.
    constexpr int kTag = 30000;
    if (rank_ >= p) {
      MPI_Send(values.data(), count, MpiType<T>(), rank_ - p, kTag,
               MPI_COMM_WORLD);
      MPI_Recv(values.data(), count, MpiType<T>(), rank_ - p, kTag + 1,
               MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      return;
    }
    if (rank_ + p < size_) {
      MPI_Recv(scratch.data(), count, MpiType<T>(), rank_ + p, kTag,
               MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      for (int i = 0; i < count; ++i) values[i] = values[i] + scratch[i];
    }
    for (int distance = 1, level = 0; distance < p; distance *= 2, ++level) {
      Exchange(values.data(), scratch.data(), count, MpiType<T>(),
               rank_ ^ distance, kTag + 2 + level);
      for (int i = 0; i < count; ++i) values[i] += scratch[i];
    }
    if (rank_ + p < size_) {
      MPI_Send(values.data(), count, MpiType<T>(), rank_ + p, kTag + 1,
               MPI_COMM_WORLD);
    }
  }

  // Chunk k mod size, for the ring's arithmetic on chunk numbers.
  int ChunkOf(int k) const { return ((k % size_) + size_) % size_; }

  // Around the ring rank -> rank + 1: in step s a rank adds the chunk it
  // receives to its own values of it and passes the partial sum on, so
  // chunk c is summed starting at rank c + 1 in ring order and, after
  // size - 1 steps, its total ends at rank c.
  template <typename T>
  void RingReduceScatter(absl::Span<T> values, absl::Span<const int64_t> chunks,
                         std::vector<T>& scratch) {
    const int next = (rank_ + 1) % size_;
    const int previous = (rank_ + size_ - 1) % size_;
    int64_t largest = 0;
    for (int c = 0; c < size_; ++c) {
      largest = std::max(largest, chunks[c + 1] - chunks[c]);
    }
    scratch.resize(largest);
    for (int step = 0; step < size_ - 1; ++step) {
      const int send = ChunkOf(rank_ - step - 1);
      const int receive = ChunkOf(rank_ - step - 2);
      const int receive_count =
          static_cast<int>(chunks[receive + 1] - chunks[receive]);
      MPI_Sendrecv(values.data() + chunks[send],
                   static_cast<int>(chunks[send + 1] - chunks[send]),
                   MpiType<T>(), next, step, scratch.data(), receive_count,
                   MpiType<T>(), previous, step, MPI_COMM_WORLD,
                   MPI_STATUS_IGNORE);
      T* mine = values.data() + chunks[receive];
      for (int i = 0; i < receive_count; ++i) mine[i] = scratch[i] + mine[i];
    }
  }

  // Passes each rank's chunk around the ring unchanged: in step s a rank
  // sends the chunk it got last (its own first).
  template <typename T>
  void RingAllGather(absl::Span<T> values, absl::Span<const int64_t> chunks) {
    const int next = (rank_ + 1) % size_;
    const int previous = (rank_ + size_ - 1) % size_;
    for (int step = 0; step < size_ - 1; ++step) {
      const int send = ChunkOf(rank_ - step);
      const int receive = ChunkOf(rank_ - step - 1);
      MPI_Sendrecv(
          values.data() + chunks[send],
          static_cast<int>(chunks[send + 1] - chunks[send]), MpiType<T>(), next,
          size_ + step, values.data() + chunks[receive],
          static_cast<int>(chunks[receive + 1] - chunks[receive]), MpiType<T>(),
          previous, size_ + step, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
  }

  int rank_ = 0;
  int size_ = 1;
  // MPI allows calls from any thread, one at a time.
  bool serialized_ = false;
  // Null when the ranks span machines, or when shared memory is off.
  std::unique_ptr<SharedMemoryCollectives> shared_;
  // Kept between calls: a step's sums allocate nothing after the first.
  std::vector<float> float_scratch_;
  std::vector<double> double_scratch_;
  std::vector<int64_t> chunks_, slice_chunks_;
};

}  // namespace

bool LaunchedByMpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr ||
         std::getenv("PMIX_RANK") != nullptr;
}

std::unique_ptr<Communicator> MakeMpiCommunicator() {
  if (!LaunchedByMpirun()) return nullptr;
  return std::make_unique<MpiCommunicator>();
}

std::string MpiTransport(const Communicator& communicator) {
  const auto* mpi = dynamic_cast<const MpiCommunicator*>(&communicator);
  return mpi != nullptr && mpi->shares_memory() ? "shared memory" : "messages";
}

void AbortAllRanks(int exit_code) {
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);  // MPI_Abort does not return; the compiler knows not
}

}  // namespace nabla
