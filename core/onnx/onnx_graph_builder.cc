#include "core/onnx/onnx_graph_builder.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/op_registry.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

AttrValue TensorAttr(const std::vector<int64_t>& dims,
                     absl::Span<const double> values, DType dtype) {
  AttrValue attr;
  TensorProto* tensor = attr.mutable_tensor();
  tensor->set_dtype(dtype == DType::kFloat64 ? DT_FLOAT64 : DT_FLOAT32);
  for (int64_t d : dims) tensor->mutable_shape()->add_dim(d);
  tensor->mutable_value()->Add(values.begin(), values.end());
  return attr;
}

AttrValue ShapeAttr(const std::vector<int64_t>& dims) {
  return MakeAttr(Shape(absl::MakeConstSpan(dims)));
}

// Ops whose inputs broadcast against each other: any input of the
// output's rank may give dimension 0.
bool Broadcasts(const std::string& op) {
  static const auto* ops = new absl::flat_hash_set<std::string>{
      "Add",   "Sub",     "Mul",           "Div",  "Pow",
      "Max",   "Min",     "Equal",         "Less", "LessOrEqual",
      "Where", "Greater", "GreaterOrEqual"};
  return ops->contains(op);
}

// The batch tag output dimension 0 inherits: input 0's, or for a
// broadcasting op the first tagged input's of the output's rank.
std::string BatchTagOf(const std::string& op,
                       const std::vector<Operand>& inputs, int out_rank) {
  if (!Broadcasts(op)) return inputs[0].batch_tag;
  for (const Operand& input : inputs) {
    if (!input.batch_tag.empty() && input.shape.rank() == out_rank) {
      return input.batch_tag;
    }
  }
  return "";
}

bool HasAxisZero(absl::Span<const int64_t> axes, int rank) {
  for (int64_t a : axes) {
    if (a == 0 || a == -rank) return true;
  }
  return false;
}

// Whether output dimension 0 of `op` is its inputs' dimension 0: the ops
// that compute per sample (elementwise, convolutions, pools,
// normalisations, products of rows), and the ones that only move or
// reduce other dimensions.
bool KeepsDimZero(const std::string& op, const ResolvedAttrs& attrs,
                  const std::vector<Operand>& inputs) {
  static const auto* per_sample =
      new absl::flat_hash_set<std::string>{"Abs",
                                           "Neg",
                                           "Exp",
                                           "Log",
                                           "Sqrt",
                                           "Square",
                                           "Erf",
                                           "Floor",
                                           "Ceil",
                                           "Round",
                                           "Trunc",
                                           "Add",
                                           "Sub",
                                           "Mul",
                                           "Div",
                                           "Pow",
                                           "Max",
                                           "Min",
                                           "Equal",
                                           "Greater",
                                           "GreaterOrEqual",
                                           "Less",
                                           "LessOrEqual",
                                           "Where",
                                           "Clip",
                                           "Identity",
                                           "Dropout",
                                           "BiasAdd",
                                           "BatchNorm",
                                           "LayerNorm",
                                           "Conv2D",
                                           "ConvTranspose2D",
                                           "MaxPool2D",
                                           "AvgPool2D",
                                           "GlobalAvgPool",
                                           "GlobalMaxPool",
                                           "OneHot",
                                           "ReLU",
                                           "Sigmoid",
                                           "Tanh",
                                           "Softplus",
                                           "Softsign",
                                           "ELU",
                                           "SELU",
                                           "LeakyReLU",
                                           "HardSigmoid",
                                           "SiLU",
                                           "Swish",
                                           "Mish",
                                           "GELU",
                                           "Softmax",
                                           "LogSoftmax"};
  if (inputs.empty()) return false;
  const int rank = inputs[0].shape.rank();
  if (per_sample->contains(op)) return true;
  if (op == "MatMul") return !attrs.GetBool("transpose_a");
  if (op == "Flatten") return attrs.GetInt("axis") == 1;
  if (op == "Transpose") {
    const auto perm = attrs.GetIntList("perm");
    return !perm.empty() && perm[0] == 0;
  }
  if (op == "Concat" || op == "Split" || op == "Gather" || op == "ArgMax" ||
      op == "ArgMin") {
    const int64_t axis = attrs.GetInt("axis");
    return !HasAxisZero(absl::MakeConstSpan(&axis, 1), rank);
  }
  if (op == "ReduceSum" || op == "ReduceMean" || op == "ReduceMax" ||
      op == "ReduceMin" || op == "Slice") {
    const auto axes = attrs.GetIntList("axes");
    return !axes.empty() && !HasAxisZero(axes, rank);
  }
  if (op == "Pad") {
    const auto pads = attrs.GetIntList("pads");
    return static_cast<int>(pads.size()) == 2 * rank && pads[0] == 0 &&
           pads[rank] == 0;
  }
  return false;
}

}  // namespace

