// ONNX export: a trained nabla graph becomes an ONNX model for inference
// (opset 17): the nodes the outputs need, in inference mode (Dropout is
// the identity, BatchNorm uses its running statistics), variables and
// constants as initializers, placeholders as inputs (unknown dimensions
// symbolic), normalisation of the inputs (and of the output, with
// prediction.output_units_of) folded in as Sub and Div nodes.
//
//   absl::StatusOr<onnx::ModelProto> model =
//       ExportOnnx(graph, values, {"x"}, {"probabilities"}, stats);
#ifndef NABLA_CORE_ONNX_ONNX_EXPORT_H_
#define NABLA_CORE_ONNX_ONNX_EXPORT_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/graph.h"
#include "core/tensor.h"
#include "onnx/onnx_pb.h"
#include "proto/checkpoint.pb.h"

namespace nabla {

// The opset exports are written for.
inline constexpr int kOnnxExportOpset = 17;

struct OnnxExportSpec {
  // Nodes ("node" or "node:k") whose values become the ONNX outputs, named
  // as in nabla.
  std::vector<std::string> outputs;
  // The value of each Variable node (by index in the graph): the trained
  // weights.
  std::function<const Tensor&(int node)> variable;
  // Normalisation fitted on the training data (a checkpoint's); inputs
  // named here are normalised inside the exported graph.
  std::vector<NormalizationStats> normalization;
  // An output mapped back to the units of this placeholder's data
  // (prediction.output_units_of); "" for none.
  std::string output_units_of;
};

// InvalidArgument listing every node the outputs need that ONNX export
// does not cover (losses, WeightedMean, plugin ops), or an output that
// does not exist.
[[nodiscard]] absl::StatusOr<onnx::ModelProto> ExportOnnx(
    const Graph& graph, const OnnxExportSpec& spec);

// Writes `model` to `path` atomically (a temporary file renamed).
[[nodiscard]] absl::Status WriteOnnxFile(const onnx::ModelProto& model,
                                         const std::string& path);

}  // namespace nabla

#endif  // NABLA_CORE_ONNX_ONNX_EXPORT_H_
