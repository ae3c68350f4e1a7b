#include "nabla/mpi_communicator.h"

#include <mpi.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

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
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiCommunicator() override { MPI_Finalize(); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int ranks_on_this_machine() const override {
    // Set by Open MPI's launcher for every process it starts.
    const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    const int count = local == nullptr ? 0 : std::atoi(local);
    return count > 0 ? count : size_;
  }

  [[nodiscard]] absl::Status AllReduceSum(absl::Span<float> values) override {
    RingAllReduce(values, float_scratch_);
    return absl::OkStatus();
  }
  [[nodiscard]] absl::Status AllReduceSum(absl::Span<double> values) override {
    RingAllReduce(values, double_scratch_);
    return absl::OkStatus();
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
  // Chunk c of n elements: [Begin(c), Begin(c + 1)).
  int64_t Begin(int64_t chunk, int64_t n) const { return n * chunk / size_; }

  // Reduce-scatter then all-gather around the ring rank -> rank + 1: in
  // step s a rank adds the chunk it receives to its own and passes the
  // partial sum on, so chunk c is summed starting at rank c + 1 in ring
  // order; after size - 1 steps rank r holds chunk r + 1's total, which
  // the all-gather passes around unchanged.
  template <typename T>
  void RingAllReduce(absl::Span<T> values, std::vector<T>& scratch) {
    if (size_ == 1) return;
    const int64_t n = static_cast<int64_t>(values.size());
    const int next = (rank_ + 1) % size_;
    const int previous = (rank_ + size_ - 1) % size_;
    auto chunk_of = [&](int64_t k) { return ((k % size_) + size_) % size_; };
    scratch.resize(n / size_ + 1);
    for (int step = 0; step < size_ - 1; ++step) {
      const int64_t send = chunk_of(rank_ - step);
      const int64_t receive = chunk_of(rank_ - step - 1);
      const int64_t send_begin = Begin(send, n);
      const int64_t receive_begin = Begin(receive, n);
      const int receive_count =
          static_cast<int>(Begin(receive + 1, n) - receive_begin);
      MPI_Sendrecv(values.data() + send_begin,
                   static_cast<int>(Begin(send + 1, n) - send_begin),
                   MpiType<T>(), next, step, scratch.data(), receive_count,
                   MpiType<T>(), previous, step, MPI_COMM_WORLD,
                   MPI_STATUS_IGNORE);
      T* mine = values.data() + receive_begin;
      for (int i = 0; i < receive_count; ++i) mine[i] = scratch[i] + mine[i];
    }
    for (int step = 0; step < size_ - 1; ++step) {
      const int64_t send = chunk_of(rank_ + 1 - step);
      const int64_t receive = chunk_of(rank_ - step);
      const int64_t send_begin = Begin(send, n);
      const int64_t receive_begin = Begin(receive, n);
      MPI_Sendrecv(
          values.data() + send_begin,
          static_cast<int>(Begin(send + 1, n) - send_begin), MpiType<T>(), next,
          size_ + step, values.data() + receive_begin,
          static_cast<int>(Begin(receive + 1, n) - receive_begin), MpiType<T>(),
          previous, size_ + step, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
  }

  int rank_ = 0;
  int size_ = 1;
  // Kept between calls: a step's sums allocate nothing after the first.
  std::vector<float> float_scratch_;
  std::vector<double> double_scratch_;
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

void AbortAllRanks(int exit_code) {
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);  // MPI_Abort does not return; the compiler knows not
}

}  // namespace nabla
