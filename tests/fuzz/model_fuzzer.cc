// Fuzz target: a model file's text, through everything train_graph does
// with it before and during training. Parse, build the graph (composites
// expanded, validated, shapes inferred), create a session, choose the loss
// and optimizer, load the model's inline data, and take two training steps
// and a prediction. Any error status is a correct answer; a crash, a
// sanitizer report or a leak is a bug.
//
// Placeholders are fed what the model's inline `data { feed ... }` holds,
// or else small made-up batches: every unknown (-1) dimension is 2. Data
// sources are dropped (a fuzzed model must not read the machine's files);
// the csv and idx fuzzers cover them.
//
// (The running is fuzz_model_run.cc, shared with the ONNX fuzzer.)
//
// Memory. nabla refuses tensors over 2^32 elements (core/tensor.h), but
// has no smaller limit a caller could set, and a fuzzer-made model with a
// [1000000000] variable is a valid model that needs 4 GB. So the target
// refuses, before anything is allocated, models whose tensor literals hold
// more than kMaxLiteralElements elements or whose tensors, at the fed
// shapes, add up to more than kMaxModelBytes (shapes are inferred with the
// ops' own shape functions, as the planner does). Those limits are the
// target's, not nabla's.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "core/model_parser.h"
#include "tests/fuzz/fuzz_model_run.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = nabla::ParseModelText(
      absl::string_view(reinterpret_cast<const char*>(data), size),
      "fuzz.pbtxt");
  nabla::fuzz::Trace("parse", parsed.status());
  if (parsed.ok()) nabla::RunParsedModel(*parsed);
  return 0;
}
