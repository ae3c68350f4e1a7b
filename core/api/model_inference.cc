// nabla::Model: prediction (on replicas, so that calls may run at once),
// evaluation and the data splits.
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/api/model_state.h"
#include "core/api/tensor_values.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "nabla/model.h"
#include "tools/prediction.h"
#include "tools/run_setup.h"

namespace nabla {
namespace {

using internal::ModelState;

// The prediction section's input placeholder, or why there is none.
absl::StatusOr<int> PredictionInput(const ModelState& state) {
  const PredictionConfig& config = state.parsed.model.prediction();
  if (config.input().empty() || config.output().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        state.parsed.source.name,
        " has no prediction { input output } section: use Run() with "
        "feeds and fetches"));
  }
  const Graph& graph = *state.graph;
  auto input = graph.FindNode(config.input());
  if (!input.ok()) {
    return absl::Status(
        input.status().code(),
        absl::StrCat(state.parsed.source.name,
                     ": prediction.input: ", input.status().message()));
  }
  if (graph.node(*input).op->role() != OpRole::kPlaceholder) {
    return absl::InvalidArgumentError(
        absl::StrCat(state.parsed.source.name, ": prediction.input: ",
                     graph.Describe(*input), " is not a Placeholder"));
  }
  return *input;
}

// prediction.output for `inputs`, in training units (before
// output_units_of maps it back).
absl::StatusOr<Tensor> PredictTensor(ModelState& state, const Values& inputs) {
  NABLA_RETURN_IF_ERROR(PredictionInput(state).status());
  const PredictionConfig& config = state.parsed.model.prediction();
  std::vector<Tensor> tensors;
  std::vector<Feed> feeds;
  NABLA_RETURN_IF_ERROR(MakeFeeds(*state.graph, state.data.normalizer,
                                  {{config.input(), inputs}}, &tensors,
                                  &feeds));
  const std::string fetches[] = {config.output()};
  NABLA_ASSIGN_OR_RETURN(
      std::vector<Tensor> results,
      state.replicas->Run(*state.session, state.version, feeds, fetches));
  Tensor& result = results[0];
  if (result.shape().rank() < 1 || result.shape().dim(0) != inputs.rows()) {
    return absl::InvalidArgumentError(absl::StrCat(
        state.parsed.source.name, ": prediction.output '", config.output(),
        "' has shape ", result.shape().ToString(), " for ", inputs.rows(),
        " input rows, not one row per input row"));
  }
  return std::move(result);
}

std::vector<std::string> ClassNames(const ModelState& state) {
  const auto& names = state.parsed.model.prediction().class_names();
  if (!names.empty()) return {names.begin(), names.end()};
  if (!state.targets.has_value() || !state.targets->has_metrics) return {};
  return state.data.training.class_names(
      state.graph->node(state.targets->targets.node).name);
}

absl::StatusOr<const Dataset*> SplitData(const ModelState& state,
                                         Split split, absl::string_view what) {
  const char* names[] = {"training", "validation", "test"};
  const char* name = names[static_cast<int>(split)];
  if (!state.data_loaded) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, ": ", state.parsed.source.name,
        state.options.load_data
            ? " has no data section (data { feed or source })"
            : " was loaded with ModelOptions.load_data = false"));
  }
  const Dataset* data = split == Split::kTraining     ? &state.data.training
                        : split == Split::kValidation ? &state.data.validation
                                                      : &state.data.test;
  if (data->empty()) {
    return absl::NotFoundError(absl::StrCat(
        what, ": ", state.parsed.source.name, " has no ", name, " data"));
  }
  return data;
}

}  // namespace

absl::StatusOr<Values> Model::Predict(const Values& inputs) const {
  return ReportingOutOfMemory([&]() -> absl::StatusOr<Values> {
    NABLA_ASSIGN_OR_RETURN(Tensor result, PredictTensor(*state_, inputs));
    const std::string& units_of =
        state_->parsed.model.prediction().output_units_of();
    if (!units_of.empty()) {
      NABLA_RETURN_IF_ERROR(state_->data.normalizer.Invert(units_of, result));
    }
    return ToValues(result);
  });
}

