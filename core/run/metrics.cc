#include "core/run/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace nabla {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <typename T>
int64_t ArgMax(const T* row, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i) {
    if (row[i] > row[best]) best = i;
  }
  return best;
}

// Reads a stored class index, or -1 when `v` is not one of 0..C-1.
template <typename T>
int64_t ClassIndex(T v, int64_t num_classes) {
  if (!(v >= 0 && v < static_cast<T>(num_classes)) || v != std::floor(v)) {
    return -1;
  }
  return static_cast<int64_t>(v);
}

// Calls fn(O{}, T{}) for the element types of outputs and targets.
template <typename Fn>
[[nodiscard]] absl::Status DispatchPair(const Tensor& outputs,
                                        const Tensor& targets, Fn&& fn) {
  return DispatchFloat(outputs.dtype(), [&](auto o) {
    return DispatchFloat(targets.dtype(), [&](auto t) { return fn(o, t); });
  });
}

}  // namespace

MetricKind MetricKindForLoss(absl::string_view loss_op) {
  static constexpr absl::string_view kClassificationLosses[] = {
      "SoftmaxCrossEntropy", "SparseSoftmaxCrossEntropy", "SigmoidCrossEntropy",
      "BinaryCrossEntropy", "Hinge"};
  for (absl::string_view name : kClassificationLosses) {
    if (loss_op == name) return MetricKind::kClassification;
  }
  return MetricKind::kRegression;
}

double BinaryThresholdForLoss(absl::string_view loss_op) {
  return loss_op == "SigmoidCrossEntropy" || loss_op == "Hinge" ? 0.0 : 0.5;
}

EpochMetrics::EpochMetrics(MetricKind kind, double binary_threshold)
    : kind_(kind), binary_threshold_(binary_threshold) {}

absl::Status EpochMetrics::Add(const Tensor& outputs, const Tensor& targets) {
  return DispatchPair(outputs, targets, [&](auto o, auto t) {
    using O = decltype(o);
    using T = decltype(t);
    return kind_ == MetricKind::kClassification
               ? AddClassification<O, T>(outputs, targets)
               : AddRegression<O, T>(outputs, targets);
  });
}

absl::Status EpochMetrics::SetClassCount(int64_t num_classes) {
  if (confusion_.num_classes == num_classes) return absl::OkStatus();
  if (confusion_.num_classes != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics: outputs have ", num_classes,
        " classes, but earlier batches had ", confusion_.num_classes));
  }
  confusion_.num_classes = num_classes;
  confusion_.counts.assign(num_classes * num_classes, 0);
  return absl::OkStatus();
}

template <typename O, typename T>
absl::Status EpochMetrics::AddClassification(const Tensor& outputs,
                                             const Tensor& targets) {
  const Shape& shape = outputs.shape();
  if (shape.rank() == 0) {
    return absl::InvalidArgumentError(
        "metrics: classification outputs need one row per sample, got a "
        "scalar");
  }
  const bool binary = shape.rank() == 1 || shape.dim(shape.rank() - 1) == 1;
  const int64_t width = binary ? 1 : shape.dim(shape.rank() - 1);
  const int64_t rows = outputs.num_elements() / width;
  const bool indices = binary || targets.num_elements() == rows;
  if (targets.num_elements() != (indices ? rows : rows * width)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics: outputs ", shape.ToString(), " need ", rows,
        " class indices or ", rows * width, " one-hot labels as targets, got ",
        targets.shape().ToString()));
  }
  const O* out = outputs.data<O>();
  const T* tgt = targets.data<T>();
  const int64_t num_classes = binary ? 2 : width;
  if (indices && !binary) {
    for (int64_t r = 0; r < rows; ++r) {
      if (ClassIndex(tgt[r], num_classes) < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("metrics: target of sample ", r, " is ", tgt[r],
                         ", not a class index in [0, ", num_classes, ")"));
      }
    }
  }
  absl::Status status = SetClassCount(num_classes);
  if (!status.ok()) return status;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t predicted, truth;
    if (binary) {
      predicted = out[r] > binary_threshold_ ? 1 : 0;
      truth = tgt[r] > 0.5 ? 1 : 0;
    } else {
      predicted = ArgMax(out + r * width, width);
      truth = indices ? static_cast<int64_t>(tgt[r])
                      : ArgMax(tgt + r * width, width);
    }
    ++confusion_.counts[truth * num_classes + predicted];
    correct_ += predicted == truth;
  }
  samples_ += rows;
  return absl::OkStatus();
}

