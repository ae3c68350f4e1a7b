// The data of a model file, ready to train on: the training, validation and
// test sets its data section describes, normalised with statistics fitted
// on the training set (or restored from a checkpoint).
#ifndef NABLA_CORE_MODEL_DATA_H_
#define NABLA_CORE_MODEL_DATA_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/data_source.h"
#include "core/dataset.h"
#include "core/graph.h"
#include "core/normalization.h"
#include "proto/model.pb.h"

namespace nabla {

struct ModelData {
  Dataset training;
  // Empty when the model has none.
  Dataset validation;
  Dataset test;
  Normalizer normalizer;
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
