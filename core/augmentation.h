// Random augmentation of training images (DataConfig.augment): shifts with
// a fill and horizontal flips, applied to each training batch in place.
//
// Sample r of epoch e draws its shift and flip from CounterUniform keyed by
// the training seed, the placeholder and e, at counters 3r, 3r + 1 and
// 3r + 2: the draws depend neither on the batch nor on the thread count,
// and a run resumed mid-epoch draws what the uninterrupted one would.
#ifndef NABLA_CORE_AUGMENTATION_H_
#define NABLA_CORE_AUGMENTATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/tensor.h"
#include "core/training_samples.h"
#include "proto/model.pb.h"

namespace nabla {

struct ImageAugmentation {
  std::string placeholder;
  int64_t shift = 0;
  bool horizontal_flip = false;
  double fill = 0;
};

// The augmentations of `config`, checked against the training data: each
// names a placeholder the training data feeds with samples [C, H, W],
// once, with 0 <= shift < min(H, W). Errors name `source` and the entry.
[[nodiscard]] absl::StatusOr<std::vector<ImageAugmentation>> ReadAugmentations(
    const DataConfig& config, const TrainingSamples& training,
    absl::string_view source);

// The offsets and flip of one sample, as drawn.
struct SampleChange {
  int64_t down = 0, right = 0;
  bool flip = false;
};
SampleChange DrawChange(const ImageAugmentation& augmentation, uint64_t seed,
                        int64_t epoch, int64_t row);
// The key of one epoch's draws, and sample `row`'s change under it: the
// same as above without hashing the placeholder's name for every sample.
uint64_t EpochKey(const ImageAugmentation& augmentation, uint64_t seed,
                  int64_t epoch);
SampleChange DrawChange(const ImageAugmentation& augmentation, uint64_t key,
                        int64_t row);

// Applies augmentations to batches cut from one data set; keeps one image
// plane of memory, so a run allocates once.
class Augmenter {
 public:
  Augmenter(std::vector<ImageAugmentation> augmentations,
            const TrainingSamples& data, uint64_t seed);

  // batch[k] holds placeholder data.placeholders()[k]'s samples `rows` of
  // epoch `epoch` (1-based), as TrainingSamples::FillBatch made them.
  void Apply(int64_t epoch, absl::Span<const int64_t> rows,
             std::vector<Tensor>& batch);

 private:
  std::vector<ImageAugmentation> augmentations_;
  std::vector<int> columns_;  // batch index of each augmentation
  uint64_t seed_;
  std::vector<double> plane_;
};

}  // namespace nabla

#endif  // NABLA_CORE_AUGMENTATION_H_
