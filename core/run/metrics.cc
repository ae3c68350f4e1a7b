#include "core/run/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
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

// How many classes come before class `c` in argmax's order: a higher
// output, or an equal one at a lower index. A NaN output of `c` comes last.
template <typename T>
int64_t RankOf(const T* row, int64_t n, int64_t c) {
  if (std::isnan(row[c])) return n;
  int64_t rank = 0;
  for (int64_t i = 0; i < n; ++i) {
    rank += row[i] > row[c] || (i < c && row[i] == row[c]);
  }
  return rank;
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

[[nodiscard]] absl::StatusOr<std::vector<MetricRequest>> ParseMetricRequests(
    absl::Span<const std::string> names) {
  std::vector<MetricRequest> requests;
  for (const std::string& name : names) {
    MetricRequest request;
    request.name = name;
    int64_t k = 0;
    if (name == "precision") {
      request.kind = MetricRequest::Kind::kPrecision;
    } else if (name == "recall") {
      request.kind = MetricRequest::Kind::kRecall;
    } else if (name == "f1") {
      request.kind = MetricRequest::Kind::kF1;
    } else if (name == "auc") {
      request.kind = MetricRequest::Kind::kAuc;
    } else if (absl::StartsWith(name, "top") &&
               absl::SimpleAtoi(name.substr(3), &k) && k >= 1 &&
               name.substr(3) == absl::StrCat(k)) {
      request.kind = MetricRequest::Kind::kTopK;
      request.k = k;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown metric \"", absl::CEscape(name),
          "\": the metrics besides accuracy are precision, recall, f1, auc "
          "and top<k> (e.g. top5)"));
    }
    for (const MetricRequest& earlier : requests) {
      if (earlier.name == name) {
        return absl::InvalidArgumentError(
            absl::StrCat("metric \"", name, "\" is named twice"));
      }
    }
    requests.push_back(std::move(request));
  }
  return requests;
}

std::vector<ClassScores> PerClassScores(const ConfusionMatrix& matrix) {
  const int64_t c = matrix.num_classes;
  std::vector<ClassScores> scores(c);
  auto ratio = [](int64_t a, int64_t b) {
    return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
  };
  for (int64_t k = 0; k < c; ++k) {
    int64_t predicted = 0, actual = 0;
    for (int64_t j = 0; j < c; ++j) {
      predicted += matrix.at(j, k);
      actual += matrix.at(k, j);
    }
    ClassScores& s = scores[k];
    s.support = actual;
    s.precision = ratio(matrix.at(k, k), predicted);
    s.recall = ratio(matrix.at(k, k), actual);
    s.f1 = s.precision + s.recall > 0
               ? 2 * s.precision * s.recall / (s.precision + s.recall)
               : 0;
  }
  return scores;
}

ClassScores MacroAverage(const ConfusionMatrix& matrix) {
  ClassScores mean;
  int64_t present = 0;
  const std::vector<ClassScores> scores = PerClassScores(matrix);
  for (int64_t k = 0; k < matrix.num_classes; ++k) {
    int64_t predicted = 0;
    for (int64_t j = 0; j < matrix.num_classes; ++j) {
      predicted += matrix.at(j, k);
    }
    mean.support += scores[k].support;
    // A class neither true nor predicted anywhere does not count.
    if (scores[k].support == 0 && predicted == 0) continue;
    ++present;
    mean.precision += scores[k].precision;
    mean.recall += scores[k].recall;
    mean.f1 += scores[k].f1;
  }
  if (present > 0) {
    mean.precision /= present;
    mean.recall /= present;
    mean.f1 /= present;
  }
  return mean;
}

EpochMetrics::EpochMetrics(MetricKind kind, double binary_threshold,
                           std::vector<MetricRequest> extra)
    : kind_(kind),
      binary_threshold_(binary_threshold),
      extra_(std::move(extra)),
      top_k_hits_(extra_.size(), 0) {
  for (const MetricRequest& request : extra_) {
    wants_auc_ |= request.kind == MetricRequest::Kind::kAuc;
  }
}

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

