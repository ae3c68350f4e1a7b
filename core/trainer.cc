#include "core/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <optional>
#include <random>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/communicator.h"
#include "core/status_macros.h"

namespace nabla {

std::vector<int64_t> EpochOrder(int64_t n, int64_t epoch,
                                const TrainingSettings& settings) {
  return EpochOrder(n, SampleOrder{epoch, settings.shuffle, settings.seed});
}

namespace {

// Names the epoch and the step, and where the first NaN or infinity of the
// step appeared.
[[nodiscard]] absl::Status NumericalFaultError(const NumericalFault& fault,
                                               int64_t epoch) {
  if (!std::isfinite(fault.loss)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the loss became ", fault.loss, " at epoch ", epoch, ", step ",
        fault.step,
        ": lower the learning rate or check the data; the first NaN or "
        "infinity of the step: ",
        fault.where));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "the first NaN or infinity at epoch ", epoch, ", step ", fault.step,
      " (the loss is still finite, ", fault.loss, "): ", fault.where));
}

// The samples of a batch one rank trains on: `count` of them from
// part.first_sample on.
struct Shard {
  BatchShard part;
  int64_t count = 0;
};

// Rank `rank`'s contiguous shard of a batch of `size` samples: the first
// size % ranks ranks take one sample more. No shard has a single sample
// when the batch has more (BatchNorm's statistics need two): a batch of
// fewer than twice the ranks goes to the first size / 2 ranks. A rank left
// without samples runs a copy of the batch's last (two) samples with share
// 0, so that it still takes part in the exchange and changes nothing.
Shard ShardOf(int64_t size, int64_t rank, int64_t all_ranks) {
  const int64_t ranks = std::min(all_ranks, std::max<int64_t>(1, size / 2));
  if (rank >= ranks) {
    const int64_t copied = std::min<int64_t>(2, size);
    return {{0, size - copied}, copied};
  }
  const int64_t base = size / ranks;
  const int64_t extra = size % ranks;
  const int64_t count = base + (rank < extra ? 1 : 0);
  return {{static_cast<double>(count) / static_cast<double>(size),
           rank * base + std::min(rank, extra)},
          count};
}

Shard ShardOf(int64_t size, const Communicator* communicator) {
  if (communicator == nullptr) return {{1, 0}, size};
  return ShardOf(size, communicator->rank(), communicator->size());
}

// The observer's stop request; data-parallel, every rank stops when any
// rank is asked to, at the same step.
[[nodiscard]] absl::Status StopRequested(TrainingObserver& observer,
                                         Communicator* communicator,
                                         bool* stop) {
  *stop = observer.StopRequested();
  if (communicator == nullptr) return absl::OkStatus();
  return AnyRank(*communicator, *stop, stop);
}

// Data-parallel, the ranks vote on a stop within every step's exchange
// (Session::SetStopVote) rather than in a sum of its own each step; the
// vote is withdrawn when training returns.
class StopVote {
 public:
  StopVote(Session& session, TrainingObserver& observer) : session_(session) {
    session_.SetStopVote([&observer] { return observer.StopRequested(); });
  }
  ~StopVote() { session_.SetStopVote(nullptr); }

 private:
  Session& session_;
};

}  // namespace

TrainingSamples::PositionFilter RankPositions(int64_t n, int64_t batch_size,
                                              TrainingPosition resumed,
                                              int rank, int ranks) {
  return [=](int64_t epoch, int64_t p) {
    const int64_t origin = epoch == resumed.epoch + 1 ? resumed.next_sample : 0;
    if (p < origin || p >= n) return false;
    const int64_t begin = origin + (p - origin) / batch_size * batch_size;
    const Shard shard = ShardOf(std::min(batch_size, n - begin), rank, ranks);
    const int64_t first = begin + shard.part.first_sample;
    return p >= first && p < first + shard.count;
  };
}

[[nodiscard]] absl::Status Train(Session& session, const Dataset& data,
                                 const TrainingSettings& settings,
                                 TrainingPosition& position,
                                 TrainingObserver& observer) {
  DatasetSamples samples(data);
  return Train(session, samples, settings, position, observer);
}

[[nodiscard]] absl::Status Train(Session& session, TrainingSamples& data,
                                 const TrainingSettings& settings,
                                 TrainingPosition& position,
                                 TrainingObserver& observer) {
  const int64_t n = data.num_samples();
  if (n == 0) {
    return absl::InvalidArgumentError(
        "no training data: the data set is empty");
  }
  if (settings.epochs < 1 || settings.batch_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("epochs must be >= 1 and batch_size >= 0, got ",
                     settings.epochs, " and ", settings.batch_size));
  }
  if (position.epoch < 0 || position.next_sample < 0 ||
      position.next_sample >= n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot resume at epoch ", position.epoch, ", sample ",
        position.next_sample, " of a data set of ", n, " samples"));
  }
  const int64_t batch_size =
      settings.batch_size == 0 ? n : std::min(settings.batch_size, n);
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  std::vector<int64_t> rows;
  Augmenter augmenter(settings.augment, data, settings.seed);
  Communicator* const communicator = session.communicator();
  // A source that reads as training goes reads only this rank's shards.
  data.ReadOnly(communicator == nullptr ? nullptr
                                        : RankPositions(n, batch_size, position,
                                                        communicator->rank(),
                                                        communicator->size()));
  bool stop = false;
  std::optional<StopVote> vote;
  if (communicator != nullptr) vote.emplace(session, observer);
  while (position.epoch < settings.epochs) {
    const int64_t epoch = position.epoch + 1;
    const auto start = std::chrono::steady_clock::now();
    const SampleOrder order{epoch, settings.shuffle, settings.seed};
    EpochReport report;
    report.epoch = epoch;
    double loss_sum = 0;
    while (position.next_sample < n) {
      const int64_t begin = position.next_sample;
      const int64_t size = std::min(batch_size, n - begin);
      const Shard shard = ShardOf(size, communicator);
      NABLA_RETURN_IF_ERROR(data.FillBatch(order,
                                           begin + shard.part.first_sample,
                                           shard.count, &batch, &feeds, &rows));
      augmenter.Apply(epoch, rows, batch);
      auto loss = session.TrainStep(feeds, shard.part);
      // Set whenever the loss is not finite (and, with check_numerics, for
      // any NaN or infinity, which also fails the step).
      if (const NumericalFault* fault = session.numerical_fault()) {
        return NumericalFaultError(*fault, epoch);
      }
      if (!loss.ok()) return data.WithSampleOrigin(loss.status(), rows);
      position.next_sample = begin + size;
      loss_sum += *loss * static_cast<double>(size);
      report.samples += size;
      ++report.steps;
      observer.OnBatch({epoch, position.next_sample, n, *loss, feeds,
                        shard.part.share == 0});
      if (position.next_sample < n) {
        stop = communicator != nullptr ? session.stop_voted()
                                       : observer.StopRequested();
        if (stop) return absl::OkStatus();
      }
    }
    position = {epoch, 0};
    report.loss = loss_sum / static_cast<double>(report.samples);
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    absl::Status status = observer.OnEpoch(report);
    if (!status.ok()) return status;
    NABLA_RETURN_IF_ERROR(StopRequested(observer, communicator, &stop));
    if (stop) return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace nabla
