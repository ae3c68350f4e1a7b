// Training runs: epochs of (optionally shuffled) minibatches through
// Session::TrainStep, with a report after each epoch.
#ifndef NABLA_CORE_TRAINER_H_
#define NABLA_CORE_TRAINER_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "core/dataset.h"
#include "core/session.h"

namespace nabla {

struct TrainingSettings {
  int64_t epochs = 1;
  // Samples per step; 1 is per-sample SGD; 0 means the whole data set. The
  // last batch of an epoch may be smaller.
  int64_t batch_size = 0;
  bool shuffle = false;
  // Seeds the data order.
  uint64_t seed = 0;
};

struct EpochReport {
  int64_t epoch = 0;  // 1-based
  // Mean over the epoch's samples of the loss each batch had before its
  // update (what Keras and PyTorch tutorials print).
  double loss = 0;
  int64_t samples = 0;
  int64_t steps = 0;
  double seconds = 0;
};

// REQUIRES: session.SetTraining() succeeded. Stops with InvalidArgument
// (naming the epoch and step) if the loss becomes NaN or infinite.
absl::Status Train(Session& session, const Dataset& data,
                   const TrainingSettings& settings,
                   const std::function<void(const EpochReport&)>& on_epoch);

}  // namespace nabla

#endif  // NABLA_CORE_TRAINER_H_
