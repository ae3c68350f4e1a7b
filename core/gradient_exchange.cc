#include "core/gradient_exchange.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "core/rank_order_sum.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

// The buffer of T's dtype.
template <typename T>
std::vector<T>& BufferOf(std::vector<float>& floats,
                         std::vector<double>& doubles) {
  if constexpr (std::is_same_v<T, float>) {
    return floats;
  } else {
    return doubles;
  }
}

}  // namespace

int64_t ShardBegin(int64_t elements, int shard, int shards) {
  if (shard >= shards) return elements;
  constexpr int64_t kAlignedValues = 16;
  return elements * shard / shards / kAlignedValues * kAlignedValues;
}

GradientExchange::GradientExchange(Communicator& communicator, bool overlap)
    : communicator_(communicator) {
  if (overlap) thread_ = std::thread([this] { SumBuckets(); });
}

GradientExchange::~GradientExchange() {
  if (!overlaps()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void GradientExchange::SnapshotState(absl::Span<Tensor* const> states) {
  if (snapshot_.size() != states.size()) {
    snapshot_.clear();
    for (const Tensor* state : states) {
      snapshot_.emplace_back(state->dtype(), state->shape());
    }
  }
  for (size_t i = 0; i < states.size(); ++i) {
    std::memcpy(snapshot_[i].raw_data(), states[i]->raw_data(),
                states[i]->num_bytes());
  }
}

void GradientExchange::LayOutBuckets(absl::Span<const int> variables,
                                     absl::Span<Tensor* const> gradients) {
  if (std::equal(gradients.begin(), gradients.end(), gradients_.begin(),
                 gradients_.end())) {
    return;
  }
  gradients_.assign(gradients.begin(), gradients.end());
  buckets_.clear();
  for (size_t i = 0; i < gradients.size(); ++i) {
    const Tensor& g = *gradients[i];
    const bool fits =
        !buckets_.empty() && buckets_.back().dtype == g.dtype() &&
        (buckets_.back().elements + g.num_elements()) * DTypeSize(g.dtype()) <=
            kBucketBytes;
    if (!fits) buckets_.push_back({i, i, g.dtype(), 0, 0});
    Bucket& bucket = buckets_.back();
    bucket.end = i + 1;
    bucket.elements += g.num_elements();
  }
  // The fused buffers serve the buckets of several gradients (at most
  // kBucketBytes); a gradient alone is summed where it is.
  size_t floats = 0, doubles = 0;
  for (const Bucket& bucket : buckets_) {
    if (bucket.end - bucket.first == 1) continue;
    size_t& largest = bucket.dtype == DType::kFloat32 ? floats : doubles;
    largest = std::max(largest, static_cast<size_t>(bucket.elements));
  }
  floats_.resize(floats);
  doubles_.resize(doubles);
  // Each bucket's chunks for a sharded step: rank r's parts of its
  // gradients, together.
  const int ranks = communicator_.size();
  chunks_.clear();
  for (Bucket& bucket : buckets_) {
    bucket.chunks = chunks_.size();
    for (int r = 0; r <= ranks; ++r) {
      int64_t offset = 0;
      for (size_t i = bucket.first; i < bucket.end; ++i) {
        offset += ShardBegin(gradients[i]->num_elements(), r, ranks);
      }
      chunks_.push_back(offset);
    }
  }
  // Which bucket each variable's gradient is in, for GradientReady().
  const int largest_node =
      variables.empty() ? -1
                        : *std::max_element(variables.begin(), variables.end());
  bucket_of_.assign(largest_node + 1, -1);
  for (size_t b = 0; b < buckets_.size(); ++b) {
    for (size_t i = buckets_[b].first; i < buckets_[b].end; ++i) {
      bucket_of_[variables[i]] = static_cast<int>(b);
    }
  }
}

void GradientExchange::BeginStep(absl::Span<const int> variables,
                                 absl::Span<Tensor* const> gradients,
                                 double share, bool shard,
                                 ptrdiff_t gradient_stride) {
  // The exchange thread is idle between steps: the layout is the caller's.
  LayOutBuckets(variables, gradients);
  share_ = share;
  shard_ = shard;
  gradient_stride_ = shard ? gradient_stride : 0;
  if (!overlaps()) {
    ++steps_begun_;
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (Bucket& bucket : buckets_) bucket.pending = bucket.end - bucket.first;
  ++steps_begun_;
  changed_.notify_all();
}

void GradientExchange::GradientReady(int variable) {
  if (!overlaps()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (variable >= static_cast<int>(bucket_of_.size())) return;
  const int b = bucket_of_[variable];
  if (b >= 0 && --buckets_[b].pending == 0) changed_.notify_all();
}

void GradientExchange::SumBuckets() {
  int64_t summed = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || steps_begun_ > summed; });
      if (stopping_) return;
    }
    absl::Status status;
    for (const Bucket& bucket : buckets_) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return stopping_ || bucket.pending == 0; });
        if (stopping_) return;
      }
      // After an error the ranks are out of step: the sums stop.
      if (status.ok()) status = SumBucket(bucket);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    summed = steps_begun_;
    steps_summed_ = summed;
    summed_status_ = status;
    changed_.notify_all();
  }
}

