// Normalisation of placeholders' samples, as a model file declares it:
//
//   data { normalize { placeholder: "x" method: STANDARDIZE } }
//
// Statistics are fitted on the training data only, then applied to every
// split and to prediction inputs, and saved in checkpoints so that a model
// restored for prediction rescales its inputs exactly as in training. A
// normalised regression target is mapped back to its units with Invert().
#ifndef NABLA_CORE_NORMALIZATION_H_
#define NABLA_CORE_NORMALIZATION_H_

#include <cmath>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/dataset.h"
#include "core/tensor.h"
#include "google/protobuf/repeated_field.h"
#include "proto/checkpoint.pb.h"
#include "proto/model.pb.h"

namespace nabla {

class Normalizer {
 public:
  Normalizer() = default;

  // Fits each definition on the training samples of its placeholder, one
  // statistic per column (the last axis) unless all_values. A column with
  // no spread (standard deviation, range or maximum 0) is left unscaled.
  // Errors name `source`, the placeholder and the problem.
  [[nodiscard]] static absl::StatusOr<Normalizer> Fit(
      const google::protobuf::RepeatedPtrField<NormalizationDef>& defs,
      const Dataset& training, absl::string_view source);

  // The statistics a checkpoint holds; errors name `what`.
  [[nodiscard]] static absl::StatusOr<Normalizer> FromProto(
      const google::protobuf::RepeatedPtrField<NormalizationStats>& stats,
      absl::string_view what);
  void ToProto(
      google::protobuf::RepeatedPtrField<NormalizationStats>* stats) const;

  bool empty() const { return stats_.empty(); }
  bool Normalizes(absl::string_view placeholder) const {
    return Find(placeholder) != nullptr;
  }

  // x <- (x - offset) / scale, in place, for the samples (or prediction
  // rows) of `placeholder`; nothing when it is not normalised.
  // InvalidArgument when the column count differs from the fitted one.
  [[nodiscard]] absl::Status Apply(absl::string_view placeholder,
                                   Tensor& values) const;
  // x <- x * scale + offset: back to the original units.
  [[nodiscard]] absl::Status Invert(absl::string_view placeholder,
                                    Tensor& values) const;
  // Apply() to every normalised placeholder the data set feeds.
  [[nodiscard]] absl::Status ApplyTo(Dataset& data) const;

 private:
  struct Stats {
    std::string placeholder;
    NormalizationDef::Method method;
    // One per column, or one for all values.
    std::vector<double> offset;
    std::vector<double> scale;
  };
  friend class NormalizerFitter;
  const Stats* Find(absl::string_view placeholder) const;
  [[nodiscard]] absl::Status Transform(absl::string_view placeholder,
                                       Tensor& values, bool invert) const;

  std::vector<Stats> stats_;
};

// Fits a Normalizer on training samples that come in parts, such as the
// chunks of data streamed from disk: Add() each part, then Finish(). The
// statistics are those of all the parts at once (Normalizer::Fit is one
// part).
class NormalizerFitter {
 public:
  // Checks every definition: a method, and each placeholder once. Errors
  // name `source`.
  [[nodiscard]] static absl::StatusOr<NormalizerFitter> Create(
      const google::protobuf::RepeatedPtrField<NormalizationDef>& defs,
      absl::string_view source);

  // The samples of one part; each placeholder normalised must be fed, with
  // the same number of columns in every part, and finite values.
  [[nodiscard]] absl::Status Add(const Dataset& part);
  Normalizer Finish() const;

 private:
  // Welford's running mean and sum of squared deviations: E[x^2] - mean^2
  // would lose the variance of columns with a large mean (timestamps).
  struct Accumulator {
    double count = 0, mean = 0, squared_deviations = 0;
    double min = INFINITY, max = -INFINITY, max_abs = 0;
    void Add(double x);
  };
  struct Fit {
    NormalizationDef def;
    std::string where;  // names the definition in messages
    std::vector<Accumulator> columns;
    int64_t values_seen = 0;
  };
  std::vector<Fit> fits_;
};

}  // namespace nabla

#endif  // NABLA_CORE_NORMALIZATION_H_