template <typename O, typename T>
absl::Status EpochMetrics::AddRegression(const Tensor& outputs,
                                         const Tensor& targets) {
  const int64_t n = outputs.num_elements();
  if (targets.num_elements() != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics: outputs ", outputs.shape().ToString(), " and targets ",
        targets.shape().ToString(), " differ in size"));
  }
  const O* out = outputs.data<O>();
  const T* tgt = targets.data<T>();
  double squared = 0, absolute = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(out[i]) - static_cast<double>(tgt[i]);
    squared += d * d;
    absolute += std::fabs(d);
  }
  squared_error_ += squared;
  absolute_error_ += absolute;
  elements_ += n;
  samples_ += outputs.shape().rank() == 0 ? 1 : outputs.shape().dim(0);
  return absl::OkStatus();
}

void EpochMetrics::Reset() {
  samples_ = correct_ = elements_ = 0;
  squared_error_ = absolute_error_ = 0;
  std::fill(confusion_.counts.begin(), confusion_.counts.end(), 0);
}

double EpochMetrics::accuracy() const {
  if (kind_ != MetricKind::kClassification || samples_ == 0) return kNaN;
  return static_cast<double>(correct_) / static_cast<double>(samples_);
}

double EpochMetrics::mse() const {
  if (kind_ != MetricKind::kRegression || elements_ == 0) return kNaN;
  return squared_error_ / static_cast<double>(elements_);
}

double EpochMetrics::mae() const {
  if (kind_ != MetricKind::kRegression || elements_ == 0) return kNaN;
  return absolute_error_ / static_cast<double>(elements_);
}

std::vector<NamedMetric> EpochMetrics::Results() const {
  if (kind_ == MetricKind::kClassification) return {{"accuracy", accuracy()}};
  return {{"mse", mse()}, {"mae", mae()}};
}

namespace {

std::string ClassName(absl::Span<const std::string> names, int64_t c) {
  return c < static_cast<int64_t>(names.size()) ? names[c] : absl::StrCat(c);
}

std::string Recall(const ConfusionMatrix& m, int64_t t) {
  int64_t total = 0;
  for (int64_t p = 0; p < m.num_classes; ++p) total += m.at(t, p);
  if (total == 0) return "-";
  return absl::StrFormat("%.3f", static_cast<double>(m.at(t, t)) / total);
}

}  // namespace

namespace {

// The table with columns headed by the class names, or, `by_index`, by
// the class indices with rows labelled "index name".
std::string ConfusionTable(const ConfusionMatrix& matrix,
                           absl::Span<const std::string> class_names,
                           bool by_index) {
  const int64_t c = matrix.num_classes;
  constexpr absl::string_view kCorner = "true\\pred";
  constexpr absl::string_view kRecall = "recall";
  auto column = [&](int64_t j) {
    return by_index ? absl::StrCat(j) : ClassName(class_names, j);
  };
  auto row = [&](int64_t t) {
    const bool named = t < static_cast<int64_t>(class_names.size());
    return by_index && named ? absl::StrCat(t, " ", class_names[t])
                             : ClassName(class_names, t);
  };
  int label_width = kCorner.size();
  std::vector<int> widths(c);
  for (int64_t j = 0; j < c; ++j) {
    label_width = std::max<int>(label_width, row(j).size());
    widths[j] = column(j).size();
    for (int64_t t = 0; t < c; ++t) {
      widths[j] =
          std::max<int>(widths[j], absl::StrCat(matrix.at(t, j)).size());
    }
  }
  // Narrow columns of indices need only one blank between them.
  const int gap = by_index ? 1 : 2;
  std::string out = absl::StrFormat("%-*s", label_width, kCorner);
  for (int64_t j = 0; j < c; ++j) {
    absl::StrAppendFormat(&out, "%*s", gap + widths[j], column(j));
  }
  absl::StrAppend(&out, "  ", kRecall, "\n");
  for (int64_t t = 0; t < c; ++t) {
    absl::StrAppendFormat(&out, "%-*s", label_width, row(t));
    for (int64_t j = 0; j < c; ++j) {
      absl::StrAppendFormat(&out, "%*d", gap + widths[j], matrix.at(t, j));
    }
    absl::StrAppendFormat(&out, "  %*s\n", static_cast<int>(kRecall.size()),
                          Recall(matrix, t));
  }
  return out;
}

}  // namespace

std::string FormatConfusionMatrix(const ConfusionMatrix& matrix,
                                  absl::Span<const std::string> class_names) {
  // Names as column headings while the table fits 80 columns; else the
  // columns take the class indices, which the rows spell out.
  constexpr size_t kMaxWidth = 80;
  std::string named = ConfusionTable(matrix, class_names, false);
  if (named.find('\n') <= kMaxWidth || class_names.empty()) return named;
  return ConfusionTable(matrix, class_names, true);
}

}  // namespace nabla
