#include "core/onnx/onnx_node.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace nabla {

using onnx::AttributeProto;

OnnxNode::OnnxNode(const onnx::NodeProto& proto, int opset,
                   OnnxGraphBuilder* builder)
    : proto_(proto), opset_(opset), builder_(builder) {}

const std::string& OnnxNodeName(const onnx::NodeProto& node) {
  return node.name().empty() && node.output_size() > 0 ? node.output(0)
                                                       : node.name();
}

std::string OnnxNode::Describe() const {
  return absl::StrCat("node '", OnnxNodeName(proto_), "' (", proto_.op_type(),
                      ", opset ", opset_, ")");
}

absl::Status OnnxNode::Invalid(absl::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat(Describe(), ": ", message));
}

absl::Status OnnxNode::Unsupported(absl::string_view message) const {
  return absl::UnimplementedError(absl::StrCat(Describe(), ": ", message));
}

[[nodiscard]] absl::Status Located(const OnnxNode& node,
                                   const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(node.Describe(), ": ", status.message()));
}

bool OnnxNode::HasInput(int k) const {
  return k < proto_.input_size() && !proto_.input(k).empty();
}

absl::StatusOr<Operand> OnnxNode::MaterializeInput(int k, bool state) {
  if (!HasInput(k)) return Invalid(absl::StrCat("input ", k, " is missing"));
  absl::StatusOr<Operand> operand =
      builder_->Materialize(proto_.input(k), state);
  if (!operand.ok()) return Located(*this, operand.status());
  return operand;
}

absl::StatusOr<Operand> OnnxNode::Input(int k) {
  return MaterializeInput(k, /*state=*/false);
}

absl::StatusOr<Operand> OnnxNode::StateInput(int k) {
  return MaterializeInput(k, /*state=*/true);
}

const OnnxValue* OnnxNode::InputValue(int k) {
  return HasInput(k) ? builder_->Find(proto_.input(k)) : nullptr;
}

bool OnnxNode::IsConstant(int k) {
  const OnnxValue* value = InputValue(k);
  return value != nullptr && value->constant.has_value();
}

bool OnnxNode::IsInitializer(int k) {
  const OnnxValue* value = InputValue(k);
  return value != nullptr && value->initializer;
}

int32_t OnnxNode::InputType(int k) {
  const OnnxValue* value = InputValue(k);
  return value == nullptr ? 0 : value->elem_type;
}

bool OnnxNode::IsFoldable(int k) {
  if (!IsConstant(k)) return false;
  const OnnxValue& value = *InputValue(k);
  return !value.initializer || value.constant->is_integer();
}

absl::StatusOr<const OnnxValues*> OnnxNode::ConstantInput(
    int k, absl::string_view what, bool symbolic_ok) {
  if (!HasInput(k)) {
    return Invalid(absl::StrCat("input ", k, " (", what, ") is missing"));
  }
  if (!IsConstant(k)) {
    return Unsupported(absl::StrCat(
        "input ", k, " (", what, ", '", proto_.input(k),
        "') must be known when the model is loaded (an initializer or a "
        "Constant); nabla does not compute it at run time"));
  }
  const OnnxValues& values = *InputValue(k)->constant;
  if (values.symbolic() && !symbolic_ok) {
    return Unsupported(
        absl::StrCat("input ", k, " (", what, ", '", proto_.input(k),
                     "') depends on a size known only when data is fed"));
  }
  return &values;
}

const AttributeProto* OnnxNode::FindAttr(absl::string_view name) const {
  for (const AttributeProto& attr : proto_.attribute()) {
    if (attr.name() == name) return &attr;
  }
  return nullptr;
}

bool OnnxNode::HasAttr(absl::string_view name) const {
  return FindAttr(name) != nullptr;
}

absl::Status OnnxNode::CheckAttrType(const AttributeProto& attr,
                                     int type) const {
  // Old exporters leave the type out; the field that is set decides then.
  if (attr.type() == AttributeProto::UNDEFINED || attr.type() == type) {
    return absl::OkStatus();
  }
  return Invalid(absl::StrCat(
      "attribute '", attr.name(), "' is ",
      AttributeProto::AttributeType_Name(attr.type()), ", expected ",
      AttributeProto::AttributeType_Name(
          static_cast<AttributeProto::AttributeType>(type))));
}

absl::StatusOr<int64_t> OnnxNode::Int(absl::string_view name,
                                      int64_t default_value) const {
  const AttributeProto* attr = FindAttr(name);
  if (attr == nullptr) return default_value;
  NABLA_RETURN_IF_ERROR(CheckAttrType(*attr, AttributeProto::INT));
  return attr->i();
}

