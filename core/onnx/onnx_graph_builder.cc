#include "core/onnx/onnx_graph_builder.h"

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
  std::vector<Operand> outputs;
  for (size_t k = 0; k < types.shapes.size(); ++k) {
    outputs.push_back({k == 0 ? node.name() : absl::StrCat(node.name(), ":", k),
                       types.dtypes[k], types.shapes[k]});
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
