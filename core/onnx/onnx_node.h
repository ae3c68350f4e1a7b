// OnnxNode: what a converter sees of one ONNX node while it writes the
// nabla nodes that compute it: its inputs (as tensors, or as values known
// at import), its attributes (checked, with located messages), and where
// its outputs go.
//
//   absl::Status ConvertRelu(OnnxNode& node) {
//     NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
//     return node.EmitOutput(0, "ReLU", {x});
//   }
#ifndef NABLA_CORE_ONNX_ONNX_NODE_H_
#define NABLA_CORE_ONNX_ONNX_NODE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/attrs.h"
#include "core/onnx/onnx_graph_builder.h"
#include "onnx/onnx_pb.h"

namespace nabla {

using NodeAttrs = std::vector<std::pair<std::string, AttrValue>>;

class OnnxNode {
 public:
  OnnxNode(const onnx::NodeProto& proto, int opset, OnnxGraphBuilder* builder);

  const onnx::NodeProto& proto() const { return proto_; }
  const std::string& op_type() const { return proto_.op_type(); }
  // The version of the default domain's operator set the model imports.
  int opset() const { return opset_; }
  // "node 'conv1' (Conv, opset 13)": the node for messages.
  std::string Describe() const;

  // Whether input k is given (ONNX leaves optional inputs out, or names
  // them "").
  bool HasInput(int k) const;
  int num_inputs() const { return proto_.input_size(); }
  // Input k as a nabla tensor. InvalidArgument when it is missing.
  [[nodiscard]] absl::StatusOr<Operand> Input(int k);
  // Input k as BatchNorm's running statistics: a Variable never trained.
  [[nodiscard]] absl::StatusOr<Operand> StateInput(int k);
  // Input k's elements, which must be known at import (an initializer, a
  // Constant, or folded from them): Unimplemented naming `what` otherwise.
  // Sizes known only when data is fed (OnnxValues::symbols) are refused
  // too, unless the caller carries or reads them (`symbolic_ok`).
  [[nodiscard]] absl::StatusOr<const OnnxValues*> ConstantInput(
      int k, absl::string_view what, bool symbolic_ok = false);
  // Whether input k's elements are known at import.
  bool IsConstant(int k);
  // Whether a converter may compute on input k's elements at import: a
  // constant that is not a float initializer (a weight, which must stay a
  // trainable Variable).
  bool IsFoldable(int k);
  // Whether input k is an initializer (a Variable once built).
  bool IsInitializer(int k);
  // Input k's ONNX element type.
  int32_t InputType(int k);

  // Attributes, with the ONNX default when left out; InvalidArgument when
  // given with another type.
  bool HasAttr(absl::string_view name) const;
  [[nodiscard]] absl::StatusOr<int64_t> Int(absl::string_view name,
                                            int64_t default_value) const;
  [[nodiscard]] absl::StatusOr<float> Float(absl::string_view name,
                                            float default_value) const;
  [[nodiscard]] absl::StatusOr<std::string> String(
      absl::string_view name, absl::string_view default_value) const;
  [[nodiscard]] absl::StatusOr<std::vector<int64_t>> Ints(
      absl::string_view name) const;  // empty when left out
  [[nodiscard]] absl::StatusOr<std::vector<float>> Floats(
      absl::string_view name) const;
  // A TENSOR attribute (Constant's value); nullptr when left out.
  const onnx::TensorProto* TensorAttr(absl::string_view name) const;

  // Adds a nabla node computing something intermediate.
  [[nodiscard]] absl::StatusOr<Operand> Emit(const std::string& op,
                                             const std::vector<Operand>& inputs,
                                             NodeAttrs attrs = {});
  // Adds the nabla node computing output k, named after it.
  [[nodiscard]] absl::Status EmitOutput(int k, const std::string& op,
                                        const std::vector<Operand>& inputs,
                                        NodeAttrs attrs = {});
  // Split's outputs: one node with several outputs, bound in order.
  [[nodiscard]] absl::Status EmitOutputs(const std::string& op,
                                         const std::vector<Operand>& inputs,
                                         NodeAttrs attrs);
  // A scalar or tensor literal of `dtype`.
  [[nodiscard]] absl::StatusOr<Operand> Scalar(double value, DType dtype);
  [[nodiscard]] absl::StatusOr<Operand> Literal(std::vector<int64_t> dims,
                                                absl::Span<const double> values,
                                                DType dtype);
  // Output k is `operand` (a node that passes its input through).
  void SetOutput(int k, const Operand& operand);
  // Output k is known at import (folded).
  void SetConstantOutput(int k, OnnxValues values);
  // Whether output k is named (used by the graph or other nodes).
  bool HasOutput(int k) const;
  // Output k's ONNX element type, when not the float type of its dtype
  // (comparisons give bool, ArgMax int64).
  void SetOutputType(int k, int32_t elem_type);

  // Errors: InvalidArgument (the model is wrong) and Unimplemented (nabla
  // lacks it: the conformance runner counts these as "not supported"),
  // both starting with Describe().
  [[nodiscard]] absl::Status Invalid(absl::string_view message) const;
  [[nodiscard]] absl::Status Unsupported(absl::string_view message) const;

  OnnxGraphBuilder& builder() { return *builder_; }

 private:
  const onnx::AttributeProto* FindAttr(absl::string_view name) const;
  // Input k's value; nullptr when it is left out or undefined.
  const OnnxValue* InputValue(int k);
  [[nodiscard]] absl::StatusOr<Operand> MaterializeInput(int k, bool state);
  [[nodiscard]] absl::Status CheckAttrType(const onnx::AttributeProto& attr,
                                           int type) const;
  std::string OutputName(int k) const;
  // What helper nodes are named after: output 0, or the node's name.
  std::string BaseName() const;

  const onnx::NodeProto& proto_;
  int opset_;
  OnnxGraphBuilder* builder_;
};

// A node's name for messages: its name, or its first output's when it has
// none (exporters often leave names out).
const std::string& OnnxNodeName(const onnx::NodeProto& node);

// Located conversions: the message of an Emit() refused by nabla's shape
// functions, prefixed with the node.
[[nodiscard]] absl::Status Located(const OnnxNode& node,
                                   const absl::Status& status);

}  // namespace nabla

#endif  // NABLA_CORE_ONNX_ONNX_NODE_H_
