// Reading a model from either format: a .pbtxt model file (which may name
// an ONNX graph to start from) or a .onnx file.
#ifndef NABLA_CORE_ONNX_MODEL_FILE_H_
#define NABLA_CORE_ONNX_MODEL_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/file_read.h"
#include "core/model_parser.h"

namespace nabla {

// Whether `path` names an ONNX file (it ends in ".onnx").
bool IsOnnxPath(const std::string& path);

// A .onnx file is imported (ReadOnnxModelFile, up to protobuf's 2 GiB);
// anything else is parsed as a .pbtxt model file of at most `max_bytes`
// (ReadModelFile) and its ONNX graph added (AddOnnxGraph).
[[nodiscard]] absl::StatusOr<ParsedModel> ReadAnyModelFile(
    const std::string& path, uint64_t max_bytes = kMaxTextFileBytes);

// When the model names an ONNX file (its `onnx` section, relative to
// `base_dir`), imports it and puts its nodes in front of the model's own.
// A node of the file named like one of the ONNX graph's is refused.
[[nodiscard]] absl::Status AddOnnxGraph(ParsedModel& parsed,
                                        const std::string& base_dir);

}  // namespace nabla

#endif  // NABLA_CORE_ONNX_MODEL_FILE_H_
