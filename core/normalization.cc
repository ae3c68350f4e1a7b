#include "core/normalization.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

// Values per sample that share one statistic: the last axis's size, or all
// of a sample's values when one statistic covers them.
int64_t ColumnsOf(const Shape& shape) {
  return shape.rank() < 2 ? 1 : shape.dim(shape.rank() - 1);
}

// The (offset, scale) of one column; a scale of 0 (no spread) becomes 1 so
// the column passes through shifted only.
template <typename Accumulator>
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
  NABLA_ASSIGN_OR_RETURN(NormalizerFitter fitter,
                         NormalizerFitter::Create(defs, source));
  NABLA_RETURN_IF_ERROR(fitter.Add(training));
  return fitter.Finish();
}

void NormalizerFitter::Accumulator::Add(double x) {
  ++count;
  const double delta = x - mean;
  mean += delta / count;
  squared_deviations += delta * (x - mean);
  min = std::min(min, x);
  max = std::max(max, x);
  max_abs = std::max(max_abs, std::abs(x));
}

absl::StatusOr<NormalizerFitter> NormalizerFitter::Create(
    const google::protobuf::RepeatedPtrField<NormalizationDef>& defs,
    absl::string_view source) {
  NormalizerFitter fitter;
  for (const NormalizationDef& def : defs) {
    const std::string where =
        absl::StrCat(source, ": data.normalize for '", def.placeholder(), "'");
    if (def.method() == NormalizationDef::METHOD_UNSET) {
      return absl::InvalidArgumentError(
          absl::StrCat(where,
                       ": method is not set (STANDARDIZE, MIN_MAX or "
                       "DIVIDE_BY_MAX)"));
    }
    for (const Fit& earlier : fitter.fits_) {
      if (earlier.def.placeholder() == def.placeholder()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": the placeholder is normalised twice"));
      }
    }
    fitter.fits_.push_back({def, where, {}, 0});
  }
  return fitter;
}

absl::Status NormalizerFitter::Add(const Dataset& part) {
  for (Fit& fit : fits_) {
    const Tensor* samples = part.samples(fit.def.placeholder());
    if (samples == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          fit.where, ": the training data does not feed this placeholder"));
    }
    const int64_t columns =
        fit.def.all_values() ? 1 : ColumnsOf(samples->shape());
    if (fit.columns.empty()) fit.columns.resize(columns);
    if (static_cast<int64_t>(fit.columns.size()) != columns) {
      return absl::InvalidArgumentError(absl::StrCat(fit.where, ": ", columns,
                                                     " columns, but earlier "
                                                     "samples had ",
                                                     fit.columns.size()));
    }
    const int64_t n = samples->num_elements();
    for (int64_t i = 0; i < n; ++i) {
      const double x = samples->ValueAt(i);
      if (!std::isfinite(x)) {
        return absl::InvalidArgumentError(absl::StrCat(
            fit.where, ": sample value ", fit.values_seen + i, " is ", x));
      }
      fit.columns[fit.def.all_values() ? 0 : i % columns].Add(x);
    }
    fit.values_seen += n;
  }
  return absl::OkStatus();
}

Normalizer NormalizerFitter::Finish() const {
  Normalizer normalizer;
  for (const Fit& fit : fits_) {
    Normalizer::Stats stats{fit.def.placeholder(), fit.def.method(), {}, {}};
    for (const Accumulator& a : fit.columns) {
      double offset = 0, scale = 1;
      if (a.count > 0) StatsFor(fit.def.method(), a, &offset, &scale);
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