absl::Status EpochMetrics::CheckRequests(int64_t width) const {
  for (const MetricRequest& request : extra_) {
    if (request.kind == MetricRequest::Kind::kTopK && width == 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metrics: ", request.name,
          " ranks one output column per class, but the outputs have one "
          "column"));
    }
    if (request.kind == MetricRequest::Kind::kAuc && width > 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metrics: auc is ROC AUC of two classes, but the outputs have ",
          width));
    }
  }
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
  absl::Status status = CheckRequests(width);
  if (status.ok()) status = SetClassCount(num_classes);
  if (!status.ok()) return status;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t predicted, truth;
    const O* row = out + r * width;
    if (binary) {
      predicted = row[0] > binary_threshold_ ? 1 : 0;
      truth = tgt[r] > 0.5 ? 1 : 0;
    } else {
      predicted = ArgMax(row, width);
      truth = indices ? static_cast<int64_t>(tgt[r])
                      : ArgMax(tgt + r * width, width);
    }
    ++confusion_.counts[truth * num_classes + predicted];
    correct_ += predicted == truth;
    for (size_t i = 0; i < extra_.size(); ++i) {
      if (extra_[i].kind == MetricRequest::Kind::kTopK) {
        top_k_hits_[i] += RankOf(row, width, truth) < extra_[i].k;
      }
    }
    if (wants_auc_) {
      const double score =
          binary ? static_cast<double>(row[0])
                 : static_cast<double>(row[1]) - static_cast<double>(row[0]);
      scored_.emplace_back(score, truth == 1);
    }
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
  std::fill(top_k_hits_.begin(), top_k_hits_.end(), 0);
  scored_.clear();  // keeps its capacity for the next epoch
}

namespace {

// Fixed-size values appended to, and read back from, a byte string.
template <typename T>
void Put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

template <typename T>
bool Take(absl::string_view& in, T* value) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(value, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return true;
}

}  // namespace

std::string EpochMetrics::Encode() const {
  std::string out;
  Put<int64_t>(out, static_cast<int64_t>(kind_));
  Put(out, samples_);
  Put(out, correct_);
  Put(out, elements_);
  Put(out, squared_error_);
  Put(out, absolute_error_);
  Put(out, confusion_.num_classes);
  for (int64_t count : confusion_.counts) Put(out, count);
  Put<int64_t>(out, static_cast<int64_t>(top_k_hits_.size()));
  for (int64_t hits : top_k_hits_) Put(out, hits);
  Put<int64_t>(out, static_cast<int64_t>(scored_.size()));
  for (const auto& [score, positive] : scored_) {
    Put(out, score);
    Put<uint8_t>(out, positive ? 1 : 0);
  }
  return out;
}

absl::Status EpochMetrics::AddEncoded(absl::string_view bytes) {
  const auto bad = [] {
    return absl::InvalidArgumentError(
        "metrics: the encoded metrics are of another kind or cut short");
  };
  int64_t kind, samples, correct, elements, classes, hits_size, scored_size;
  double squared, absolute;
  if (!Take(bytes, &kind) || kind != static_cast<int64_t>(kind_) ||
      !Take(bytes, &samples) || !Take(bytes, &correct) ||
      !Take(bytes, &elements) || !Take(bytes, &squared) ||
      !Take(bytes, &absolute) || !Take(bytes, &classes) || classes < 0 ||
      bytes.size() / sizeof(int64_t) <
          static_cast<size_t>(classes) * static_cast<size_t>(classes)) {
    return bad();
  }
  std::vector<int64_t> counts(classes * classes);
  for (int64_t& count : counts) Take(bytes, &count);
  if (!Take(bytes, &hits_size) ||
      hits_size != static_cast<int64_t>(top_k_hits_.size())) {
    return bad();
  }
  std::vector<int64_t> hits(hits_size);
  for (int64_t& h : hits) {
    if (!Take(bytes, &h)) return bad();
  }
  if (!Take(bytes, &scored_size) || scored_size < 0 ||
      bytes.size() != static_cast<size_t>(scored_size) * 9) {
    return bad();
  }
  if (classes != 0) {
    absl::Status status = SetClassCount(classes);
    if (!status.ok()) return status;
  }
  samples_ += samples;
  correct_ += correct;
  elements_ += elements;
  squared_error_ += squared;
  absolute_error_ += absolute;
  for (size_t i = 0; i < counts.size(); ++i) confusion_.counts[i] += counts[i];
  for (size_t i = 0; i < hits.size(); ++i) top_k_hits_[i] += hits[i];
  for (int64_t i = 0; i < scored_size; ++i) {
    double score;
    uint8_t positive;
    Take(bytes, &score);
    Take(bytes, &positive);
    scored_.emplace_back(score, positive != 0);
  }
  return absl::OkStatus();
}

