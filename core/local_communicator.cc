#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "nabla/communicator.h"

namespace nabla {
namespace {

// What the ranks of one group share: a reusable barrier and, between two
// of its phases, each rank's posted buffer.
class LocalGroup {
 public:
  explicit LocalGroup(int size) : size_(size), posted_(size) {}

  int size() const { return size_; }

  // Blocks until every rank has arrived.
  void Barrier() {
    std::unique_lock<std::mutex> lock(mutex_);
    const int64_t generation = generation_;
    if (++arrived_ == size_) {
      arrived_ = 0;
      ++generation_;
      all_arrived_.notify_all();
      return;
    }
    all_arrived_.wait(lock, [&] { return generation_ != generation; });
  }

  void Post(int rank, const void* data) { posted_[rank] = data; }
  const void* posted(int rank) const { return posted_[rank]; }

  // Memory the group holds until its last rank's communicator is gone.
  // One rank at a time.
  void* Allocate(size_t bytes) {
    constexpr std::align_val_t kAlignment{64};
    blocks_.emplace_back(
        ::operator new(std::max<size_t>(bytes, 1), kAlignment));
    return blocks_.back().get();
  }

 private:
  const int size_;
  std::mutex mutex_;
  std::condition_variable all_arrived_;
  int arrived_ = 0;
  int64_t generation_ = 0;
  // Written by each rank before a barrier, read by all after it.
  std::vector<const void*> posted_;
  struct AlignedDelete {
    void operator()(void* p) const {
      ::operator delete (p, std::align_val_t{64});
    }
  };
  std::vector<std::unique_ptr<void, AlignedDelete>> blocks_;
};

class LocalCommunicator : public Communicator {
 public:
  LocalCommunicator(std::shared_ptr<LocalGroup> group, int rank)
      : group_(std::move(group)), rank_(rank) {}

  int rank() const override { return rank_; }
  int size() const override { return group_->size(); }

  [[nodiscard]] absl::Status AllReduceSum(absl::Span<float> values) override {
    Sum(values);
    return absl::OkStatus();
  }
  [[nodiscard]] absl::Status AllReduceSum(absl::Span<double> values) override {
    Sum(values);
    return absl::OkStatus();
  }

  [[nodiscard]] absl::Status Barrier() override {
    group_->Barrier();
    return absl::OkStatus();
  }

  // Rank 0 allocates; the others take its pointer.
  void* AllocateShared(size_t bytes) override {
    if (rank_ == 0) group_->Post(0, group_->Allocate(bytes));
    group_->Barrier();
    void* memory = const_cast<void*>(group_->posted(0));
    group_->Barrier();  // nobody posts again before all have read it
    return memory;
  }

  [[nodiscard]] absl::Status AllGather(absl::string_view mine,
                                       std::vector<std::string>* all) override {
    group_->Post(rank_, &mine);
    group_->Barrier();
    all->clear();
    for (int r = 0; r < size(); ++r) {
      all->emplace_back(
          *static_cast<const absl::string_view*>(group_->posted(r)));
    }
    group_->Barrier();  // nobody reads `mine` after this
    return absl::OkStatus();
  }

  [[nodiscard]] absl::Status ReduceScatterSum(
      absl::Span<float> values, absl::Span<const int64_t> chunks) override {
    SumChunk(values, chunks);
    return absl::OkStatus();
  }
  [[nodiscard]] absl::Status ReduceScatterSum(
      absl::Span<double> values, absl::Span<const int64_t> chunks) override {
    SumChunk(values, chunks);
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

 private:
  template <typename T>
  void Sum(absl::Span<T> values) {
    SumRange(values, 0, static_cast<int64_t>(values.size()));
  }

  // Sum() of this rank's chunk alone.
  template <typename T>
  void SumChunk(absl::Span<T> values, absl::Span<const int64_t> chunks) {
    SumRange(values, chunks[rank_], chunks[rank_ + 1]);
  }

  // Post, then every rank sums everybody's values [begin, end) in rank
  // order into its own copy; only after a second barrier may it overwrite
  // its buffer, which the others read until then.
  template <typename T>
  void SumRange(absl::Span<T> values, int64_t begin, int64_t end) {
    group_->Post(rank_, values.data());
    group_->Barrier();
    std::vector<T> sum(end - begin, T(0));
    for (int r = 0; r < size(); ++r) {
      const T* theirs = static_cast<const T*>(group_->posted(r));
      for (int64_t i = begin; i < end; ++i) sum[i - begin] += theirs[i];
    }
    group_->Barrier();
    std::copy(sum.begin(), sum.end(), values.begin() + begin);
  }

  // Copies the other ranks' chunks out of their posted values, which
  // nobody writes until every rank has passed the second barrier.
  template <typename T>
  void GatherChunks(absl::Span<T> values, absl::Span<const int64_t> chunks) {
    group_->Post(rank_, values.data());
    group_->Barrier();
    for (int r = 0; r < size(); ++r) {
      if (r == rank_) continue;
      const T* theirs = static_cast<const T*>(group_->posted(r));
      std::copy(theirs + chunks[r], theirs + chunks[r + 1],
                values.begin() + chunks[r]);
    }
    group_->Barrier();
  }

  std::shared_ptr<LocalGroup> group_;
  const int rank_;
};

}  // namespace

std::vector<std::unique_ptr<Communicator>> MakeLocalCommunicators(int size) {
  auto group = std::make_shared<LocalGroup>(size);
  std::vector<std::unique_ptr<Communicator>> ranks;
  for (int r = 0; r < size; ++r) {
    ranks.push_back(std::make_unique<LocalCommunicator>(group, r));
  }
  return ranks;
}

}  // namespace nabla
