// The nabla ops ONNX export covers, each with the function that writes
// the ONNX nodes computing it (onnx_exporters.cc: elementwise, shapes,
// reductions; onnx_nn_exporters.cc: convolutions, pools, normalisation,
// matrix products).
#ifndef NABLA_CORE_ONNX_ONNX_EXPORTERS_H_
#define NABLA_CORE_ONNX_ONNX_EXPORTERS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/graph.h"
#include "core/onnx/onnx_tensor.h"
#include "onnx/onnx_pb.h"

namespace nabla {

onnx::AttributeProto IntAttr(const std::string& name, int64_t value);
onnx::AttributeProto FloatAttr(const std::string& name, double value);
onnx::AttributeProto StringAttr(const std::string& name,
                                const std::string& value);
onnx::AttributeProto IntsAttr(const std::string& name,
                              absl::Span<const int64_t> values);

// ONNX's element type for a nabla dtype.
int32_t OnnxTypeOf(DType dtype);

// What an exporter sees of one nabla node, and where it writes.
class OnnxExportNode {
 public:
  // `renames` maps nabla values ("node", "node:k") to the ONNX values that
  // stand for them where they differ (a normalised input).
  OnnxExportNode(const Graph& graph, int index, onnx::GraphProto* out,
                 const std::map<std::string, std::string>* renames);

  const Node& node() const { return graph_.node(index_); }
  const ResolvedAttrs& attrs() const { return node().attrs; }
  // The ONNX value of input k, and its shape.
  std::string Input(int k) const;
  const Shape& InputShape(int k) const;
  // The ONNX value of output k: "node", or "node:k".
  std::string Output(int k = 0) const;
  DType dtype() const { return node().output_dtypes[0]; }

  // Adds an ONNX node; its output is `output`, or a fresh name when empty.
  std::string Add(const std::string& op_type,
                  const std::vector<std::string>& inputs,
                  std::vector<onnx::AttributeProto> attrs = {},
                  const std::string& output = "");
  // A node of several outputs (Split).
  std::string AddMulti(const std::string& op_type,
                       const std::vector<std::string>& inputs,
                       std::vector<onnx::AttributeProto> attrs,
                       const std::vector<std::string>& outputs);
  // Initializers: int64 values (shapes, axes, pads), float scalars and
  // vectors of `dtype`.
  std::string Ints(absl::Span<const int64_t> values);
  std::string Scalar(double value, DType dtype);
  std::string Floats(const std::vector<double>& values, DType dtype);
  // `value` cast to an ONNX element type.
  std::string Cast(const std::string& value, int32_t elem_type);

  [[nodiscard]] absl::Status Unsupported(absl::string_view why) const;

 private:
  std::string FreshName();
  std::string Initializer(const OnnxValues& values);

  std::string Renamed(const std::string& value) const;

  const Graph& graph_;
  int index_;
  onnx::GraphProto* out_;
  const std::map<std::string, std::string>* renames_;
  int next_ = 0;
};

using OnnxExporter = absl::Status (*)(OnnxExportNode& node);
using OnnxExporterMap = std::map<std::string, OnnxExporter, std::less<>>;

void AddElementwiseExporters(OnnxExporterMap& map);
void AddNnExporters(OnnxExporterMap& map);

// The exporter of a nabla op; nullptr when export does not cover it.
OnnxExporter FindOnnxExporter(absl::string_view op);

}  // namespace nabla

#endif  // NABLA_CORE_ONNX_ONNX_EXPORTERS_H_
