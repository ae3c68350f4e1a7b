// What a training run reads its batches from: samples in an order that
// depends only on the seed and the epoch, so that a run stopped anywhere
// resumes exactly. Two kinds: a Dataset held in memory (DatasetSamples,
// any order) and data streamed from disk (StreamedData, shuffled within
// windows).
#ifndef NABLA_CORE_TRAINING_SAMPLES_H_
#define NABLA_CORE_TRAINING_SAMPLES_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/dataset.h"
#include "core/session.h"
#include "core/tensor.h"

namespace nabla {

// Which epoch's order, and how it is drawn.
struct SampleOrder {
  int64_t epoch = 1;  // 1-based
  bool shuffle = false;
  uint64_t seed = 0;
};

class TrainingSamples {
 public:
  virtual ~TrainingSamples() = default;

  virtual int64_t num_samples() const = 0;
  // The placeholders fed, in the order of a batch's tensors.
  virtual const std::vector<std::string>& placeholders() const = 0;
  // The shape of all of `placeholder`'s samples (axis 0 counts them); the
  // empty shape when it is not fed.
  virtual Shape SamplesShape(absl::string_view placeholder) const = 0;
  // Points `feeds` at batch tensors (reused) holding the samples at
  // positions [begin, begin + count) of `order`'s epoch; `rows` gets their
  // sample numbers (for augmentation and messages).
  [[nodiscard]] virtual absl::Status FillBatch(const SampleOrder& order,
                                               int64_t begin, int64_t count,
                                               std::vector<Tensor>* batch,
                                               std::vector<Feed>* feeds,
                                               std::vector<int64_t>* rows) = 0;
  // `status` of a step on the samples `rows`, with where a bad sample was
  // read (Dataset::WithSampleOrigin).
  [[nodiscard]] virtual absl::Status WithSampleOrigin(
      absl::Status status, absl::Span<const int64_t> rows) const = 0;

  // Data-parallel: whether this rank trains on the sample at `position` of
  // epoch `epoch` (its shards of every batch). Samples read from disk as
  // training goes are read only where it says yes; FillBatch() then asks
  // only for those. Null (the default): every position.
  using PositionFilter = std::function<bool(int64_t epoch, int64_t position)>;
  virtual void ReadOnly(PositionFilter wanted) {}
};

// The sample of a batch a kernel found a bad value in (core/bad_value.h),
// among batch `rows` fed to `placeholders`.
struct BadSample {
  size_t column = 0;         // in placeholders
  int64_t row = 0;           // the sample's number in the data
  int64_t batch_sample = 0;  // its place in the batch
  std::string placeholder;
};
std::optional<BadSample> FindBadSample(
    const absl::Status& status, absl::Span<const std::string> placeholders,
    absl::Span<const int64_t> rows);

// `status` with where the bad sample was read, and the class its label
// `value` names among `class_names` (if any):
//   "...; sample 3 of the batch is 'y' at iris.csv:57 (class \"virginica\")"
[[nodiscard]] absl::Status WithSampleWhere(
    const absl::Status& status, const BadSample& bad, absl::string_view where,
    double value, const std::vector<std::string>& class_names);

// The sample numbers of epoch `order.epoch` in the order it visits them: a
// permutation drawn from the seed and the epoch, or 0..n-1 without shuffle.
std::vector<int64_t> EpochOrder(int64_t n, const SampleOrder& order);
// The same into `rows`, reusing its storage.
void EpochOrderInto(int64_t n, const SampleOrder& order,
                    std::vector<int64_t>* rows);

// A Dataset in memory; every epoch is a permutation of all its samples.
class DatasetSamples : public TrainingSamples {
 public:
  // `data` must outlive this.
  explicit DatasetSamples(const Dataset& data) : data_(data) {}

  int64_t num_samples() const override { return data_.num_samples(); }
  const std::vector<std::string>& placeholders() const override {
    return data_.placeholders();
  }
  Shape SamplesShape(absl::string_view placeholder) const override;
  [[nodiscard]] absl::Status FillBatch(const SampleOrder& order, int64_t begin,
                                       int64_t count,
                                       std::vector<Tensor>* batch,
                                       std::vector<Feed>* feeds,
                                       std::vector<int64_t>* rows) override;
  [[nodiscard]] absl::Status WithSampleOrigin(
      absl::Status status, absl::Span<const int64_t> rows) const override {
    return data_.WithSampleOrigin(std::move(status), rows);
  }

 private:
  const Dataset& data_;
  // The order of the epoch last asked for.
  SampleOrder cached_;
  std::vector<int64_t> order_;
};

}  // namespace nabla

#endif  // NABLA_CORE_TRAINING_SAMPLES_H_