template <typename T>
void GradientExchange::CopyParts(const Bucket& bucket,
                                 absl::Span<Tensor* const> tensors,
                                 int first_rank, int end_rank,
                                 bool into_buffer) {
  const int ranks = communicator_.size();
  T* buffer = BufferOf<T>(floats_, doubles_).data();
  for (int r = first_rank; r < end_rank; ++r) {
    T* fused = buffer + chunks(bucket)[r];
    for (size_t i = bucket.first; i < bucket.end; ++i) {
      const int64_t elements = tensors[i]->num_elements();
      T* part = tensors[i]->data<T>() + ShardBegin(elements, r, ranks);
      const int64_t size =
          ShardBegin(elements, r + 1, ranks) - ShardBegin(elements, r, ranks);
      if (into_buffer) {
        std::copy(part, part + size, fused);
      } else {
        std::copy(fused, fused + size, part);
      }
      fused += size;
    }
  }
}

absl::Status GradientExchange::SumBucket(const Bucket& bucket) {
  if (gradient_stride_ != 0) {
    NABLA_RETURN_IF_ERROR(communicator_.Barrier());
    SumSharedParts(bucket);
    return absl::OkStatus();
  }
  return DispatchFloat(bucket.dtype, [&](auto zero) {
    using T = decltype(zero);
    if (shard_) {
      const absl::Span<const int64_t> table(chunks(bucket),
                                            communicator_.size() + 1);
      if (bucket.end - bucket.first == 1) {
        return communicator_.ReduceScatterSum(
            absl::MakeSpan(gradients_[bucket.first]->data<T>(),
                           bucket.elements),
            table);
      }
      const int rank = communicator_.rank();
      CopyParts<T>(bucket, gradients_, 0, communicator_.size(), true);
      NABLA_RETURN_IF_ERROR(communicator_.ReduceScatterSum(
          absl::MakeSpan(BufferOf<T>(floats_, doubles_).data(),
                         bucket.elements),
          table));
      CopyParts<T>(bucket, gradients_, rank, rank + 1, false);
      return absl::OkStatus();
    }
    // A gradient alone in its bucket is summed where it is: no copies.
    if (bucket.end - bucket.first == 1) {
      T* g = gradients_[bucket.first]->data<T>();
      return communicator_.AllReduceSum(absl::MakeSpan(g, bucket.elements));
    }
    std::vector<T>& buffer = BufferOf<T>(floats_, doubles_);
    T* out = buffer.data();
    for (size_t i = bucket.first; i < bucket.end; ++i) {
      const T* g = gradients_[i]->data<T>();
      out = std::copy(g, g + gradients_[i]->num_elements(), out);
    }
    NABLA_RETURN_IF_ERROR(communicator_.AllReduceSum(
        absl::MakeSpan(buffer.data(), bucket.elements)));
    const T* in = buffer.data();
    for (size_t i = bucket.first; i < bucket.end; ++i) {
      const int64_t n = gradients_[i]->num_elements();
      std::copy(in, in + n, gradients_[i]->data<T>());
      in += n;
    }
    return absl::OkStatus();
  });
}

void GradientExchange::SumSharedParts(const Bucket& bucket) {
  const int rank = communicator_.rank(), ranks = communicator_.size();
  DispatchFloat(bucket.dtype, [&](auto zero) {
    using T = decltype(zero);
    for (size_t i = bucket.first; i < bucket.end; ++i) {
      T* mine = gradients_[i]->data<T>();
      auto term = [&](int r) {
        return reinterpret_cast<const T*>(reinterpret_cast<const char*>(mine) +
                                          (r - rank) * gradient_stride_);
      };
      const int64_t elements = gradients_[i]->num_elements();
      const int64_t begin = ShardBegin(elements, rank, ranks);
      const int64_t end = ShardBegin(elements, rank + 1, ranks);
      // Into this rank's part, which no other rank reads.
      SumInRankOrder<T>(ranks, begin, end, term, mine);
    }
  });
}