absl::StatusOr<std::vector<Classification>> Model::Classify(
    const Values& inputs) const {
  return ReportingOutOfMemory(
      [&]() -> absl::StatusOr<std::vector<Classification>> {
        NABLA_ASSIGN_OR_RETURN(Tensor result, PredictTensor(*state_, inputs));
        const std::string& output_op =
            state_->graph
                ->node(*state_->graph->FindNode(
                    state_->parsed.model.prediction().output()))
                .op->name();
        const std::vector<std::string> names = ClassNames(*state_);
        const std::vector<double> outputs = result.ToDoubles();
        const int64_t rows = inputs.rows();
        const int64_t width = rows > 0 ? result.num_elements() / rows : 0;
        std::vector<Classification> classes;
        for (int64_t r = 0; r < rows; ++r) {
          const ClassChoice choice =
              ChooseClass(output_op, outputs.data() + r * width, width);
          Classification c;
          c.label = choice.index;
          c.probability = choice.probability;
          if (choice.index < static_cast<int64_t>(names.size())) {
            c.name = names[choice.index];
          }
          classes.push_back(std::move(c));
        }
        return classes;
      });
}

absl::StatusOr<std::vector<Values>> Model::Run(
    const std::vector<NamedValues>& feeds,
    const std::vector<std::string>& fetches) const {
  return ReportingOutOfMemory([&]() -> absl::StatusOr<std::vector<Values>> {
    std::vector<Tensor> tensors;
    std::vector<Feed> session_feeds;
    NABLA_RETURN_IF_ERROR(MakeFeeds(*state_->graph, state_->data.normalizer,
                                    feeds, &tensors, &session_feeds));
    NABLA_ASSIGN_OR_RETURN(std::vector<Tensor> results,
                           state_->replicas->Run(*state_->session,
                                                 state_->version,
                                                 session_feeds, fetches));
    std::vector<Values> values;
    for (const Tensor& result : results) values.push_back(ToValues(result));
    return values;
  });
}

absl::StatusOr<EvaluationResult> Model::Evaluate(Split split) {
  return ReportingOutOfMemory([&]() -> absl::StatusOr<EvaluationResult> {
    if (!state_->targets.has_value()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "Evaluate: ", state_->parsed.source.name,
          " has no training section naming the loss"));
    }
    NABLA_ASSIGN_OR_RETURN(const Dataset* data,
                           SplitData(*state_, split, "Evaluate"));
    NABLA_ASSIGN_OR_RETURN(
        Evaluation evaluation,
        nabla::Evaluate(*state_->session, *data, *state_->targets,
                        EvalBatchSize(state_->settings)));
    EvaluationResult result;
    result.samples = evaluation.samples;
    result.loss = evaluation.loss;
    if (evaluation.metrics != nullptr) {
      for (const NamedMetric& metric : evaluation.metrics->Results()) {
        result.metrics[metric.name] = metric.value;
      }
      const ConfusionMatrix& matrix = evaluation.metrics->confusion_matrix();
      for (int64_t t = 0; t < matrix.num_classes; ++t) {
        result.confusion_matrix.emplace_back();
        for (int64_t p = 0; p < matrix.num_classes; ++p) {
          result.confusion_matrix.back().push_back(matrix.at(t, p));
        }
      }
    }
    return result;
  });
}

absl::StatusOr<std::vector<NamedValues>> Model::Data(Split split) const {
  return ReportingOutOfMemory(
      [&]() -> absl::StatusOr<std::vector<NamedValues>> {
        NABLA_ASSIGN_OR_RETURN(const Dataset* data,
                               SplitData(*state_, split, "Data"));
        std::vector<NamedValues> columns;
        for (const std::string& placeholder : data->placeholders()) {
          Tensor samples = *data->samples(placeholder);
          NABLA_RETURN_IF_ERROR(
              state_->data.normalizer.Invert(placeholder, samples));
          columns.push_back({placeholder, ToValues(samples)});
        }
        return columns;
      });
}

}  // namespace nabla
