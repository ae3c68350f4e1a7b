// ONNX import: an ONNX ModelProto (opsets 1 to 17 of the default domain)
// becomes a nabla graph. Initializers become Variables (trainable unless
// frozen) holding their values, graph inputs become Placeholders (symbolic
// dimensions -1), each node becomes the nabla nodes that compute it
// (onnx_converters.h). Names keep ONNX's, with ':' as '_'.
//
//   absl::StatusOr<ParsedModel> model = ReadOnnxModelFile("lenet.onnx");
//   // model->model.graph(): Placeholder "input", ..., node "output"
#ifndef NABLA_CORE_ONNX_ONNX_IMPORT_H_
#define NABLA_CORE_ONNX_ONNX_IMPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/model_parser.h"
#include "onnx/onnx_pb.h"
#include "proto/graph.pb.h"

namespace nabla {

// The operator set versions of the default domain nabla imports.
inline constexpr int kMinOnnxOpset = 1;
inline constexpr int kMaxOnnxOpset = 17;

struct OnnxImportOptions {
  // Initializers become Variables with trainable: false.
  bool freeze = false;
  // Names the model in messages ("lenet.onnx").
  std::string source_name = "<onnx>";
  // Where relative external data files are.
  std::string model_dir = ".";
};

struct OnnxImport {
  GraphDef graph;
  // The Placeholders of the ONNX graph's inputs, and the nodes of its
  // outputs, in ONNX's order.
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
};

// Parses the bytes of a .onnx file. InvalidArgument naming `source_name`
// when they are not an ONNX model.
[[nodiscard]] absl::StatusOr<onnx::ModelProto> ParseOnnxModel(
    const std::string& bytes, absl::string_view source_name);

// Converts `model`. Every problem is reported at once, one per line:
// Unimplemented listing every node whose op type or domain nabla does not
// import (name, op type, opset) and attribute values it lacks;
// InvalidArgument for a model that breaks ONNX's rules or nabla's shape
// checks, naming the node.
[[nodiscard]] absl::StatusOr<OnnxImport> ImportOnnx(
    const onnx::ModelProto& model, const OnnxImportOptions& options);

// The largest .onnx file read: protobuf's own limit for one message.
inline constexpr uint64_t kMaxOnnxFileBytes = uint64_t{2} << 30;

// Reads and imports a .onnx file as a nabla model: its graph, and a
// prediction section when the ONNX graph has one input and one output.
// Messages name it `source_name`, or its path when that is empty.
[[nodiscard]] absl::StatusOr<ParsedModel> ReadOnnxModelFile(
    const std::string& path, bool freeze = false,
    const std::string& source_name = "");

}  // namespace nabla

#endif  // NABLA_CORE_ONNX_ONNX_IMPORT_H_
