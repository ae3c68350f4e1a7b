// Predictions from the command line: rows given with --predict "4,8; 1,5"
// or read from a CSV file with --predict_file, normalised as in training,
// run through the model and printed in the original units, with the class
// and its probability for classifiers.
#ifndef NABLA_CORE_RUN_PREDICTION_H_
#define NABLA_CORE_RUN_PREDICTION_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/file_read.h"
#include "core/graph.h"
#include "core/normalization.h"
#include "core/session.h"
#include "core/tensor.h"

namespace nabla {

// What a prediction feeds and fetches, checked against the graph
// (ModelRun::Prediction()).
struct PredictionSetup {
  // The placeholder rows are fed to, and the node whose values are
  // returned.
  std::string input;
  std::string output;
  // The output node's op ("Softmax", ...): how a classifier's outputs read.
  std::string output_op;
  // Rescales the input rows; maps the output back when output_units_of
  // names a normalised target placeholder. May be null.
  const Normalizer* normalizer = nullptr;
  std::string output_units_of;
  // The model is a classifier: its outputs are classes.
  bool classifier = false;
  std::vector<std::string> class_names;
  // Names the output in errors ("--output", "m.pbtxt: prediction.output").
  std::string output_label;
};

// Runs the graph forward: a Session's Run(), or a replica's.
using ForwardRunner = std::function<absl::StatusOr<std::vector<Tensor>>(
    absl::Span<const Feed> feeds, absl::Span<const std::string> fetches)>;

// The most probable class of one output row of a classifier, and its
// probability. `width` >= 2: the row holds probabilities after a Softmax,
// log-probabilities after a LogSoftmax, else logits (softmax taken).
// `width` == 1: a probability after a Sigmoid, else a logit, of class 1.
struct ClassChoice {
  int64_t index = 0;
  double probability = 0;
};
ClassChoice ChooseClass(absl::string_view output_op, const double* row,
                        int64_t width);

// `value` of a `dtype` tensor with as many significant digits as reading
// it back into that dtype needs: 9 for float32, the shortest for float64.
std::string RoundTripText(double value, DType dtype);

// "4,8; 1,5" -> a [2, 2] tensor for the placeholder `placeholder`. Errors
// start with `what` ("--predict") and name the row.
[[nodiscard]] absl::StatusOr<Tensor> RowsFromText(absl::string_view text,
                                                  const Graph& graph,
                                                  int placeholder,
                                                  absl::string_view what);

// One row per non-empty line of a CSV file of at most `max_bytes`; a first
// line without any number is a header and skipped. Errors name the file
// and line.
[[nodiscard]] absl::StatusOr<Tensor> RowsFromCsvFile(
    const std::string& path, const Graph& graph, int placeholder,
    uint64_t max_bytes = kMaxTextFileBytes);

// The output for `rows` (in the input's original units), one output row
// per input row, mapped back to the units of output_units_of.
[[nodiscard]] absl::StatusOr<Tensor> PredictRows(const ForwardRunner& run,
                                                 const PredictionSetup& setup,
                                                 const Tensor& rows);

// One line per row:
//   predict [4, 8] -> [91.4]
//   predict [0.1, ...] -> class 3 (dress)  p=0.912
std::string FormatPredictions(const PredictionSetup& setup, const Tensor& rows,
                              const Tensor& outputs);

}  // namespace nabla

#endif  // NABLA_CORE_RUN_PREDICTION_H_
