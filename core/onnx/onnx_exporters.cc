// Export of nabla's elementwise ops and activations, shape ops and
// reductions; and OnnxExportNode.
#include "core/onnx/onnx_exporters.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/onnx/onnx_tensor.h"
#include "core/status_macros.h"

namespace nabla {

using onnx::AttributeProto;

AttributeProto IntAttr(const std::string& name, int64_t value) {
  AttributeProto attr;
  attr.set_name(name);
  attr.set_type(AttributeProto::INT);
  attr.set_i(value);
  return attr;
}

AttributeProto FloatAttr(const std::string& name, double value) {
  AttributeProto attr;
  attr.set_name(name);
  attr.set_type(AttributeProto::FLOAT);
  attr.set_f(static_cast<float>(value));
  return attr;
}

AttributeProto StringAttr(const std::string& name, const std::string& value) {
  AttributeProto attr;
  attr.set_name(name);
  attr.set_type(AttributeProto::STRING);
  attr.set_s(value);
  return attr;
}

AttributeProto IntsAttr(const std::string& name,
                        absl::Span<const int64_t> values) {
  AttributeProto attr;
  attr.set_name(name);
  attr.set_type(AttributeProto::INTS);
  for (int64_t v : values) attr.add_ints(v);
  return attr;
}

int32_t OnnxTypeOf(DType dtype) {
  return dtype == DType::kFloat64 ? onnx::TensorProto::DOUBLE
                                  : onnx::TensorProto::FLOAT;
}

OnnxExportNode::OnnxExportNode(
    const Graph& graph, int index, onnx::GraphProto* out,
    const std::map<std::string, std::string>* renames)
    : graph_(graph), index_(index), out_(out), renames_(renames) {}

std::string OnnxExportNode::Renamed(const std::string& value) const {
  auto it = renames_->find(value);
  return it == renames_->end() ? value : it->second;
}

std::string OnnxExportNode::Input(int k) const {
  const Endpoint& e = node().inputs[k];
  const std::string& name = graph_.node(e.node).name;
  return Renamed(e.output == 0 ? name : absl::StrCat(name, ":", e.output));
}

const Shape& OnnxExportNode::InputShape(int k) const {
  const Endpoint& e = node().inputs[k];
  return graph_.node(e.node).output_shapes[e.output];
}

std::string OnnxExportNode::Output(int k) const {
  return Renamed(k == 0 ? node().name : absl::StrCat(node().name, ":", k));
}

std::string OnnxExportNode::FreshName() {
  return absl::StrCat(node().name, "/", next_++);
}

std::string OnnxExportNode::Add(const std::string& op_type,
                                const std::vector<std::string>& inputs,
                                std::vector<AttributeProto> attrs,
                                const std::string& output) {
  return AddMulti(op_type, inputs, std::move(attrs),
                  {output.empty() ? FreshName() : output});
}

std::string OnnxExportNode::AddMulti(const std::string& op_type,
                                     const std::vector<std::string>& inputs,
                                     std::vector<AttributeProto> attrs,
                                     const std::vector<std::string>& outputs) {
  onnx::NodeProto* n = out_->add_node();
  n->set_op_type(op_type);
  n->set_name(outputs[0]);
  for (const std::string& input : inputs) n->add_input(input);
  for (const std::string& output : outputs) n->add_output(output);
  for (AttributeProto& attr : attrs) *n->add_attribute() = std::move(attr);
  return n->output(0);
}

std::string OnnxExportNode::Initializer(const OnnxValues& values) {
  onnx::TensorProto* t = out_->add_initializer();
  WriteOnnxTensor(values, t);
  t->set_name(FreshName());
  return t->name();
}

std::string OnnxExportNode::Ints(absl::Span<const int64_t> values) {
  OnnxValues v;
  v.elem_type = onnx::TensorProto::INT64;
  v.dims = {static_cast<int64_t>(values.size())};
  v.ints.assign(values.begin(), values.end());
  return Initializer(v);
}

std::string OnnxExportNode::Scalar(double value, DType dtype) {
  OnnxValues v;
  v.elem_type = OnnxTypeOf(dtype);
  v.values = {value};
  return Initializer(v);
}

std::string OnnxExportNode::Floats(const std::vector<double>& values,
                                   DType dtype) {
  OnnxValues v;
  v.elem_type = OnnxTypeOf(dtype);
  v.dims = {static_cast<int64_t>(values.size())};
  v.values = values;
  return Initializer(v);
}

std::string OnnxExportNode::Cast(const std::string& value, int32_t type) {
  return Add("Cast", {value}, {IntAttr("to", type)});
}

absl::Status OnnxExportNode::Unsupported(absl::string_view why) const {
  return absl::InvalidArgumentError(
      absl::StrCat(graph_.Describe(index_), ": ", why));
}

namespace {

// y = op(inputs...) under the node's name.
[[nodiscard]] absl::Status Same(OnnxExportNode& n, const char* op,
                                std::vector<AttributeProto> attrs = {}) {
  std::vector<std::string> inputs;
  for (size_t k = 0; k < n.node().inputs.size(); ++k) {
    inputs.push_back(n.Input(k));
  }
  n.Add(op, inputs, std::move(attrs), n.Output());
  return absl::OkStatus();
}

// ONNX comparisons give bool; nabla's give numbers of the inputs' dtype.
[[nodiscard]] absl::Status Comparison(OnnxExportNode& n, const char* op) {
  const std::string flag = n.Add(op, {n.Input(0), n.Input(1)});
  n.Add("Cast", {flag}, {IntAttr("to", OnnxTypeOf(n.dtype()))}, n.Output());
  return absl::OkStatus();
}

// x * gate(x): SiLU, Swish, Mish.
[[nodiscard]] absl::Status Gated(OnnxExportNode& n, const std::string& gate) {
  n.Add("Mul", {n.Input(0), gate}, {}, n.Output());
  return absl::OkStatus();
}

// GELU: x Φ(x) = x (1 + erf(x / √2)) / 2, or the tanh form
// x (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2.
[[nodiscard]] absl::Status Gelu(OnnxExportNode& n) {
  const std::string x = n.Input(0);
  const DType t = n.dtype();
  std::string inner;
  if (n.attrs().GetString("approximate") == "tanh") {
    const std::string cube = n.Add("Mul", {x, n.Add("Mul", {x, x})});
    const std::string sum =
        n.Add("Add", {x, n.Add("Mul", {cube, n.Scalar(0.044715, t)})});
    inner = n.Add("Tanh",
                  {n.Add("Mul", {sum, n.Scalar(std::sqrt(2.0 / M_PI), t)})});
  } else {
    inner = n.Add("Erf", {n.Add("Mul", {x, n.Scalar(M_SQRT1_2, t)})});
  }
  const std::string half =
      n.Add("Mul", {n.Add("Add", {inner, n.Scalar(1, t)}), n.Scalar(0.5, t)});
  n.Add("Mul", {x, half}, {}, n.Output());
  return absl::OkStatus();
}

[[nodiscard]] absl::Status Clip(OnnxExportNode& n) {
  const double min = n.attrs().GetFloat("min");
  const double max = n.attrs().GetFloat("max");
  n.Add("Clip",
        {n.Input(0), std::isinf(min) ? "" : n.Scalar(min, n.dtype()),
         std::isinf(max) ? "" : n.Scalar(max, n.dtype())},
        {}, n.Output());
  return absl::OkStatus();
}

[[nodiscard]] absl::Status Where(OnnxExportNode& n) {
  const std::string condition = n.Cast(n.Input(0), onnx::TensorProto::BOOL);
  n.Add("Where", {condition, n.Input(1), n.Input(2)}, {}, n.Output());
  return absl::OkStatus();
}

[[nodiscard]] absl::Status Reshape(OnnxExportNode& n) {
  const Shape shape = n.attrs().GetShape("shape");
  const auto dims = shape.dims();
  const bool zero = std::count(dims.begin(), dims.end(), 0) > 0;
  // nabla's 0 is a zero-size dimension; ONNX's copies the input's unless
  // allowzero.
  n.Add("Reshape", {n.Input(0), n.Ints(dims)}, {IntAttr("allowzero", zero)},
        n.Output());
  return absl::OkStatus();
}

[[nodiscard]] absl::Status Transpose(OnnxExportNode& n) {
  const auto perm = n.attrs().GetIntList("perm");
  std::vector<AttributeProto> attrs;
  if (!perm.empty()) attrs.push_back(IntsAttr("perm", perm));
  n.Add("Transpose", {n.Input(0)}, std::move(attrs), n.Output());
  return absl::OkStatus();
}

[[nodiscard]] absl::Status Slice(OnnxExportNode& n) {
  const ResolvedAttrs& attrs = n.attrs();
  std::vector<std::string> inputs = {n.Input(0),
                                     n.Ints(attrs.GetIntList("starts")),
                                     n.Ints(attrs.GetIntList("ends"))};
  const auto axes = attrs.GetIntList("axes");
  const auto steps = attrs.GetIntList("steps");
  inputs.push_back(axes.empty() ? "" : n.Ints(axes));
  if (!steps.empty()) inputs.push_back(n.Ints(steps));
  n.Add("Slice", inputs, {}, n.Output());
  return absl::OkStatus();
}

// Split: nabla's outputs "node", "node:1", ... as ONNX's outputs.
[[nodiscard]] absl::Status Split(OnnxExportNode& n) {
  const int outputs = static_cast<int>(n.node().output_shapes.size());
  const int64_t axis = n.attrs().GetInt("axis");
  const int rank = n.InputShape(0).rank();
  const int64_t a = axis < 0 ? axis + rank : axis;
  std::vector<int64_t> sizes;
  for (const Shape& part : n.node().output_shapes) sizes.push_back(part.dim(a));
  std::vector<std::string> inputs = {n.Input(0)};
  if (std::count(sizes.begin(), sizes.end(), -1) > 0) {
    return n.Unsupported("a Split along a dimension of unknown size");
  }
  inputs.push_back(n.Ints(sizes));
  std::vector<std::string> names;
  for (int k = 0; k < outputs; ++k) names.push_back(n.Output(k));
  n.AddMulti("Split", inputs, {IntAttr("axis", a)}, names);
  return absl::OkStatus();
}

[[nodiscard]] absl::Status Gather(OnnxExportNode& n) {
  const std::string indices = n.Cast(n.Input(1), onnx::TensorProto::INT64);
  n.Add("Gather", {n.Input(0), indices},
        {IntAttr("axis", n.attrs().GetInt("axis"))}, n.Output());
  return absl::OkStatus();
}

[[nodiscard]] absl::Status Pad(OnnxExportNode& n) {
  const auto pads = n.attrs().GetIntList("pads");
  n.Add("Pad",
        {n.Input(0), n.Ints(pads),
         n.Scalar(n.attrs().GetFloat("value"), n.dtype())},
        {StringAttr("mode", n.attrs().GetString("mode"))}, n.Output());
  return absl::OkStatus();
}

// ReduceSum takes its axes as an input from opset 13, the others as an
// attribute until opset 18; no axes reduce everything in both.
[[nodiscard]] absl::Status Reduce(OnnxExportNode& n, const char* op) {
  const auto axes = n.attrs().GetIntList("axes");
  std::vector<std::string> inputs = {n.Input(0)};
  std::vector<AttributeProto> attrs = {
      IntAttr("keepdims", n.attrs().GetBool("keep_dims"))};
  if (!axes.empty()) {
    if (absl::string_view(op) == "ReduceSum") {
      inputs.push_back(n.Ints(axes));
    } else {
      attrs.push_back(IntsAttr("axes", axes));
    }
  }
  n.Add(op, inputs, std::move(attrs), n.Output());
  return absl::OkStatus();
}

// ArgMax and ArgMin give int64 in ONNX, numbers of x's dtype in nabla.
[[nodiscard]] absl::Status ArgExtremum(OnnxExportNode& n, const char* op) {
  const std::string index =
      n.Add(op, {n.Input(0)},
            {IntAttr("axis", n.attrs().GetInt("axis")),
             IntAttr("keepdims", n.attrs().GetBool("keep_dims"))});
  n.Add("Cast", {index}, {IntAttr("to", OnnxTypeOf(n.dtype()))}, n.Output());
  return absl::OkStatus();
}

[[nodiscard]] absl::Status OneHot(OnnxExportNode& n) {
  const std::string indices = n.Cast(n.Input(0), onnx::TensorProto::INT64);
  const std::string depth = n.Ints({n.attrs().GetInt("depth")});
  const std::string off_on = n.Floats({0, 1}, n.dtype());
  n.Add("OneHot", {indices, depth, off_on}, {IntAttr("axis", -1)}, n.Output());
  return absl::OkStatus();
}

}  // namespace

void AddElementwiseExporters(OnnxExporterMap& m) {
  m["Abs"] = [](OnnxExportNode& n) { return Same(n, "Abs"); };
  m["Add"] = [](OnnxExportNode& n) { return Same(n, "Add"); };
  m["Sub"] = [](OnnxExportNode& n) { return Same(n, "Sub"); };
  m["Mul"] = [](OnnxExportNode& n) { return Same(n, "Mul"); };
  m["Div"] = [](OnnxExportNode& n) { return Same(n, "Div"); };
  m["Pow"] = [](OnnxExportNode& n) { return Same(n, "Pow"); };
  m["Neg"] = [](OnnxExportNode& n) { return Same(n, "Neg"); };
  m["Exp"] = [](OnnxExportNode& n) { return Same(n, "Exp"); };
  m["Erf"] = [](OnnxExportNode& n) { return Same(n, "Erf"); };
  m["Floor"] = [](OnnxExportNode& n) { return Same(n, "Floor"); };
  m["Ceil"] = [](OnnxExportNode& n) { return Same(n, "Ceil"); };
  m["Round"] = [](OnnxExportNode& n) { return Same(n, "Round"); };
  // ONNX has no Trunc: sign(x) ⌊|x|⌋.
  m["Trunc"] = [](OnnxExportNode& n) -> absl::Status {
    const std::string whole = n.Add("Floor", {n.Add("Abs", {n.Input(0)})});
    n.Add("Mul", {n.Add("Sign", {n.Input(0)}), whole}, {}, n.Output());
    return absl::OkStatus();
  };
  m["Log"] = [](OnnxExportNode& n) { return Same(n, "Log"); };
  m["Sqrt"] = [](OnnxExportNode& n) { return Same(n, "Sqrt"); };
  m["Max"] = [](OnnxExportNode& n) { return Same(n, "Max"); };
  m["Min"] = [](OnnxExportNode& n) { return Same(n, "Min"); };
  m["Identity"] = [](OnnxExportNode& n) { return Same(n, "Identity"); };
  // Dropout is the identity in inference.
  m["Dropout"] = [](OnnxExportNode& n) { return Same(n, "Identity"); };
  m["Square"] = [](OnnxExportNode& n) -> absl::Status {
    n.Add("Mul", {n.Input(0), n.Input(0)}, {}, n.Output());
    return absl::OkStatus();
  };
  m["Sigmoid"] = [](OnnxExportNode& n) { return Same(n, "Sigmoid"); };
  m["Tanh"] = [](OnnxExportNode& n) { return Same(n, "Tanh"); };
  m["ReLU"] = [](OnnxExportNode& n) { return Same(n, "Relu"); };
  m["Softplus"] = [](OnnxExportNode& n) { return Same(n, "Softplus"); };
  m["Softsign"] = [](OnnxExportNode& n) { return Same(n, "Softsign"); };
  m["SELU"] = [](OnnxExportNode& n) { return Same(n, "Selu"); };
  m["ELU"] = [](OnnxExportNode& n) {
    return Same(n, "Elu", {FloatAttr("alpha", n.attrs().GetFloat("alpha"))});
  };
  m["LeakyReLU"] = [](OnnxExportNode& n) {
    return Same(n, "LeakyRelu",
                {FloatAttr("alpha", n.attrs().GetFloat("alpha"))});
  };
  m["HardSigmoid"] = [](OnnxExportNode& n) {
    return Same(n, "HardSigmoid",
                {FloatAttr("alpha", 1.0 / 6), FloatAttr("beta", 0.5)});
  };
  m["Softmax"] = [](OnnxExportNode& n) {
    return Same(n, "Softmax", {IntAttr("axis", n.attrs().GetInt("axis"))});
  };
  m["LogSoftmax"] = [](OnnxExportNode& n) {
    return Same(n, "LogSoftmax", {IntAttr("axis", n.attrs().GetInt("axis"))});
  };
  m["SiLU"] = [](OnnxExportNode& n) {
    return Gated(n, n.Add("Sigmoid", {n.Input(0)}));
  };
  m["Swish"] = [](OnnxExportNode& n) {
    const std::string scaled = n.Add(
        "Mul", {n.Input(0), n.Scalar(n.attrs().GetFloat("beta"), n.dtype())});
    return Gated(n, n.Add("Sigmoid", {scaled}));
  };
  m["Mish"] = [](OnnxExportNode& n) {
    return Gated(n, n.Add("Tanh", {n.Add("Softplus", {n.Input(0)})}));
  };
  m["GELU"] = Gelu;
  m["Clip"] = Clip;
  m["Where"] = Where;
  m["Equal"] = [](OnnxExportNode& n) { return Comparison(n, "Equal"); };
  m["Greater"] = [](OnnxExportNode& n) { return Comparison(n, "Greater"); };
  m["GreaterOrEqual"] = [](OnnxExportNode& n) {
    return Comparison(n, "GreaterOrEqual");
  };
  m["Less"] = [](OnnxExportNode& n) { return Comparison(n, "Less"); };
  m["LessOrEqual"] = [](OnnxExportNode& n) {
    return Comparison(n, "LessOrEqual");
  };
  m["Reshape"] = Reshape;
  m["Transpose"] = Transpose;
  m["Flatten"] = [](OnnxExportNode& n) {
    return Same(n, "Flatten", {IntAttr("axis", n.attrs().GetInt("axis"))});
  };
  m["Concat"] = [](OnnxExportNode& n) {
    return Same(n, "Concat", {IntAttr("axis", n.attrs().GetInt("axis"))});
  };
  m["Slice"] = Slice;
  m["Split"] = Split;
  m["Gather"] = Gather;
  m["Pad"] = Pad;
  m["ReduceSum"] = [](OnnxExportNode& n) { return Reduce(n, "ReduceSum"); };
  m["ReduceMean"] = [](OnnxExportNode& n) { return Reduce(n, "ReduceMean"); };
  m["ReduceMax"] = [](OnnxExportNode& n) { return Reduce(n, "ReduceMax"); };
  m["ReduceMin"] = [](OnnxExportNode& n) { return Reduce(n, "ReduceMin"); };
  m["ArgMax"] = [](OnnxExportNode& n) { return ArgExtremum(n, "ArgMax"); };
  m["ArgMin"] = [](OnnxExportNode& n) { return ArgExtremum(n, "ArgMin"); };
  m["OneHot"] = OneHot;
}

OnnxExporter FindOnnxExporter(absl::string_view op) {
  static const OnnxExporterMap* map = [] {
    auto* m = new OnnxExporterMap();
    AddElementwiseExporters(*m);
    AddNnExporters(*m);
    return m;
  }();
  auto it = map->find(op);
  return it == map->end() ? nullptr : it->second;
}

}  // namespace nabla
