#include "core/model_data.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace nabla {

[[nodiscard]] absl::StatusOr<ModelData> LoadModelData(
    const Graph& graph, const DataConfig& config, absl::string_view source,
    const DataSourceContext& context, const Normalizer* restored) {
  ModelData data;
  NABLA_ASSIGN_OR_RETURN(data.training,
                         Dataset::FromConfig(graph, config, source, context));
  // Validation and test labels take the training data's class indices.
  DataSourceContext split_context = context;
  for (const std::string& placeholder : data.training.placeholders()) {
    std::vector<std::string> names = data.training.class_names(placeholder);
    if (!names.empty()) {
      split_context.training_classes[placeholder] = std::move(names);
    }
  }
  const bool has_validation =
      config.validation().feed_size() + config.validation().source_size() > 0;
  if (config.validation_fraction() != 0) {
    if (has_validation) {
      return absl::InvalidArgumentError(
          absl::StrCat(source,
                       ": data has both validation data and a "
                       "validation_fraction; choose one"));
    }
    auto held_out = data.training.HoldOut(config.validation_fraction(),
                                          config.holdout_seed());
    if (!held_out.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": data.", held_out.status().message()));
    }
    data.validation = *std::move(held_out);
  } else if (has_validation) {
    NABLA_ASSIGN_OR_RETURN(
        data.validation, Dataset::FromSplit(graph, config.validation(), source,
                                            "validation", split_context));
  }
  if (config.test().feed_size() + config.test().source_size() > 0) {
    NABLA_ASSIGN_OR_RETURN(
        data.test, Dataset::FromSplit(graph, config.test(), source, "test",
                                      split_context));
  }
  if (restored != nullptr && !restored->empty()) {
    data.normalizer = *restored;
  } else {
    NABLA_ASSIGN_OR_RETURN(
        data.normalizer,
        Normalizer::Fit(config.normalize(), data.training, source));
  }
  NABLA_RETURN_IF_ERROR(data.normalizer.ApplyTo(data.training));
  NABLA_RETURN_IF_ERROR(data.normalizer.ApplyTo(data.validation));
  NABLA_RETURN_IF_ERROR(data.normalizer.ApplyTo(data.test));
  return data;
}

}  // namespace nabla