absl::StatusOr<float> OnnxNode::Float(absl::string_view name,
                                      float default_value) const {
  const AttributeProto* attr = FindAttr(name);
  if (attr == nullptr) return default_value;
  NABLA_RETURN_IF_ERROR(CheckAttrType(*attr, AttributeProto::FLOAT));
  return attr->f();
}

absl::StatusOr<std::string> OnnxNode::String(
    absl::string_view name, absl::string_view default_value) const {
  const AttributeProto* attr = FindAttr(name);
  if (attr == nullptr) return std::string(default_value);
  NABLA_RETURN_IF_ERROR(CheckAttrType(*attr, AttributeProto::STRING));
  return attr->s();
}

absl::StatusOr<std::vector<int64_t>> OnnxNode::Ints(
    absl::string_view name) const {
  const AttributeProto* attr = FindAttr(name);
  if (attr == nullptr) return std::vector<int64_t>();
  NABLA_RETURN_IF_ERROR(CheckAttrType(*attr, AttributeProto::INTS));
  return std::vector<int64_t>(attr->ints().begin(), attr->ints().end());
}

absl::StatusOr<std::vector<float>> OnnxNode::Floats(
    absl::string_view name) const {
  const AttributeProto* attr = FindAttr(name);
  if (attr == nullptr) return std::vector<float>();
  NABLA_RETURN_IF_ERROR(CheckAttrType(*attr, AttributeProto::FLOATS));
  return std::vector<float>(attr->floats().begin(), attr->floats().end());
}

const onnx::TensorProto* OnnxNode::TensorAttr(absl::string_view name) const {
  const AttributeProto* attr = FindAttr(name);
  return attr != nullptr && attr->has_t() ? &attr->t() : nullptr;
}

std::string OnnxNode::BaseName() const {
  return proto_.output_size() > 0 ? proto_.output(0) : proto_.name();
}

std::string OnnxNode::OutputName(int k) const {
  return k < proto_.output_size() ? proto_.output(k) : "";
}

bool OnnxNode::HasOutput(int k) const { return !OutputName(k).empty(); }

absl::StatusOr<Operand> OnnxNode::Emit(const std::string& op,
                                       const std::vector<Operand>& inputs,
                                       NodeAttrs attrs) {
  const std::string base = BaseName();
  absl::StatusOr<std::vector<Operand>> out =
      builder_->Emit(absl::StrCat(base, "/", op), op, inputs, std::move(attrs));
  if (!out.ok()) return Located(*this, out.status());
  return (*out)[0];
}

absl::Status OnnxNode::EmitOutput(int k, const std::string& op,
                                  const std::vector<Operand>& inputs,
                                  NodeAttrs attrs) {
  if (!HasOutput(k)) return absl::OkStatus();
  absl::StatusOr<std::vector<Operand>> out =
      builder_->Emit(OutputName(k), op, inputs, std::move(attrs));
  if (!out.ok()) return Located(*this, out.status());
  SetOutput(k, (*out)[0]);
  return absl::OkStatus();
}

absl::Status OnnxNode::EmitOutputs(const std::string& op,
                                   const std::vector<Operand>& inputs,
                                   NodeAttrs attrs) {
  absl::StatusOr<std::vector<Operand>> out =
      builder_->Emit(OutputName(0), op, inputs, std::move(attrs));
  if (!out.ok()) return Located(*this, out.status());
  for (int k = 0; k < static_cast<int>(out->size()); ++k) {
    if (HasOutput(k)) SetOutput(k, (*out)[k]);
  }
  return absl::OkStatus();
}

absl::StatusOr<Operand> OnnxNode::Literal(std::vector<int64_t> dims,
                                          absl::Span<const double> values,
                                          DType dtype) {
  const std::string base = BaseName();
  absl::StatusOr<Operand> out = builder_->Const(absl::StrCat(base, "/const"),
                                                std::move(dims), values, dtype);
  if (!out.ok()) return Located(*this, out.status());
  return out;
}

absl::StatusOr<Operand> OnnxNode::Scalar(double value, DType dtype) {
  return Literal({}, {value}, dtype);
}

void OnnxNode::SetOutput(int k, const Operand& operand) {
  if (!HasOutput(k)) return;
  OnnxValue& value = builder_->Define(OutputName(k));
  value.operand = operand;
  if (value.elem_type == 0) {
    value.elem_type = operand.dtype == DType::kFloat64
                          ? onnx::TensorProto::DOUBLE
                          : onnx::TensorProto::FLOAT;
  }
}

void OnnxNode::SetOutputType(int k, int32_t elem_type) {
  if (HasOutput(k)) builder_->Define(OutputName(k)).elem_type = elem_type;
}

void OnnxNode::SetConstantOutput(int k, OnnxValues values) {
  if (!HasOutput(k)) return;
  OnnxValue& value = builder_->Define(OutputName(k));
  value.elem_type = values.elem_type;
  value.constant = std::move(values);
}

}  // namespace nabla
