// Fuzz target: rows to predict, as --predict gives them on the command line
// ("4,8; 1,5") and as --predict_file gives them (a CSV file), parsed for a
// placeholder, run through a small classifier and printed, as train_graph
// --predict does. Any error status is a correct answer; a crash, a
// sanitizer report or a leak is a bug.
//
// Byte 0 is the settings:
//   bits 0-1  the placeholder's shape: [-1, 2], [-1, 1, 2, 2], [-1, 3] or
//             [-1, 2, -1] (an unknown dimension past the first, refused)
//   bit 2     float64 instead of float32
//   bit 3     read the rest as a --predict_file, else as --predict text
// The rest of the input is the text.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/graph.h"
#include "core/model_parser.h"
#include "core/run/prediction.h"
#include "core/session.h"
#include "core/tensor.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/model_test_util.h"

namespace nabla {
namespace {

// x (the placeholder) -> Flatten -> Dense(3) -> Softmax.
std::string ModelText(uint8_t settings) {
  static const char* const kShapes[] = {
      "dim: -1 dim: 2", "dim: -1 dim: 1 dim: 2 dim: 2", "dim: -1 dim: 3",
      "dim: -1 dim: 2 dim: -1"};
  const char* dtype = (settings & 4) != 0 ? "float64" : "float32";
  return absl::StrCat(
      "node { name: 'x' op: 'Placeholder' attr { key: 'shape' value { shape "
      "{ ",
      kShapes[settings & 3], " } } } attr { key: 'dtype' value { s: '", dtype,
      "' } } }\n"
      "node { name: 'flat' op: 'Flatten' input: 'x' }\n"
      "node { name: 'logits' op: 'Dense' input: 'flat' attr { key: 'units' "
      "value { i: 3 } } attr { key: 'dtype' value { s: '",
      dtype,
      "' } } }\n"
      "node { name: 'p' op: 'Softmax' input: 'logits' }\n");
}

void Predict(const uint8_t* data, size_t size) {
  fuzz::InputReader input(data, size);
  const uint8_t settings = input.Byte();
  auto graph = GraphFromModelText(
      absl::StrCat("graph {\n", ModelText(settings), "}\n"), "fuzz.pbtxt");
  fuzz::Trace("graph", graph.status());
  if (!graph.ok()) return;
  const int placeholder = *graph->FindNode("x");
  absl::StatusOr<Tensor> rows;
  if ((settings & 8) != 0) {
    rows = RowsFromCsvFile(fuzz::WriteScratchFile("rows.csv", input.Rest()),
                           *graph, placeholder);
  } else {
    rows = RowsFromText(input.Rest(), *graph, placeholder, "--predict");
  }
  fuzz::Trace("rows", rows.status());
  if (!rows.ok()) return;
  // At most a few thousand values: the fuzzer's inputs are small.
  auto session =
      Session::Create(std::make_shared<const Graph>(*std::move(graph)), {});
  fuzz::Trace("session", session.status());
  if (!session.ok()) return;
  PredictionSetup setup;
  setup.input = "x";
  setup.output = "p";
  setup.output_op = "Softmax";
  setup.classifier = true;
  setup.class_names = {"a", "b", "c"};
  auto outputs = PredictRows(
      [&](absl::Span<const Feed> feeds, absl::Span<const std::string> fetches) {
        return (*session)->Run(feeds, fetches);
      },
      setup, *rows);
  fuzz::Trace("predict", outputs.status());
  if (!outputs.ok()) return;
  const std::string printed = FormatPredictions(setup, *rows, *outputs);
  fuzz::Trace("format", printed.empty() ? absl::InternalError("no output")
                                        : absl::OkStatus());
}

}  // namespace
}  // namespace nabla

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nabla::Predict(data, size);
  return 0;
}
