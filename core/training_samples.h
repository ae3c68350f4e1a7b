// What a training run reads its batches from: samples in an order that
// depends only on the seed and the epoch, so that a run stopped anywhere
// resumes exactly. Two kinds: a Dataset held in memory (DatasetSamples,
// any order) and data streamed from disk (StreamedData, shuffled within
// windows).
#ifndef NABLA_CORE_TRAINING_SAMPLES_H_
#define NABLA_CORE_TRAINING_SAMPLES_H_

#include <cstdint>
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
  virtual absl::Status WithSampleOrigin(
      absl::Status status, absl::Span<const int64_t> rows) const = 0;
};

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
  absl::Status WithSampleOrigin(
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
