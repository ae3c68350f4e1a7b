// OnnxGraphBuilder: the nabla graph an ONNX import is writing, and what it
// knows of each ONNX value (the node output computing it, or its constant
// value). Converters (onnx_node.h) add nodes through it.
#ifndef NABLA_CORE_ONNX_ONNX_GRAPH_BUILDER_H_
#define NABLA_CORE_ONNX_ONNX_GRAPH_BUILDER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/attrs.h"
#include "core/onnx/onnx_tensor.h"
#include "core/tensor.h"
#include "proto/graph.pb.h"

namespace nabla {

// A tensor of the nabla graph: a node's output with its inferred type.
struct Operand {
  std::string ref;  // "node" or "node:k"
  DType dtype = DType::kFloat32;
  Shape shape;
  // When dimension 0 is unknown: which input's batch size it is
  // ("input#0"), carried through the ops that keep dimension 0; "" when
  // nabla cannot tell (a Reshape or Concat made it). A Reshape copies a
  // size read with Shape only from a tensor of the same batch tag.
  std::string batch_tag;
};

// What the importer knows of one ONNX value.
struct OnnxValue {
  // The nabla tensor holding it, once built.
  std::optional<Operand> operand;
  // Its elements, when known at import (initializers, Constant nodes and
  // what folds from them): shapes, axes and indices are read from here.
  std::optional<OnnxValues> constant;
  // An initializer: a Variable (trainable unless frozen) when a converter
  // asks for it as a tensor.
  bool initializer = false;
  // ONNX element type.
  int32_t elem_type = 0;
  // The node computing it failed to convert; its users report nothing
  // more.
  bool failed = false;
};

class OnnxGraphBuilder {
 public:
  // Non-float values (indices, masks, shapes) become numbers of
  // `float_dtype`, the model's float type. Initializers become Variables
  // with trainable = `trainable`. External data is read from `model_dir`.
  OnnxGraphBuilder(DType float_dtype, bool trainable, std::string model_dir);

  const std::string& model_dir() const { return model_dir_; }
  DType float_dtype() const { return float_dtype_; }
  // nabla's dtype for an ONNX element type: double is float64, float is
  // float32, integers and bool are the model's float type.
  DType DTypeFor(int32_t elem_type) const;

  // The value named `name`; NotFound-like nullptr when nothing defines it.
  OnnxValue* Find(absl::string_view name);
  OnnxValue& Define(const std::string& name);

  // The value as a nabla tensor: builds a Const (Constant nodes, folded
  // values) or Variable (initializers; `state` for BatchNorm's running
  // statistics, never trainable) on first use.
  [[nodiscard]] absl::StatusOr<Operand> Materialize(const std::string& name,
                                                    bool state = false);

  // Adds a node `op` named `name` (made unique) with `inputs` and `attrs`,
  // and infers its outputs (their batch tags too): the message of a shape
  // function that refuses them is returned as is, for the caller to
  // locate.
  [[nodiscard]] absl::StatusOr<std::vector<Operand>> Emit(
      absl::string_view name, const std::string& op,
      const std::vector<Operand>& inputs,
      std::vector<std::pair<std::string, AttrValue>> attrs);

  // A Const node holding `values` (shape `dims`) as `dtype`.
  [[nodiscard]] absl::StatusOr<Operand> Const(absl::string_view name,
                                              std::vector<int64_t> dims,
                                              absl::Span<const double> values,
                                              DType dtype);

  // A node name for `wanted`: ':' (which nabla reads as "node:output")
  // becomes '_', and a taken name gets a suffix.
  std::string UniqueName(absl::string_view wanted);

  GraphDef& graph() { return graph_; }

 private:
  DType float_dtype_;
  bool trainable_;
  std::string model_dir_;
  GraphDef graph_;
  // Node-based: converters keep pointers to values (ConstantInput) while
  // they define others.
  absl::node_hash_map<std::string, OnnxValue> values_;
  absl::flat_hash_set<std::string> names_;
};

// "x" for an ONNX name as nabla names nodes: ':' becomes '_'.
std::string NablaNameFor(absl::string_view onnx_name);

}  // namespace nabla

#endif  // NABLA_CORE_ONNX_ONNX_GRAPH_BUILDER_H_