std::string NablaNameFor(absl::string_view onnx_name) {
  std::string name(onnx_name);
  for (char& c : name) {
    if (c == ':') c = '_';
  }
  return name.empty() ? "unnamed" : name;
}

OnnxGraphBuilder::OnnxGraphBuilder(DType float_dtype, bool trainable,
                                   std::string model_dir)
    : float_dtype_(float_dtype),
      trainable_(trainable),
      model_dir_(std::move(model_dir)) {}

DType OnnxGraphBuilder::DTypeFor(int32_t elem_type) const {
  if (elem_type == onnx::TensorProto::DOUBLE) return DType::kFloat64;
  if (elem_type == onnx::TensorProto::FLOAT) return DType::kFloat32;
  return float_dtype_;
}

OnnxValue* OnnxGraphBuilder::Find(absl::string_view name) {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

OnnxValue& OnnxGraphBuilder::Define(const std::string& name) {
  return values_[name];
}

std::string OnnxGraphBuilder::UniqueName(absl::string_view wanted) {
  const std::string base = NablaNameFor(wanted);
  std::string name = base;
  for (int k = 2; names_.contains(name); ++k) name = absl::StrCat(base, "_", k);
  names_.insert(name);
  return name;
}

absl::StatusOr<std::vector<Operand>> OnnxGraphBuilder::Emit(
    absl::string_view name, const std::string& op,
    const std::vector<Operand>& inputs,
    std::vector<std::pair<std::string, AttrValue>> attrs) {
  NABLA_ASSIGN_OR_RETURN(const OpDef* def, OpRegistry::Global().Find(op));
  NodeDef& node = *graph_.add_node();
  node.set_name(UniqueName(name));
  node.set_op(op);
  std::vector<DType> dtypes;
  std::vector<Shape> shapes;
  for (const Operand& input : inputs) {
    node.add_input(input.ref);
    dtypes.push_back(input.dtype);
    shapes.push_back(input.shape);
  }
  for (auto& [key, value] : attrs) (*node.mutable_attr())[key] = value;
  std::vector<std::string> errors;
  const ResolvedAttrs resolved =
      ResolveAttrs(def->attrs(), node.attr(), &errors);
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
  }
  NABLA_ASSIGN_OR_RETURN(
      OutputTypes types,
      InferOutputs(*def, resolved, std::move(dtypes), std::move(shapes)));
  const bool keeps = KeepsDimZero(op, resolved, inputs);
  std::vector<Operand> outputs;
  for (size_t k = 0; k < types.shapes.size(); ++k) {
    Operand out{k == 0 ? node.name() : absl::StrCat(node.name(), ":", k),
                types.dtypes[k], types.shapes[k]};
    if (out.shape.rank() > 0 && out.shape.dim(0) < 0) {
      // Its inputs' batch, or else a batch of its own: a Shape of this
      // tensor may still give a Reshape of it its size.
      out.batch_tag = keeps ? BatchTagOf(op, inputs, out.shape.rank()) : "";
      if (out.batch_tag.empty()) out.batch_tag = absl::StrCat(out.ref, "#0");
    }
    outputs.push_back(std::move(out));
  }
  return outputs;
}

absl::StatusOr<Operand> OnnxGraphBuilder::Const(absl::string_view name,
                                                std::vector<int64_t> dims,
                                                absl::Span<const double> values,
                                                DType dtype) {
  NABLA_ASSIGN_OR_RETURN(
      std::vector<Operand> out,
      Emit(name, "Const", {}, {{"value", TensorAttr(dims, values, dtype)}}));
  return out[0];
}

absl::StatusOr<Operand> OnnxGraphBuilder::Materialize(const std::string& name,
                                                      bool state) {
  OnnxValue& value = values_[name];
  if (value.operand.has_value()) return *value.operand;
  if (!value.constant.has_value()) {
    return absl::InternalError(absl::StrCat("value '", name, "' is unknown"));
  }
  const OnnxValues& c = *value.constant;
  if (c.symbolic()) {
    return absl::UnimplementedError(
        absl::StrCat("'", name,
                     "' holds sizes known only when data is fed; nabla uses "
                     "such sizes only as a Reshape's shape"));
  }
  const DType dtype = DTypeFor(c.elem_type);
  if (!value.initializer || c.is_integer()) {
    NABLA_ASSIGN_OR_RETURN(value.operand, Const(name, c.dims, c.values, dtype));
    return *value.operand;
  }
  NABLA_ASSIGN_OR_RETURN(
      std::vector<Operand> out,
      Emit(name, "Variable", {},
           {{"dtype", MakeAttr(std::string(DTypeName(dtype)))},
            {"shape", ShapeAttr(c.dims)},
            {"initializer", MakeAttr("values")},
            {"values", TensorAttr(c.dims, c.values, dtype)},
            {"trainable", MakeAttr(trainable_ && !state)}}));
  value.operand = out[0];
  return *value.operand;
}

}  // namespace nabla
