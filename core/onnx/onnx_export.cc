#include "core/onnx/onnx_export.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/file_write.h"
#include "core/onnx/onnx_exporters.h"
#include "core/onnx/onnx_tensor.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

OnnxValues ValuesOf(const Tensor& tensor) {
  OnnxValues v;
  v.elem_type = OnnxTypeOf(tensor.dtype());
  v.dims = DimsOf(tensor.shape());
  v.values.resize(tensor.num_elements());
  for (int64_t i = 0; i < tensor.num_elements(); ++i) {
    v.values[i] = tensor.ValueAt(i);
  }
  return v;
}

void AddInitializer(const std::string& name, const Tensor& tensor,
                    onnx::GraphProto* graph) {
  onnx::TensorProto* t = graph->add_initializer();
  WriteOnnxTensor(ValuesOf(tensor), t);
  t->set_name(name);
}

void SetValueInfo(const std::string& name, DType dtype, const Shape& shape,
                  onnx::ValueInfoProto* info) {
  info->set_name(name);
  onnx::TypeProto::Tensor* type = info->mutable_type()->mutable_tensor_type();
  type->set_elem_type(OnnxTypeOf(dtype));
  onnx::TensorShapeProto* dims = type->mutable_shape();
  for (int i = 0; i < shape.rank(); ++i) {
    if (shape.dim(i) >= 0) {
      dims->add_dim()->set_dim_value(shape.dim(i));
    } else {
      dims->add_dim()->set_dim_param(i == 0 ? "batch" : absl::StrCat("d", i));
    }
  }
}

// Output endpoints by name, and every node they need, in graph order.
struct Needed {
  std::vector<Endpoint> outputs;
  std::vector<bool> node;
};

[[nodiscard]] absl::StatusOr<Needed> FindNeeded(
    const Graph& graph, const std::vector<std::string>& outputs) {
  if (outputs.empty()) {
    return absl::InvalidArgumentError(
        "ONNX export needs an output: set prediction { output } in the "
        "model or name the outputs");
  }
  Needed needed;
  needed.node.assign(graph.num_nodes(), false);
  std::vector<int> stack;
  for (const std::string& output : outputs) {
    std::string name;
    int k = 0;
    if (!ParseInputName(output, &name, &k)) {
      return absl::InvalidArgumentError(
          absl::StrCat("ONNX export: bad output name '", output, "'"));
    }
    NABLA_ASSIGN_OR_RETURN(const int node, graph.FindNode(name));
    if (k >= static_cast<int>(graph.node(node).output_shapes.size())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ONNX export: ", graph.Describe(node), " has no output ", k));
    }
    needed.outputs.push_back({node, k});
    stack.push_back(node);
  }
  while (!stack.empty()) {
    const int i = stack.back();
    stack.pop_back();
    if (needed.node[i]) continue;
    needed.node[i] = true;
    for (const Endpoint& e : graph.node(i).inputs) stack.push_back(e.node);
  }
  return needed;
}

[[nodiscard]] absl::Status CheckExportable(const Graph& graph,
                                           const Needed& needed) {
  std::vector<std::string> lines;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const OpRole role = graph.node(i).op->role();
    if (!needed.node[i] || role == OpRole::kPlaceholder ||
        role == OpRole::kVariable || role == OpRole::kConstant) {
      continue;
    }
    if (FindOnnxExporter(graph.node(i).op->name()) == nullptr) {
      lines.push_back(absl::StrCat("  ", graph.Describe(i)));
    }
  }
  if (lines.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "ONNX export: ", lines.size(), " node", lines.size() == 1 ? "" : "s",
      " the outputs need ha", lines.size() == 1 ? "s" : "ve",
      " no ONNX form (export covers inference ops, not losses):\n",
      absl::StrJoin(lines, "\n")));
}

const NormalizationStats* StatsFor(const OnnxExportSpec& spec,
                                   const std::string& placeholder) {
  for (const NormalizationStats& s : spec.normalization) {
    if (s.placeholder() == placeholder) return &s;
  }
  return nullptr;
}

