#include "core/model_data.h"

#include <cmath>
#include <optional>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "core/status_macros.h"

namespace nabla {

namespace {

// The samples round(fraction · total) of `data.<name>`, checked: 0 <
// fraction < 1, and at least one sample held and one left in `left_in`.
[[nodiscard]] absl::StatusOr<int64_t> HeldCount(absl::string_view source,
                                                absl::string_view name,
                                                double fraction, int64_t total,
                                                int64_t left_in) {
  const int64_t held =
      static_cast<int64_t>(std::llround(fraction * static_cast<double>(total)));
  if (!(fraction > 0 && fraction < 1) || held < 1 || held >= left_in) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": data.", name, " ", fraction, " of ", total,
                     " samples must leave at least one sample on each side"));
  }
  return held;
}

// data.stream: the one source streamed into a cache, normalisation fitted
// on the way.
[[nodiscard]] absl::Status LoadStreamed(const Graph& graph,
                                        const DataConfig& config,
                                        absl::string_view source,
                                        const DataSourceContext& context,
                                        const Normalizer* restored,
                                        ModelData& data) {
  if (config.source_size() != 1 || config.feed_size() != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        source,
        ": data.stream streams exactly one data source (its path may "
        "name many files), but the data section has ",
        config.source_size(), " source(s) and ", config.feed_size(),
        " feed(s)"));
  }
  if (config.validation_fraction() != 0 || config.test_fraction() != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        source,
        ": data.stream keeps no training samples in memory to hold "
        "out: give validation and test data sections of their own "
        "instead of validation_fraction and test_fraction"));
  }
  const StreamDef& stream = config.stream();
  if (stream.window_samples() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(source,
                     ": data.stream.window_samples must be >= 0 "
                     "(0: 16 MiB of samples), got ",
                     stream.window_samples()));
  }
  const bool fit = restored == nullptr || restored->empty();
  std::optional<NormalizerFitter> fitter;
  if (fit) {
    NABLA_ASSIGN_OR_RETURN(
        fitter, NormalizerFitter::Create(config.normalize(), source));
  }
  StreamSettings settings;
  settings.window_samples = stream.window_samples();
  settings.cache_dir = stream.cache_dir();
  NABLA_ASSIGN_OR_RETURN(
      data.streamed,
      StreamedData::Build(graph, config.source(0),
                          absl::StrCat(source, ": data source 1 ('",
                                       config.source(0).name(), "')"),
                          context, settings, fit ? &*fitter : nullptr));
  data.normalizer = fit ? fitter->Finish() : *restored;
  return data.streamed->Normalize(data.normalizer);
}

}  // namespace

[[nodiscard]] absl::StatusOr<ModelData> LoadModelData(
    const Graph& graph, const DataConfig& config, absl::string_view source,
    const DataSourceContext& context, const Normalizer* restored,
    absl::string_view class_labels) {
  // Settings of the hold-out, without one, would be ignored.
  if (config.validation_fraction() == 0 && config.test_fraction() == 0 &&
      (config.holdout_seed() != 0 ||
       config.holdout() != DataConfig::HOLDOUT_AUTO)) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": data.",
        config.holdout_seed() != 0 ? "holdout_seed" : "holdout",
        " is set, but neither validation_fraction nor test_fraction holds "
        "samples out: it would have no effect"));
  }
  ModelData data;
  if (config.has_stream()) {
    NABLA_RETURN_IF_ERROR(
        LoadStreamed(graph, config, source, context, restored, data));
  } else {
    NABLA_ASSIGN_OR_RETURN(data.training,
                           Dataset::FromConfig(graph, config, source, context));
  }
  // Validation and test labels take the training data's class indices.
  DataSourceContext split_context = context;
  const std::vector<std::string>& fed = data.streamed != nullptr
                                            ? data.streamed->placeholders()
                                            : data.training.placeholders();
  for (const std::string& placeholder : fed) {
    std::vector<std::string> names = data.training_class_names(placeholder);
    if (!names.empty()) {
      split_context.training_classes[placeholder] = std::move(names);
    }
  }
  const bool has_validation =
      config.validation().feed_size() + config.validation().source_size() > 0;
  const bool has_test =
      config.test().feed_size() + config.test().source_size() > 0;
  for (const auto& [given, fraction, name] :
       {std::tuple(has_validation, config.validation_fraction(), "validation"),
        std::tuple(has_test, config.test_fraction(), "test")}) {
    if (given && fraction != 0) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": data has both ",
                                                     name, " data and a ", name,
                                                     "_fraction; choose one"));
    }
  }
  const absl::string_view strata =
      config.holdout() == DataConfig::HOLDOUT_RANDOM ? "" : class_labels;
  if (config.holdout() == DataConfig::HOLDOUT_STRATIFIED &&
      class_labels.empty() &&
      (config.test_fraction() != 0 || config.validation_fraction() != 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        source,
        ": data.holdout is HOLDOUT_STRATIFIED, but the loss takes no class "
        "labels from a placeholder to stratify by"));
  }
  // Both fractions count the samples given; the test is held out first.
  const int64_t total = data.training.num_samples();
  if (config.test_fraction() != 0) {
    NABLA_ASSIGN_OR_RETURN(const int64_t held,
                           HeldCount(source, "test_fraction",
                                     config.test_fraction(), total, total));
    data.test = data.training.HoldOut(
        held, DeriveSeed(config.holdout_seed(), "test holdout"), strata);
  } else if (has_test) {
    NABLA_ASSIGN_OR_RETURN(
        data.test, Dataset::FromSplit(graph, config.test(), source, "test",
                                      split_context));
  }
  if (config.validation_fraction() != 0) {
    NABLA_ASSIGN_OR_RETURN(
        const int64_t held,
        HeldCount(source, "validation_fraction", config.validation_fraction(),
                  total, data.training.num_samples()));
    data.validation = data.training.HoldOut(
        held, DeriveSeed(config.holdout_seed(), "holdout"), strata);
  } else if (has_validation) {
    NABLA_ASSIGN_OR_RETURN(
        data.validation, Dataset::FromSplit(graph, config.validation(), source,
                                            "validation", split_context));
  }
  if (data.streamed != nullptr) {
    // Fitted while streaming.
  } else if (restored != nullptr && !restored->empty()) {
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