void GradientExchange::WaitForBuckets() {
  if (!overlaps()) {
    // Summed here, once per step, with the same collectives as the
    // exchange thread makes (ranks may differ in overlapping).
    if (steps_summed_ == steps_begun_) return;
    summed_status_ = absl::OkStatus();
    for (const Bucket& bucket : buckets_) {
      summed_status_ = SumBucket(bucket);
      if (!summed_status_.ok()) break;
    }
    steps_summed_ = steps_begun_;
    return;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  // Whatever the backward pass did not finish counts as final now.
  for (Bucket& bucket : buckets_) bucket.pending = 0;
  changed_.notify_all();
  changed_.wait(lock, [&] { return steps_summed_ == steps_begun_; });
}

absl::Status GradientExchange::FinishStep(absl::Span<Tensor* const> states,
                                          double* loss, Votes* votes) {
  WaitForBuckets();
  NABLA_RETURN_IF_ERROR(summed_status_);
  // The states' weighted changes, the loss and the votes, in one float64
  // sum (the exchange thread is idle until the next step).
  size_t count = 4;
  for (const Tensor* state : states) count += state->num_elements();
  if (doubles_.size() < count) doubles_.resize(count);
  size_t next = 0;
  for (size_t s = 0; s < states.size(); ++s) {
    DispatchFloat(states[s]->dtype(), [&](auto zero) {
      using T = decltype(zero);
      const T* now = states[s]->data<T>();
      const T* before = snapshot_[s].data<T>();
      for (int64_t i = 0; i < states[s]->num_elements(); ++i) {
        doubles_[next++] = share_ * (static_cast<double>(now[i]) - before[i]);
      }
    });
  }
  // A failed rank's loss may be anything: it must not make the sum NaN.
  doubles_[next] = votes->failed ? 0 : share_ * *loss;
  doubles_[next + 1] = votes->stop ? 1 : 0;
  doubles_[next + 2] = votes->failed ? 1 : 0;
  // With one failed rank, the sum of (rank + 1) over failed ranks names it.
  doubles_[next + 3] = votes->failed ? communicator_.rank() + 1 : 0;
  NABLA_RETURN_IF_ERROR(
      communicator_.AllReduceSum(absl::MakeSpan(doubles_.data(), count)));
  next = 0;
  for (size_t s = 0; s < states.size(); ++s) {
    DispatchFloat(states[s]->dtype(), [&](auto zero) {
      using T = decltype(zero);
      T* now = states[s]->data<T>();
      const T* before = snapshot_[s].data<T>();
      for (int64_t i = 0; i < states[s]->num_elements(); ++i) {
        now[i] = static_cast<T>(before[i] + doubles_[next++]);
      }
    });
  }
  *loss = doubles_[next];
  votes->stop = doubles_[next + 1] > 0;
  votes->failed = doubles_[next + 2] > 0;
  votes->failed_rank =
      doubles_[next + 2] == 1 ? static_cast<int>(doubles_[next + 3]) - 1 : -1;
  return absl::OkStatus();
}

absl::Status GradientExchange::GatherVariables(
    absl::Span<Tensor* const> variables) {
  const int rank = communicator_.rank(), ranks = communicator_.size();
  for (const Bucket& bucket : buckets_) {
    const absl::Span<const int64_t> table(chunks(bucket), ranks + 1);
    NABLA_RETURN_IF_ERROR(DispatchFloat(bucket.dtype, [&](auto zero) {
      using T = decltype(zero);
      if (bucket.end - bucket.first == 1) {
        return communicator_.AllGatherChunks(
            absl::MakeSpan(variables[bucket.first]->data<T>(), bucket.elements),
            table);
      }
      CopyParts<T>(bucket, variables, rank, rank + 1, true);
      NABLA_RETURN_IF_ERROR(communicator_.AllGatherChunks(
          absl::MakeSpan(BufferOf<T>(floats_, doubles_).data(),
                         bucket.elements),
          table));
      CopyParts<T>(bucket, variables, 0, rank, false);
      CopyParts<T>(bucket, variables, rank + 1, ranks, false);
      return absl::OkStatus();
    }));
  }
  return absl::OkStatus();
}

absl::Status GradientExchange::GatherShards(Tensor& tensor) {
  const int ranks = communicator_.size();
  tensor_chunks_.resize(ranks + 1);
  for (int r = 0; r <= ranks; ++r) {
    tensor_chunks_[r] = ShardBegin(tensor.num_elements(), r, ranks);
  }
  return DispatchFloat(tensor.dtype(), [&](auto zero) {
    using T = decltype(zero);
    return communicator_.AllGatherChunks(
        absl::MakeSpan(tensor.data<T>(), tensor.num_elements()),
        tensor_chunks_);
  });
}

}  // namespace nabla
