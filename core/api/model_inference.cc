// nabla::Model: prediction (on replicas, so that calls may run at once),
// evaluation and the data splits, over the run layer.
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/api/model_state.h"
#include "core/api/tensor_values.h"
#include "core/run/prediction.h"
#include "core/status_macros.h"
#include "nabla/model.h"

namespace nabla {
namespace {

using internal::ModelState;

// Runs the graph forward on an idle replica of the model's session.
ForwardRunner OnReplicas(const ModelState& state) {
  return [&state](absl::Span<const Feed> feeds,
                  absl::Span<const std::string> fetches) {
    return state.replicas->Run(state.run->session(), state.version, feeds,
                               fetches);
  };
}

// The prediction section's setup, or why there is none.
[[nodiscard]] absl::StatusOr<PredictionSetup> PredictionFor(
    const ModelState& state) {
  absl::StatusOr<PredictionSetup> setup = state.run->Prediction();
  if (absl::IsFailedPrecondition(setup.status())) {
    return absl::FailedPreconditionError(absl::StrCat(
        setup.status().message(), ": use Run() with feeds and fetches"));
  }
  return setup;
}

// prediction.output for `inputs`, in the output's units.
[[nodiscard]] absl::StatusOr<Tensor> PredictTensor(const ModelState& state,
                                                   const PredictionSetup& setup,
                                                   const Values& inputs) {
  const Graph& graph = *state.run->graph();
  NABLA_ASSIGN_OR_RETURN(const int input, graph.FindNode(setup.input));
  NABLA_ASSIGN_OR_RETURN(Tensor rows,
                         ToTensor(inputs, graph.node(input).output_dtypes[0],
                                  absl::StrCat("feed '", setup.input, "'")));
  return PredictRows(OnReplicas(state), setup, rows);
}

}  // namespace

absl::StatusOr<Values> Model::Predict(const Values& inputs) const {
  return ReportingOutOfMemory([&]() -> absl::StatusOr<Values> {
    NABLA_ASSIGN_OR_RETURN(const PredictionSetup setup, PredictionFor(*state_));
    NABLA_ASSIGN_OR_RETURN(Tensor result,
                           PredictTensor(*state_, setup, inputs));
    return ToValues(result);
  });
}

absl::StatusOr<std::vector<Classification>> Model::Classify(
    const Values& inputs) const {
  return ReportingOutOfMemory(
      [&]() -> absl::StatusOr<std::vector<Classification>> {
        NABLA_ASSIGN_OR_RETURN(const PredictionSetup setup,
                               PredictionFor(*state_));
        NABLA_ASSIGN_OR_RETURN(Tensor result,
                               PredictTensor(*state_, setup, inputs));
        const std::vector<double> outputs = result.ToDoubles();
        const int64_t rows = inputs.rows();
        const int64_t width = rows > 0 ? result.num_elements() / rows : 0;
        std::vector<Classification> classes;
        for (int64_t r = 0; r < rows; ++r) {
          const ClassChoice choice =
              ChooseClass(setup.output_op, outputs.data() + r * width, width);
          Classification c;
          c.label = choice.index;
          c.probability = choice.probability;
          if (choice.index < static_cast<int64_t>(setup.class_names.size())) {
            c.name = setup.class_names[choice.index];
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
    NABLA_RETURN_IF_ERROR(MakeFeeds(*state_->run->graph(),
                                    state_->run->normalizer(), feeds, &tensors,
                                    &session_feeds));
    NABLA_ASSIGN_OR_RETURN(std::vector<Tensor> results,
                           OnReplicas(*state_)(session_feeds, fetches));
    std::vector<Values> values;
    for (const Tensor& result : results) values.push_back(ToValues(result));
    return values;
  });
}

namespace {

RunSplit ToDataSplit(Split split) {
  switch (split) {
    case Split::kTraining:
      return RunSplit::kTraining;
    case Split::kValidation:
      return RunSplit::kValidation;
    case Split::kTest:
      return RunSplit::kTest;
  }
  return RunSplit::kTest;
}

}  // namespace

absl::StatusOr<EvaluationResult> Model::Evaluate(Split split) {
  return ReportingOutOfMemory([&]() -> absl::StatusOr<EvaluationResult> {
    if (state_->run->has_training()) {
      NABLA_RETURN_IF_ERROR(CheckDataLoaded(*state_, "Evaluate"));
    }
    NABLA_ASSIGN_OR_RETURN(Evaluation evaluation,
                           state_->run->Evaluate(ToDataSplit(split)));
    EvaluationResult result;
    result.samples = evaluation.samples;
    result.loss = evaluation.loss;
    if (evaluation.metrics != nullptr) {
      for (const NamedMetric& metric : evaluation.metrics->Results()) {
        result.metrics[metric.name] = metric.value;
      }
      const ConfusionMatrix& matrix = evaluation.metrics->confusion_matrix();
      for (const ClassScores& scores : PerClassScores(matrix)) {
        result.per_class.push_back(
            {scores.precision, scores.recall, scores.f1, scores.support});
      }
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
        NABLA_RETURN_IF_ERROR(CheckDataLoaded(*state_, "Data"));
        NABLA_ASSIGN_OR_RETURN(const Dataset* data,
                               state_->run->Data(ToDataSplit(split)));
        std::vector<NamedValues> columns;
        for (const std::string& placeholder : data->placeholders()) {
          Tensor samples = *data->samples(placeholder);
          NABLA_RETURN_IF_ERROR(
              state_->run->normalizer().Invert(placeholder, samples));
          columns.push_back({placeholder, ToValues(samples)});
        }
        return columns;
      });
}

}  // namespace nabla
