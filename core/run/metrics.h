// Epoch metrics from model outputs and targets: accuracy and a confusion
// matrix for classification, MSE and MAE for regression.
//
//   EpochMetrics metrics(MetricKindForLoss("SoftmaxCrossEntropy"));
//   for (each batch) {
//     absl::Status s = metrics.Add(outputs, targets);
//     if (!s.ok()) return s;
//   }
//   record.metrics = metrics.Results();   // {{"accuracy", 0.92}}
//   metrics.Reset();                      // next epoch
//
// Not thread-safe.
#ifndef NABLA_CORE_RUN_METRICS_H_
#define NABLA_CORE_RUN_METRICS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/run/epoch_record.h"
#include "core/tensor.h"

namespace nabla {

enum class MetricKind { kClassification, kRegression };

// kClassification for the losses that take class labels
// (SoftmaxCrossEntropy, SparseSoftmaxCrossEntropy, SigmoidCrossEntropy,
// BinaryCrossEntropy, Hinge), kRegression for any other op name.
MetricKind MetricKindForLoss(absl::string_view loss_op);

// Where a single-column output splits class 0 from class 1: 0 for the
// losses that read logits or scores (SigmoidCrossEntropy, Hinge), 0.5 for
// the others (probabilities, e.g. after a Sigmoid for BinaryCrossEntropy).
// Pass the loss's own input as outputs together with this threshold.
double BinaryThresholdForLoss(absl::string_view loss_op);

// counts[t * num_classes + p] samples of true class t were predicted as p.
struct ConfusionMatrix {
  int64_t num_classes = 0;
  std::vector<int64_t> counts;

  int64_t at(int64_t true_class, int64_t predicted) const {
    return counts[true_class * num_classes + predicted];
  }
};

// Accumulates metrics over the batches of an epoch. Add() allocates only
// the first time it sees the class count; after that, and after Reset(),
// it allocates nothing (unless it returns an error).
class EpochMetrics {
 public:
  // `binary_threshold` applies to single-column classification outputs
  // (see BinaryThresholdForLoss).
  explicit EpochMetrics(MetricKind kind, double binary_threshold = 0.5);

  // Adds one batch. `outputs` has one row per sample (dimension 0).
  //
  // Classification, outputs [N, C] with C >= 2 (or [N, ..., C]: every
  // row of the last axis is a sample): the prediction is the argmax over
  // the last axis (the first maximum; NaN never wins over an earlier
  // element). Targets are class indices, one per row ([N] or [N, 1]), or
  // one-hot / soft labels of the outputs' size (argmax again).
  // Classification, outputs [N] or [N, 1]: two classes; a row is class 1
  // when its output is > binary_threshold and its target is > 0.5 (so 0/1
  // and -1/1 labels both work).
  // Regression: outputs and targets have the same number of elements;
  // squared and absolute errors are summed over all of them.
  //
  // On error (InvalidArgument: sizes that do not match, a class index
  // outside [0, C) or not an integer, a class count that changed since the
  // first batch) nothing is accumulated.
  [[nodiscard]] absl::Status Add(const Tensor& outputs, const Tensor& targets);

  // Starts a new epoch: zeroes every sum and count, keeps the class count.
  void Reset();

  MetricKind kind() const { return kind_; }
  // Rows added since the last Reset().
  int64_t samples() const { return samples_; }
  // NaN before any sample, and for regression.
  double accuracy() const;
  // Means over all elements; NaN before any element, and for
  // classification.
  double mse() const;
  double mae() const;
  // Empty (num_classes 0) for regression and before the first batch.
  const ConfusionMatrix& confusion_matrix() const { return confusion_; }

  // {{"accuracy", a}} for classification, {{"mse", m}, {"mae", a}} for
  // regression: what EpochRecord::metrics holds.
  std::vector<NamedMetric> Results() const;

 private:
  template <typename O, typename T>
  [[nodiscard]] absl::Status AddClassification(const Tensor& outputs,
                                               const Tensor& targets);
  template <typename O, typename T>
  [[nodiscard]] absl::Status AddRegression(const Tensor& outputs,
                                           const Tensor& targets);
  [[nodiscard]] absl::Status SetClassCount(int64_t num_classes);

  MetricKind kind_;
  double binary_threshold_;
  int64_t samples_ = 0;
  int64_t correct_ = 0;
  int64_t elements_ = 0;
  double squared_error_ = 0;
  double absolute_error_ = 0;
  ConfusionMatrix confusion_;
};

// An aligned table, rows the true class, columns the predicted class, and
// each row's recall (correct / row total, "-" for an empty row):
//
//   true\pred  neg  pos  recall
//   neg          3    1   0.750
//   pos          0    2   1.000
//
// Classes without a name in `class_names` are shown by index. When the
// names make the table wider than 80 columns (Fashion-MNIST's ten), the
// columns take the class indices and each row its index and name. Every
// line ends with '\n'.
std::string FormatConfusionMatrix(const ConfusionMatrix& matrix,
                                  absl::Span<const std::string> class_names);

}  // namespace nabla

#endif  // NABLA_CORE_RUN_METRICS_H_
