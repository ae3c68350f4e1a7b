#include "core/normalization.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace nabla {
namespace {

// Values per sample that share one statistic: the last axis's size, or all
// of a sample's values when one statistic covers them.
int64_t ColumnsOf(const Shape& shape) {
  return shape.rank() < 2 ? 1 : shape.dim(shape.rank() - 1);
}

// Welford's running mean and sum of squared deviations: E[x^2] - mean^2
// would lose the variance of columns with a large mean (timestamps).
struct Accumulator {
  double count = 0, mean = 0, squared_deviations = 0;
  double min = INFINITY, max = -INFINITY, max_abs = 0;
  void Add(double x) {
    ++count;
    const double delta = x - mean;
    mean += delta / count;
    squared_deviations += delta * (x - mean);
    min = std::min(min, x);
    max = std::max(max, x);
    max_abs = std::max(max_abs, std::abs(x));
  }
};

// The (offset, scale) of one column; a scale of 0 (no spread) becomes 1 so
// the column passes through shifted only.
void StatsFor(NormalizationDef::Method method, const Accumulator& a,
              double* offset, double* scale) {
  switch (method) {
    case NormalizationDef::STANDARDIZE:
      *offset = a.mean;
      *scale = std::sqrt(a.squared_deviations / a.count);
      break;
    case NormalizationDef::MIN_MAX:
      *offset = a.min;
      *scale = a.max - a.min;
      break;
    default:  // DIVIDE_BY_MAX
      *offset = 0;
      *scale = a.max_abs;
      break;
  }
  if (!(*scale > 0)) *scale = 1;
}

}  // namespace

absl::StatusOr<Normalizer> Normalizer::Fit(
    const google::protobuf::RepeatedPtrField<NormalizationDef>& defs,
    const Dataset& training, absl::string_view source) {
  Normalizer normalizer;
  for (const NormalizationDef& def : defs) {
    const std::string where =
        absl::StrCat(source, ": data.normalize for '", def.placeholder(), "'");
    if (def.method() == NormalizationDef::METHOD_UNSET) {
      return absl::InvalidArgumentError(
          absl::StrCat(where,
                       ": method is not set (STANDARDIZE, MIN_MAX or "
                       "DIVIDE_BY_MAX)"));
    }
    if (normalizer.Find(def.placeholder()) != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": the placeholder is normalised twice"));
    }
    const Tensor* samples = training.samples(def.placeholder());
    if (samples == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": the training data does not feed this placeholder"));
    }
    const int64_t columns = def.all_values() ? 1 : ColumnsOf(samples->shape());
    std::vector<Accumulator> columns_seen(columns);
    const int64_t n = samples->num_elements();
    for (int64_t i = 0; i < n; ++i) {
      const double x = samples->ValueAt(i);
      if (!std::isfinite(x)) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": sample value ", i, " is ", x));
      }
      columns_seen[def.all_values() ? 0 : i % columns].Add(x);
    }
    Stats stats{def.placeholder(), def.method(), {}, {}};
    for (const Accumulator& a : columns_seen) {
      double offset = 0, scale = 1;
      if (a.count > 0) StatsFor(def.method(), a, &offset, &scale);
      stats.offset.push_back(offset);
      stats.scale.push_back(scale);
    }
    normalizer.stats_.push_back(std::move(stats));
  }
  return normalizer;
}

absl::StatusOr<Normalizer> Normalizer::FromProto(
    const google::protobuf::RepeatedPtrField<NormalizationStats>& stats,
    absl::string_view what) {
  Normalizer normalizer;
  for (const NormalizationStats& s : stats) {
    NormalizationDef::Method method;
    if (!NormalizationDef::Method_Parse(s.method(), &method) ||
        method == NormalizationDef::METHOD_UNSET) {
      return absl::DataLossError(
          absl::StrCat(what, ": unknown normalisation method '", s.method(),
                       "' for '", s.placeholder(), "'"));
    }
    if (s.offset_size() != s.scale_size() || s.offset_size() == 0) {
      return absl::DataLossError(absl::StrCat(
          what, ": normalisation of '", s.placeholder(), "' has ",
          s.offset_size(), " offsets and ", s.scale_size(), " scales"));
    }
    for (double scale : s.scale()) {
      if (!(scale > 0) || !std::isfinite(scale)) {
        return absl::DataLossError(absl::StrCat(what, ": normalisation of '",
                                                s.placeholder(), "' has scale ",
                                                scale));
      }
    }
    for (double offset : s.offset()) {
      if (!std::isfinite(offset)) {
        return absl::DataLossError(absl::StrCat(what, ": normalisation of '",
                                                s.placeholder(),
                                                "' has offset ", offset));
      }
    }
    for (const NormalizationStats& earlier : stats) {
      if (&earlier == &s) break;
      if (earlier.placeholder() == s.placeholder()) {
        return absl::DataLossError(absl::StrCat(what, ": '", s.placeholder(),
                                                "' is normalised twice"));
      }
    }
    normalizer.stats_.push_back({s.placeholder(),
                                 method,
                                 {s.offset().begin(), s.offset().end()},
                                 {s.scale().begin(), s.scale().end()}});
  }
  return normalizer;
}

void Normalizer::ToProto(
    google::protobuf::RepeatedPtrField<NormalizationStats>* out) const {
  out->Clear();
  for (const Stats& s : stats_) {
    NormalizationStats* proto = out->Add();
    proto->set_placeholder(s.placeholder);
    proto->set_method(NormalizationDef::Method_Name(s.method));
    for (double offset : s.offset) proto->add_offset(offset);
    for (double scale : s.scale) proto->add_scale(scale);
  }
}

const Normalizer::Stats* Normalizer::Find(absl::string_view placeholder) const {
  for (const Stats& s : stats_) {
    if (s.placeholder == placeholder) return &s;
  }
  return nullptr;
}

absl::Status Normalizer::Transform(absl::string_view placeholder,
                                   Tensor& values, bool invert) const {
  const Stats* stats = Find(placeholder);
  if (stats == nullptr) return absl::OkStatus();
  const int64_t columns = static_cast<int64_t>(stats->offset.size());
  if (columns > 1 && ColumnsOf(values.shape()) != columns) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", placeholder, "' was normalised with ", columns,
        " columns, but these values have shape ", values.shape().ToString()));
  }
  DispatchFloat(values.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* p = values.data<T>();
    const int64_t n = values.num_elements();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t c = columns == 1 ? 0 : i % columns;
      const double x = p[i];
      p[i] = static_cast<T>(invert ? x * stats->scale[c] + stats->offset[c]
                                   : (x - stats->offset[c]) / stats->scale[c]);
    }
  });
  return absl::OkStatus();
}

absl::Status Normalizer::Apply(absl::string_view placeholder,
                               Tensor& values) const {
  return Transform(placeholder, values, /*invert=*/false);
}

absl::Status Normalizer::Invert(absl::string_view placeholder,
                                Tensor& values) const {
  return Transform(placeholder, values, /*invert=*/true);
}

absl::Status Normalizer::ApplyTo(Dataset& data) const {
  for (const Stats& s : stats_) {
    Tensor* samples = data.mutable_samples(s.placeholder);
    if (samples == nullptr) continue;
    absl::Status status = Apply(s.placeholder, *samples);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace nabla
