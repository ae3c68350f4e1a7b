#include "core/augmentation.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/counter_random.h"
#include "core/random.h"

namespace nabla {
namespace {

int ColumnOf(const TrainingSamples& data, const std::string& placeholder) {
  const std::vector<std::string>& names = data.placeholders();
  const auto it = std::find(names.begin(), names.end(), placeholder);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

// An offset uniform in [-shift, shift].
int64_t DrawOffset(double u, int64_t shift) {
  const int64_t k = static_cast<int64_t>(std::floor(u * (2 * shift + 1)));
  return std::min(k, 2 * shift) - shift;
}

}  // namespace

[[nodiscard]] absl::StatusOr<std::vector<ImageAugmentation>> ReadAugmentations(
    const DataConfig& config, const TrainingSamples& training,
    absl::string_view source) {
  std::vector<ImageAugmentation> out;
  for (int i = 0; i < config.augment_size(); ++i) {
    const AugmentationDef& def = config.augment(i);
    const std::string where = absl::StrCat(source, ": data.augment[", i, "]");
    if (ColumnOf(training, def.placeholder()) < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": placeholder '", def.placeholder(),
                       "' is not fed by the training data"));
    }
    for (const ImageAugmentation& earlier : out) {
      if (earlier.placeholder == def.placeholder()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": placeholder '",
                                                       def.placeholder(),
                                                       "' is augmented twice"));
      }
    }
    const Shape samples = training.SamplesShape(def.placeholder());
    if (samples.rank() != 4) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": placeholder '", def.placeholder(), "' is fed ",
                       samples.ToString(),
                       "; augmentation needs images, [C, H, W] per "
                       "sample"));
    }
    const int64_t side = std::min(samples.dim(2), samples.dim(3));
    if (def.shift() < 0 || def.shift() >= side) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": shift must be from 0 to ", side - 1, " for images ",
          samples.dim(2), " x ", samples.dim(3), ", got ", def.shift()));
    }
    if (!std::isfinite(def.fill())) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": fill must be a finite number, got ", def.fill()));
    }
    out.push_back(
        {def.placeholder(), def.shift(), def.horizontal_flip(), def.fill()});
  }
  return out;
}

uint64_t EpochKey(const ImageAugmentation& augmentation, uint64_t seed,
                  int64_t epoch) {
  return StepKey(
      DeriveSeed(seed, absl::StrCat("augment ", augmentation.placeholder)),
      epoch);
}

SampleChange DrawChange(const ImageAugmentation& augmentation, uint64_t key,
                        int64_t row) {
  const uint64_t at = 3 * static_cast<uint64_t>(row);
  SampleChange change;
  if (augmentation.shift > 0) {
    change.down = DrawOffset(CounterUniform(key, at), augmentation.shift);
    change.right = DrawOffset(CounterUniform(key, at + 1), augmentation.shift);
  }
  change.flip =
      augmentation.horizontal_flip && CounterUniform(key, at + 2) < 0.5;
  return change;
}

SampleChange DrawChange(const ImageAugmentation& augmentation, uint64_t seed,
                        int64_t epoch, int64_t row) {
  return DrawChange(augmentation, EpochKey(augmentation, seed, epoch), row);
}

Augmenter::Augmenter(std::vector<ImageAugmentation> augmentations,
                     const TrainingSamples& data, uint64_t seed)
    : augmentations_(std::move(augmentations)), seed_(seed) {
  for (const ImageAugmentation& a : augmentations_) {
    const int column = ColumnOf(data, a.placeholder);
    columns_.push_back(column);
    const Shape s = data.SamplesShape(a.placeholder);
    plane_.resize(std::max<size_t>(plane_.size(), s.dim(2) * s.dim(3)));
  }
}

void Augmenter::Apply(int64_t epoch, absl::Span<const int64_t> rows,
                      std::vector<Tensor>& batch) {
  for (size_t k = 0; k < augmentations_.size(); ++k) {
    const ImageAugmentation& a = augmentations_[k];
    Tensor& images = batch[columns_[k]];
    const int64_t channels = images.shape().dim(1);
    const int64_t height = images.shape().dim(2);
    const int64_t width = images.shape().dim(3);
    // One key per epoch: the samples' draws are counters under it.
    const uint64_t key = EpochKey(a, seed_, epoch);
    DispatchFloat(images.dtype(), [&](auto zero) {
      using T = decltype(zero);
      for (size_t i = 0; i < rows.size(); ++i) {
        const SampleChange c = DrawChange(a, key, rows[i]);
        if (c.down == 0 && c.right == 0 && !c.flip) continue;
        for (int64_t ch = 0; ch < channels; ++ch) {
          T* plane = images.data<T>() + (i * channels + ch) * height * width;
          std::copy(plane, plane + height * width, plane_.begin());
          // Output (h, w) reads the flipped image at (h - down, w - right).
          for (int64_t h = 0; h < height; ++h) {
            const int64_t from_h = h - c.down;
            for (int64_t w = 0; w < width; ++w) {
              const int64_t shifted = w - c.right;
              const bool inside = from_h >= 0 && from_h < height &&
                                  shifted >= 0 && shifted < width;
              const int64_t from_w = c.flip ? width - 1 - shifted : shifted;
              plane[h * width + w] = static_cast<T>(
                  inside ? plane_[from_h * width + from_w] : a.fill);
            }
          }
        }
      }
    });
  }
}

}  // namespace nabla
