// Fuzz target: the bytes of a .onnx file, through the ONNX import and then
// everything the model fuzzer does with a model (fuzz_model_run.h): parse
// the ModelProto, convert every node, build the graph, train two steps and
// predict. Any error status is a correct answer; a crash, a sanitizer
// report or a leak is a bug.
//
// External data is looked for in a directory that does not exist, so that
// a fuzzed model cannot read the machine's files.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/onnx/onnx_import.h"
#include "tests/fuzz/fuzz_model_run.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto proto = nabla::ParseOnnxModel(bytes, "fuzz.onnx");
  nabla::fuzz::Trace("parse", proto.status());
  if (!proto.ok()) return 0;
  nabla::OnnxImportOptions options;
  options.source_name = "fuzz.onnx";
  options.model_dir = "/nonexistent-nabla-fuzz";
  auto imported = nabla::ImportOnnx(*proto, options);
  nabla::fuzz::Trace("import", imported.status());
  if (!imported.ok()) return 0;
  nabla::ParsedModel parsed;
  parsed.source.name = "fuzz.onnx";
  *parsed.model.mutable_graph() = imported->graph;
  if (!imported->outputs.empty()) {
    parsed.model.mutable_prediction()->set_output(imported->outputs[0]);
  }
  nabla::RunParsedModel(parsed);
  return 0;
}