// The Mann-Whitney statistic: the chance that a random sample of class 1
// scores above a random one of class 0, ties counting half.
double EpochMetrics::RocAuc() const {
  std::vector<std::pair<double, bool>> sorted = scored_;
  int64_t positives = 0;
  for (const auto& [score, positive] : sorted) {
    if (std::isnan(score)) return kNaN;
    positives += positive;
  }
  const int64_t negatives = static_cast<int64_t>(sorted.size()) - positives;
  if (positives == 0 || negatives == 0) return kNaN;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  // Sum of the 1-based ranks of the positives, ties sharing their mean rank.
  double rank_sum = 0;
  for (size_t begin = 0; begin < sorted.size();) {
    size_t end = begin;
    int64_t tied_positives = 0;
    while (end < sorted.size() && sorted[end].first == sorted[begin].first) {
      tied_positives += sorted[end].second;
      ++end;
    }
    const double mean_rank = (static_cast<double>(begin + 1 + end)) / 2;
    rank_sum += mean_rank * static_cast<double>(tied_positives);
    begin = end;
  }
  const double p = static_cast<double>(positives);
  return (rank_sum - p * (p + 1) / 2) / (p * static_cast<double>(negatives));
}

double EpochMetrics::Value(const MetricRequest& request) const {
  if (kind_ != MetricKind::kClassification || samples_ == 0) return kNaN;
  const bool binary = confusion_.num_classes == 2;
  const ClassScores scores =
      binary ? PerClassScores(confusion_)[1] : MacroAverage(confusion_);
  switch (request.kind) {
    case MetricRequest::Kind::kPrecision:
      return scores.precision;
    case MetricRequest::Kind::kRecall:
      return scores.recall;
    case MetricRequest::Kind::kF1:
      return scores.f1;
    case MetricRequest::Kind::kAuc:
      return RocAuc();
    case MetricRequest::Kind::kTopK:
      for (size_t i = 0; i < extra_.size(); ++i) {
        if (extra_[i].name == request.name) {
          return static_cast<double>(top_k_hits_[i]) /
                 static_cast<double>(samples_);
        }
      }
      return kNaN;
  }
  return kNaN;
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
  if (kind_ == MetricKind::kRegression) return {{"mse", mse()}, {"mae", mae()}};
  std::vector<NamedMetric> results = {{"accuracy", accuracy()}};
  for (const MetricRequest& request : extra_) {
    results.push_back({request.name, Value(request)});
  }
  return results;
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

std::string FormatClassScores(const ConfusionMatrix& matrix,
                              absl::Span<const std::string> class_names) {
  constexpr absl::string_view kMacro = "macro avg";
  size_t label_width = kMacro.size();
  for (int64_t c = 0; c < matrix.num_classes; ++c) {
    label_width = std::max(label_width, ClassName(class_names, c).size());
  }
  const int width = static_cast<int>(label_width);
  auto line = [&](absl::string_view label, const ClassScores& s) {
    return absl::StrFormat("%-*s  %9.3f  %6.3f  %5.3f  %7d\n", width, label,
                           s.precision, s.recall, s.f1, s.support);
  };
  std::string out = absl::StrFormat("%-*s  precision  recall     f1  support\n",
                                    width, "class");
  const std::vector<ClassScores> scores = PerClassScores(matrix);
  for (int64_t c = 0; c < matrix.num_classes; ++c) {
    absl::StrAppend(&out, line(ClassName(class_names, c), scores[c]));
  }
  absl::StrAppend(&out, line(kMacro, MacroAverage(matrix)));
  return out;
}

}  // namespace nabla
