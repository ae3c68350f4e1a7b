#include "core/onnx/model_file.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/onnx/onnx_import.h"
#include "core/status_macros.h"

namespace nabla {

bool IsOnnxPath(const std::string& path) {
  return absl::EndsWith(path, ".onnx");
}

[[nodiscard]] absl::StatusOr<ParsedModel> ReadAnyModelFile(
    const std::string& path, uint64_t max_bytes) {
  if (IsOnnxPath(path)) return ReadOnnxModelFile(path);
  NABLA_ASSIGN_OR_RETURN(ParsedModel parsed, ReadModelFile(path, max_bytes));
  NABLA_RETURN_IF_ERROR(AddOnnxGraph(parsed, DirectoryOf(path)));
  return parsed;
}

[[nodiscard]] absl::Status AddOnnxGraph(ParsedModel& parsed,
                                        const std::string& base_dir) {
  if (!parsed.model.has_onnx()) return absl::OkStatus();
  const OnnxGraphConfig& config = parsed.model.onnx();
  if (config.path().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(parsed.source.name, ": onnx: path is empty"));
  }
  const std::string path = config.path()[0] == '/'
                               ? config.path()
                               : absl::StrCat(base_dir, "/", config.path());
  NABLA_ASSIGN_OR_RETURN(ParsedModel onnx,
                         ReadOnnxModelFile(path, config.freeze()));
  absl::flat_hash_set<std::string> onnx_names;
  for (const NodeDef& node : onnx.model.graph().node()) {
    onnx_names.insert(node.name());
  }
  GraphDef merged = onnx.model.graph();
  for (int i = 0; i < parsed.model.graph().node_size(); ++i) {
    const NodeDef& node = parsed.model.graph().node(i);
    if (onnx_names.contains(node.name())) {
      return absl::InvalidArgumentError(absl::StrCat(
          parsed.source.NodePrefix(i), "node '", node.name(),
          "' has the name of a node of ", path,
          "; give it another name (or use the ONNX graph's node)"));
    }
    *merged.add_node() = node;
  }
  // The ONNX nodes have no lines in the model file.
  parsed.source.node_lines.insert(parsed.source.node_lines.begin(),
                                  onnx.model.graph().node_size(), 0);
  *parsed.model.mutable_graph() = std::move(merged);
  if (!parsed.model.has_prediction()) {
    *parsed.model.mutable_prediction() = onnx.model.prediction();
  }
  return absl::OkStatus();
}

}  // namespace nabla
