// The data of a model file, ready to train on: the training, validation and
// test sets its data section describes, normalised with statistics fitted
// on the training set (or restored from a checkpoint).
#ifndef NABLA_CORE_MODEL_DATA_H_
#define NABLA_CORE_MODEL_DATA_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/data_source.h"
#include "core/dataset.h"
#include "core/graph.h"
#include "core/normalization.h"
#include "core/streamed_data.h"
#include "proto/model.pb.h"

namespace nabla {

struct ModelData {
  // Empty when the training data is streamed.
  Dataset training;
  // With data.stream: the training data, read from disk as it trains.
  std::unique_ptr<StreamedData> streamed;
  // Empty when the model has none.
  Dataset validation;
  Dataset test;
  Normalizer normalizer;

  int64_t training_samples() const {
    return streamed != nullptr ? streamed->num_samples()
                               : training.num_samples();
  }
  std::vector<std::string> training_class_names(
      absl::string_view placeholder) const {
    return streamed != nullptr ? streamed->class_names(placeholder)
                               : training.class_names(placeholder);
  }
};

// Loads every split of `config` (training data held out for validation
// when validation_fraction is set), fits the normalisation on the training
// set unless `restored` holds statistics from a checkpoint, and applies it
// to every split. `source` (the model file) and `context` are as in
// Dataset::FromConfig. `class_labels` names the placeholder of the loss's
// class labels, if any: test_fraction and validation_fraction then hold
// out samples stratified by class (unless data.holdout says random).
[[nodiscard]] absl::StatusOr<ModelData> LoadModelData(
    const Graph& graph, const DataConfig& config, absl::string_view source,
    const DataSourceContext& context, const Normalizer* restored = nullptr,
    absl::string_view class_labels = "");

}  // namespace nabla

#endif  // NABLA_CORE_MODEL_DATA_H_
