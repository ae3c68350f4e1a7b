// Epoch metrics from model outputs and targets: accuracy and a confusion
// matrix for classification (and, when asked, precision, recall, F1,
// top-k accuracy and ROC AUC), MSE and MAE for regression.
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
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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

// A classification metric reported besides accuracy, as a model file's
// training.metrics (or train_graph --metrics) names it.
struct MetricRequest {
  enum class Kind { kPrecision, kRecall, kF1, kTopK, kAuc };
  Kind kind = Kind::kPrecision;
  int64_t k = 0;  // kTopK only
  // "precision", "recall", "f1", "auc" or "top<k>" (e.g. "top5").
  std::string name;
};

// Parses metric names (see MetricRequest::name); InvalidArgument for an
// unknown or repeated name, listing the known ones.
[[nodiscard]] absl::StatusOr<std::vector<MetricRequest>> ParseMetricRequests(
    absl::Span<const std::string> names);

// counts[t * num_classes + p] samples of true class t were predicted as p.
struct ConfusionMatrix {
  int64_t num_classes = 0;
  std::vector<int64_t> counts;

  int64_t at(int64_t true_class, int64_t predicted) const {
    return counts[true_class * num_classes + predicted];
  }
};

// One class's scores, as scikit-learn's classification_report gives them:
// precision = correct / predicted as the class, recall = correct / of the
// class (support), F1 their harmonic mean; each 0 when its denominator is
// (scikit-learn's zero_division=0).
struct ClassScores {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  int64_t support = 0;
};

// The scores of every class of `matrix`, in class order.
std::vector<ClassScores> PerClassScores(const ConfusionMatrix& matrix);

// The mean of each score over the classes that occur among the true or the
// predicted classes (scikit-learn's macro average); support is the total.
ClassScores MacroAverage(const ConfusionMatrix& matrix);

// Accumulates metrics over the batches of an epoch. Add() allocates only
// the first time it sees the class count; after that, and after Reset(),
// it allocates nothing (unless it returns an error).
class EpochMetrics {
 public:
  // `binary_threshold` applies to single-column classification outputs
  // (see BinaryThresholdForLoss). `extra` are classification metrics to
  // report after accuracy, in that order.
  explicit EpochMetrics(MetricKind kind, double binary_threshold = 0.5,
                        std::vector<MetricRequest> extra = {});

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
  // Top-k accuracy counts a sample when fewer than k classes rank above its
  // true class (higher output, or equal output and lower index: argmax's
  // order); it needs one output column per class. ROC AUC needs two
  // classes: the score is the single output, or output 1 minus output 0
  // (the log-odds of a softmax over two logits); tied scores count half.
  //
  // On error (InvalidArgument: sizes that do not match, a class index
  // outside [0, C) or not an integer, a class count that changed since the
  // first batch, top-k of single-column outputs, AUC of more than two
  // classes) nothing is accumulated.
  [[nodiscard]] absl::Status Add(const Tensor& outputs, const Tensor& targets);

  // Starts a new epoch: zeroes every sum and count, keeps the class count.
  void Reset();

  // The sums and counts as bytes, for AddEncoded() in another process
  // (data-parallel ranks combine what each measured on its share).
  std::string Encode() const;
  // Adds what Encode() wrote, as if its batches had been added here.
  // InvalidArgument for bytes of another kind of metrics (or class count).
  [[nodiscard]] absl::Status AddEncoded(absl::string_view bytes);

  MetricKind kind() const { return kind_; }
  // Rows added since the last Reset().
  int64_t samples() const { return samples_; }
  // NaN before any sample, and for regression.
  double accuracy() const;
  // The value of a requested metric: binary precision, recall and F1 are
  // those of class 1, with more classes their macro average; NaN before
  // any sample (and an AUC without both classes among the targets).
  double Value(const MetricRequest& request) const;
  // Means over all elements; NaN before any element, and for
  // classification.
  double mse() const;
  double mae() const;
  // Empty (num_classes 0) for regression and before the first batch.
  const ConfusionMatrix& confusion_matrix() const { return confusion_; }

  // {{"accuracy", a}, then each requested metric} for classification,
  // {{"mse", m}, {"mae", a}} for regression: what EpochRecord::metrics
  // holds.
  std::vector<NamedMetric> Results() const;

 private:
  template <typename O, typename T>
  [[nodiscard]] absl::Status AddClassification(const Tensor& outputs,
                                               const Tensor& targets);
  template <typename O, typename T>
  [[nodiscard]] absl::Status AddRegression(const Tensor& outputs,
                                           const Tensor& targets);
  [[nodiscard]] absl::Status SetClassCount(int64_t num_classes);
  // Checks that the requested metrics suit outputs of `width` columns.
  [[nodiscard]] absl::Status CheckRequests(int64_t width) const;
  double RocAuc() const;

  MetricKind kind_;
  double binary_threshold_;
  int64_t samples_ = 0;
  int64_t correct_ = 0;
  int64_t elements_ = 0;
  double squared_error_ = 0;
  double absolute_error_ = 0;
  ConfusionMatrix confusion_;
  std::vector<MetricRequest> extra_;
  // Per top-k request, in extra_'s order (0 for the others): samples hit.
  std::vector<int64_t> top_k_hits_;
  // For ROC AUC: each sample's score and whether it is of class 1.
  bool wants_auc_ = false;
  std::vector<std::pair<double, bool>> scored_;
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

// Each class's precision, recall, F1 and support, and their macro average,
// as an aligned table (scikit-learn's classification_report):
//
//   class      precision  recall     f1  support
//   neg            1.000   0.750  0.857        4
//   pos            0.667   1.000  0.800        2
//   macro avg      0.833   0.875  0.829        6
std::string FormatClassScores(const ConfusionMatrix& matrix,
                              absl::Span<const std::string> class_names);

}  // namespace nabla

#endif  // NABLA_CORE_RUN_METRICS_H_
