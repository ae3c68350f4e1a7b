// Training runs: epochs of (optionally shuffled) minibatches through
// Session::TrainStep, reported to an observer after every batch and epoch.
//
// A run can stop between any two steps (a signal) and resume exactly: the
// data order of epoch e depends only on the seed and e, and the position
// (epochs finished, samples of the next epoch done) goes in the checkpoint
// with the variables, slots and step.
#ifndef NABLA_CORE_TRAINER_H_
#define NABLA_CORE_TRAINER_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/augmentation.h"
#include "core/dataset.h"
#include "core/session.h"
#include "core/training_samples.h"

namespace nabla {

struct TrainingSettings {
  // Epochs to have finished when the run ends (counting those before a
  // resume).
  int64_t epochs = 1;
  // Samples per step; 1 is per-sample SGD; 0 means the whole data set. The
  // last batch of an epoch may be smaller.
  int64_t batch_size = 0;
  bool shuffle = false;
  // Seeds the data order and the augmentations' draws.
  uint64_t seed = 0;
  // Applied to every training batch (core/augmentation.h).
  std::vector<ImageAugmentation> augment;
};

struct TrainingPosition {
  // Epochs finished.
  int64_t epoch = 0;
  // Samples of the next epoch already trained on.
  int64_t next_sample = 0;
};

struct BatchReport {
  int64_t epoch = 0;  // 1-based: the epoch running
  // Samples of this epoch trained on, this batch included, and in all.
  int64_t samples_done = 0;
  int64_t samples_in_epoch = 0;
  // The batch's loss, before its update.
  double loss = 0;
  // The batch as fed; the session's last_value() has what it computed.
  // Data-parallel, this rank's shard of it.
  absl::Span<const Feed> feeds;
  // Data-parallel, a rank left without samples of a batch smaller than the
  // ranks ran a copy of its last sample, which counts for nothing: its
  // outputs are not the rank's to measure.
  bool copy_only = false;
};

struct EpochReport {
  int64_t epoch = 0;  // 1-based
  // Mean over the epoch's samples of the loss each batch had before its
  // update (what Keras and PyTorch tutorials print). A resumed epoch counts
  // only the samples of this run.
  double loss = 0;
  int64_t samples = 0;
  int64_t steps = 0;
  double seconds = 0;
};

class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  virtual void OnBatch(const BatchReport&) {}
  // Validation, logging and checkpoints; an error stops the run.
  [[nodiscard]] virtual absl::Status OnEpoch(const EpochReport&) {
    return absl::OkStatus();
  }
  // Asked after every step: true ends the run there, with `position` at
  // the next batch.
  virtual bool StopRequested() { return false; }
};

// Data-parallel training: with a session that has a communicator
// (Session::SetDataParallel), every rank runs Train() alike on the same
// data and settings; each batch of batch_size samples is cut into
// contiguous shards, one per rank (the first batch_size % ranks take one
// more; no shard of a single sample when the batch has more), each rank
// trains on its own and the session exchanges the gradients. Stop requests
// are agreed: when one rank's observer asks, every rank stops at the same
// step. A source that reads as training goes (streamed data) reads only
// the rank's shards (RankPositions(), TrainingSamples::ReadOnly()).

// Whether rank `rank` of `ranks` trains on position `p` of `epoch` of a
// data set of `n` samples in batches of `batch_size` >= 1 (its shard of
// the batch that holds `p`, or the copy of a small batch's last samples
// that a rank without a shard trains on): the batches of an epoch start
// at 0, those of the epoch `resumed` is in at its next_sample.
TrainingSamples::PositionFilter RankPositions(int64_t n, int64_t batch_size,
                                              TrainingPosition resumed,
                                              int rank, int ranks);

// The order in which epoch `epoch` (1-based) of an in-memory data set
// visits samples [0, n).
std::vector<int64_t> EpochOrder(int64_t n, int64_t epoch,
                                const TrainingSettings& settings);

// Trains from `position` until settings.epochs epochs are finished or the
// observer asks to stop; `position` follows along. REQUIRES:
// session.SetTraining() succeeded. Stops with InvalidArgument if the loss
// becomes NaN or infinite ("the loss became nan at epoch E, step S: ...")
// or, when the session checks numerics, at the first step with a NaN or an
// infinity anywhere ("the first NaN or infinity at epoch E, step S ...");
// both name the first node whose value or gradient holds one
// (NumericalFault::where).
[[nodiscard]] absl::Status Train(Session& session, TrainingSamples& data,
                                 const TrainingSettings& settings,
                                 TrainingPosition& position,
                                 TrainingObserver& observer);
// The same on a data set in memory.
[[nodiscard]] absl::Status Train(Session& session, const Dataset& data,
                                 const TrainingSettings& settings,
                                 TrainingPosition& position,
                                 TrainingObserver& observer);

}  // namespace nabla

#endif  // NABLA_CORE_TRAINER_H_