// (value - offset) / scale, or value * scale + offset when `invert`,
// from `from` into `to`.
void AddNormalization(const NormalizationStats& stats, DType dtype,
                      const std::string& from, const std::string& to,
                      bool invert, onnx::GraphProto* graph) {
  auto constant = [&](const char* what,
                      const google::protobuf::RepeatedField<double>& v) {
    OnnxValues values;
    values.elem_type = OnnxTypeOf(dtype);
    if (v.size() != 1) values.dims = {v.size()};
    values.values.assign(v.begin(), v.end());
    onnx::TensorProto* t = graph->add_initializer();
    WriteOnnxTensor(values, t);
    t->set_name(absl::StrCat(to, "/", what));
    return t->name();
  };
  auto node = [&](const char* op, const std::string& a, const std::string& b,
                  const std::string& out) {
    onnx::NodeProto* n = graph->add_node();
    n->set_op_type(op);
    n->set_name(out);
    n->add_input(a);
    n->add_input(b);
    n->add_output(out);
  };
  const std::string offset = constant("offset", stats.offset());
  const std::string scale = constant("scale", stats.scale());
  const std::string middle = absl::StrCat(to, "/partial");
  if (invert) {
    node("Mul", from, scale, middle);
    node("Add", middle, offset, to);
  } else {
    node("Sub", from, offset, middle);
    node("Div", middle, scale, to);
  }
}

}  // namespace

[[nodiscard]] absl::StatusOr<onnx::ModelProto> ExportOnnx(
    const Graph& graph, const OnnxExportSpec& spec) {
  NABLA_ASSIGN_OR_RETURN(const Needed needed, FindNeeded(graph, spec.outputs));
  NABLA_RETURN_IF_ERROR(CheckExportable(graph, needed));
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("nabla");
  onnx::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxExportOpset);
  onnx::GraphProto* out = model.mutable_graph();
  out->set_name("nabla");

  std::map<std::string, std::string> renames;
  const NormalizationStats* output_stats =
      spec.output_units_of.empty() ? nullptr
                                   : StatsFor(spec, spec.output_units_of);
  if (output_stats != nullptr) {
    renames[spec.outputs[0]] = absl::StrCat(spec.outputs[0], "/normalized");
  }
  for (int i = 0; i < graph.num_nodes(); ++i) {
    if (!needed.node[i]) continue;
    const Node& node = graph.node(i);
    switch (node.op->role()) {
      case OpRole::kPlaceholder: {
        SetValueInfo(node.name, node.output_dtypes[0], node.output_shapes[0],
                     out->add_input());
        if (const NormalizationStats* s = StatsFor(spec, node.name)) {
          renames[node.name] = absl::StrCat(node.name, "/normalized");
          AddNormalization(*s, node.output_dtypes[0], node.name,
                           renames[node.name], false, out);
        }
        break;
      }
      case OpRole::kVariable:
        AddInitializer(node.name, spec.variable(i), out);
        break;
      case OpRole::kConstant: {
        NABLA_ASSIGN_OR_RETURN(
            Tensor value, TensorFromProto(node.attrs.GetTensor("value"),
                                          node.name, node.output_dtypes[0]));
        AddInitializer(node.name, value, out);
        break;
      }
      case OpRole::kCompute: {
        OnnxExportNode n(graph, i, out, &renames);
        NABLA_RETURN_IF_ERROR(FindOnnxExporter(node.op->name())(n));
        break;
      }
    }
  }
  if (output_stats != nullptr) {
    const Endpoint& e = needed.outputs[0];
    AddNormalization(*output_stats, graph.node(e.node).output_dtypes[e.output],
                     renames[spec.outputs[0]], spec.outputs[0], true, out);
  }
  for (size_t k = 0; k < spec.outputs.size(); ++k) {
    const Endpoint& e = needed.outputs[k];
    SetValueInfo(spec.outputs[k], graph.node(e.node).output_dtypes[e.output],
                 graph.node(e.node).output_shapes[e.output], out->add_output());
  }
  return model;
}

[[nodiscard]] absl::Status WriteOnnxFile(const onnx::ModelProto& model,
                                         const std::string& path) {
  std::string bytes;
  if (!model.SerializeToString(&bytes)) {
    return absl::InternalError(
        absl::StrCat(path, ": the ONNX model does not serialize"));
  }
  return WriteFileAtomically(path, bytes, "the ONNX model");
}

}  // namespace nabla
