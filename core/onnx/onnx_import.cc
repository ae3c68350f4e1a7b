#include "core/onnx/onnx_import.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/file_read.h"
#include "core/graph.h"
#include "core/onnx/onnx_converters.h"
#include "core/onnx/onnx_graph_builder.h"
#include "core/onnx/onnx_node.h"
#include "core/session.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

using onnx::TensorProto;

bool IsDefaultDomain(absl::string_view domain) {
  return domain.empty() || domain == "ai.onnx";
}

[[nodiscard]] absl::StatusOr<int> DefaultOpset(const onnx::ModelProto& model,
                                               absl::string_view source) {
  for (const onnx::OperatorSetIdProto& set : model.opset_import()) {
    if (!IsDefaultDomain(set.domain())) continue;
    if (set.version() < kMinOnnxOpset || set.version() > kMaxOnnxOpset) {
      return absl::UnimplementedError(absl::StrCat(
          source, ": opset ", set.version(),
          " of the default ONNX domain is not supported (nabla imports ",
          kMinOnnxOpset, " to ", kMaxOnnxOpset, ")"));
    }
    return static_cast<int>(set.version());
  }
  return absl::UnimplementedError(absl::StrCat(
      source, ": the model imports no opset of the default ONNX domain"));
}

// Every node nabla cannot import by its op type or domain, at once.
[[nodiscard]] absl::Status CheckOpsSupported(const onnx::GraphProto& graph,
                                             int opset,
                                             absl::string_view source) {
  std::vector<std::string> lines;
  for (const onnx::NodeProto& node : graph.node()) {
    const std::string& name = OnnxNodeName(node);
    if (!IsDefaultDomain(node.domain())) {
      lines.push_back(absl::StrCat("  node '", name, "' (", node.op_type(),
                                   ", domain '", node.domain(), "')"));
    } else if (FindOnnxConverter(node.op_type()) == nullptr) {
      lines.push_back(absl::StrCat("  node '", name, "' (", node.op_type(),
                                   ", opset ", opset, ")"));
    }
  }
  if (lines.empty()) return absl::OkStatus();
  return absl::UnimplementedError(absl::StrCat(
      source, ": ", lines.size(), " node", lines.size() == 1 ? "" : "s",
      " with an op nabla does not import:\n", absl::StrJoin(lines, "\n")));
}

// float64 when the model's float tensors are all double, else float32.
DType ModelFloatType(const onnx::GraphProto& graph) {
  bool float32 = false, float64 = false;
  auto note = [&](int32_t type) {
    float32 |= type == TensorProto::FLOAT;
    float64 |= type == TensorProto::DOUBLE;
  };
  for (const TensorProto& t : graph.initializer()) note(t.data_type());
  for (const onnx::ValueInfoProto& v : graph.input()) {
    note(v.type().tensor_type().elem_type());
  }
  return float64 && !float32 ? DType::kFloat64 : DType::kFloat32;
}

[[nodiscard]] absl::Status AddInitializers(const onnx::GraphProto& graph,
                                           absl::string_view source,
                                           OnnxGraphBuilder& builder) {
  std::vector<std::string> errors;
  absl::StatusCode code = absl::StatusCode::kOk;
  for (const TensorProto& t : graph.initializer()) {
    absl::StatusOr<OnnxValues> values = ReadOnnxTensor(
        t, absl::StrCat(source, ": initializer '", t.name(), "'"),
        builder.model_dir());
    if (!values.ok()) {
      errors.push_back(std::string(values.status().message()));
      code = values.status().code();
      continue;
    }
    OnnxValue& value = builder.Define(t.name());
    value.elem_type = values->elem_type;
    value.constant = *std::move(values);
    value.initializer = true;
  }
  if (errors.empty()) return absl::OkStatus();
  return absl::Status(code, absl::StrJoin(errors, "\n"));
}

[[nodiscard]] absl::Status AddInput(const onnx::ValueInfoProto& input,
                                    absl::string_view source,
                                    OnnxGraphBuilder& builder,
                                    OnnxImport& out) {
  const std::string what = absl::StrCat(source, ": input '", input.name(), "'");
  if (!input.type().has_tensor_type()) {
    return absl::UnimplementedError(absl::StrCat(what, " is not a tensor"));
  }
  const onnx::TypeProto::Tensor& type = input.type().tensor_type();
  if (!IsSupportedOnnxType(type.elem_type())) {
    return absl::UnimplementedError(absl::StrCat(
        what, " has element type ", OnnxTypeName(type.elem_type())));
  }
  if (!type.has_shape()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " has no shape; nabla needs at least its rank"));
  }
  std::vector<int64_t> dims;
  for (const onnx::TensorShapeProto::Dimension& d : type.shape().dim()) {
    dims.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value()
                                                           : -1);
  }
  const DType dtype = builder.DTypeFor(type.elem_type());
  absl::StatusOr<std::vector<Operand>> placeholder =
      builder.Emit(input.name(), "Placeholder", {},
                   {{"dtype", MakeAttr(std::string(DTypeName(dtype)))},
                    {"shape", MakeAttr(Shape(absl::MakeConstSpan(dims)))}});
  if (!placeholder.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", placeholder.status().message()));
  }
  OnnxValue& value = builder.Define(input.name());
  value.operand = (*placeholder)[0];
  value.elem_type = type.elem_type();
  out.inputs.push_back(value.operand->ref);
  return absl::OkStatus();
}

// The most elements a node's constant inputs and outputs may hold for it
// to be evaluated at import.
constexpr int64_t kMaxFoldElements = int64_t{1} << 16;

// Whether `proto` computes from values known at import only (and small),
// none of them a float initializer (a weight, which must stay trainable)
// or a size known only when data is fed.
bool Foldable(const onnx::NodeProto& proto, OnnxGraphBuilder& builder) {
  int64_t elements = 0;
  bool any = false;
  for (const std::string& input : proto.input()) {
    if (input.empty()) continue;
    const OnnxValue* value = builder.Find(input);
    if (value == nullptr || !value->constant.has_value() ||
        value->constant->symbolic() ||
        (value->initializer && !value->constant->is_integer())) {
      return false;
    }
    elements += value->constant->num_elements();
    any = true;
  }
  return any && elements <= kMaxFoldElements;
}

// The element type of a computed output: the converter's, except that
// arithmetic on integers stays integer (the converter leaves it the float
// type of the dtype): the first integer input's type that is not bool (a
// condition), else bool. Cast says its type itself.
void KeepIntegerTypes(const onnx::NodeProto& proto, OnnxGraphBuilder& builder) {
  if (proto.op_type() == "Cast") return;
  int32_t integer = 0;
  for (const std::string& input : proto.input()) {
    const OnnxValue* value = input.empty() ? nullptr : builder.Find(input);
    if (value == nullptr) continue;
    if (!IsOnnxIntegerType(value->elem_type)) return;
    if (integer == 0 || integer == onnx::TensorProto::BOOL) {
      integer = value->elem_type;
    }
  }
  for (const std::string& output : proto.output()) {
    OnnxValue* value = output.empty() ? nullptr : builder.Find(output);
    if (value != nullptr && !value->constant.has_value() &&
        (value->elem_type == onnx::TensorProto::FLOAT ||
         value->elem_type == onnx::TensorProto::DOUBLE)) {
      value->elem_type = integer;
    }
  }
}

// The scratch graph's nodes hold at most kMaxFoldElements each, and the
// integers fed to it are exact in its float type (2^53 in float64, 2^24 in
// float32): else folding would allocate much or round.
bool FitsFolding(const Graph& graph) {
  for (const Node& node : graph.nodes()) {
    for (const Shape& shape : node.output_shapes) {
      const int64_t n = shape.num_elements();
      if (n < 0 || n > kMaxFoldElements) return false;
    }
  }
  return true;
}

// 2^53 and 2^24: the largest integers float64 and float32 hold exactly.
constexpr double kMaxExactFloat64Integer = 9007199254740992.0;
constexpr double kMaxExactFloat32Integer = 16777216.0;

bool ExactIn(const OnnxValues& values, DType dtype) {
  const double limit = dtype == DType::kFloat64 ? kMaxExactFloat64Integer
                                                : kMaxExactFloat32Integer;
  for (double v : values.values) {
    if (values.is_integer() && std::abs(v) > limit) return false;
  }
  return true;
}

// A folded output as a constant of `elem_type`; false when an integer
// element is not one (NaN, infinite, beyond int64).
bool ToConstant(const Tensor& t, int32_t elem_type, OnnxValues* out) {
  out->elem_type = elem_type;
  out->dims = DimsOf(t.shape());
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    out->values.push_back(t.ValueAt(i));
    if (!out->is_integer()) continue;
    // Integers past 2^53 were rounded by the float64 arithmetic.
    int64_t integer = 0;
    if (std::abs(out->values.back()) > kMaxExactFloat64Integer ||
        !ToInt64(std::trunc(out->values.back()), &integer)) {
      return false;
    }
    out->ints.push_back(integer);
    out->values.back() = static_cast<double>(integer);
  }
  return true;
}

// Evaluates a node of constant inputs once (constant folding, as ONNX
// runtimes do): its converter writes into a scratch graph whose inputs are
// Const nodes, which a session runs; its outputs become constants, so
// that shape arithmetic an exporter wrote (Sub of a Size, Slice of a
// Shape) is known to the nodes that need it. Integer-only nodes compute in
// float64. False, changing nothing, when the node does not fold (its
// converter refuses, or the values are not small or exact).
bool FoldNode(const onnx::NodeProto& proto, int opset,
              OnnxGraphBuilder& builder) {
  bool integers = true;
  for (const std::string& input : proto.input()) {
    if (!input.empty()) integers &= builder.Find(input)->constant->is_integer();
  }
  OnnxGraphBuilder scratch(integers ? DType::kFloat64 : builder.float_dtype(),
                           false, builder.model_dir());
  for (const std::string& input : proto.input()) {
    if (input.empty()) continue;
    OnnxValue& value = scratch.Define(input);
    value = *builder.Find(input);
    value.initializer = false;
    value.operand.reset();
  }
  OnnxNode node(proto, opset, &scratch);
  if (!FindOnnxConverter(proto.op_type())(node).ok()) return false;
  KeepIntegerTypes(proto, scratch);
  // Inputs the converter read as attributes (a Slice's ends, often
  // INT64_MAX) need not be exact as numbers; the ones it computes on do.
  for (const std::string& input : proto.input()) {
    const OnnxValue* value = input.empty() ? nullptr : scratch.Find(input);
    if (value != nullptr && value->operand.has_value() &&
        !ExactIn(*value->constant, value->operand->dtype)) {
      return false;
    }
  }
  std::vector<std::string> fetches;
  for (const std::string& output : proto.output()) {
    const OnnxValue* out = output.empty() ? nullptr : scratch.Find(output);
    if (out == nullptr || out->constant.has_value()) continue;
    if (!out->operand.has_value()) return false;
    fetches.push_back(out->operand->ref);
  }
  absl::StatusOr<Graph> graph =
      Graph::Build(scratch.graph(), SourceInfo{"<constant folding>", {}});
  if (!graph.ok() || !FitsFolding(*graph)) return false;
  absl::StatusOr<std::unique_ptr<Session>> session =
      Session::Create(std::make_shared<const Graph>(*std::move(graph)), {});
  if (!session.ok()) return false;
  absl::StatusOr<std::vector<Tensor>> results = (*session)->Run({}, fetches);
  if (!results.ok()) return false;
  std::vector<std::pair<std::string, OnnxValues>> folded;
  size_t next = 0;
  for (const std::string& output : proto.output()) {
    if (output.empty()) continue;
    const OnnxValue* out = scratch.Find(output);
    if (out == nullptr) return false;  // ConvertNode reports it
    OnnxValues values;
    if (out->constant.has_value()) {
      values = *out->constant;
    } else if (!ToConstant((*results)[next++], out->elem_type, &values)) {
      return false;
    }
    folded.emplace_back(output, std::move(values));
  }
  for (auto& [name, values] : folded) {
    OnnxValue& value = builder.Define(name);
    value.elem_type = values.elem_type;
    value.constant = std::move(values);
  }
  return true;
}

// Converts one node; its outputs are marked failed when it or an input's
// producer failed, so that one error is reported once.
[[nodiscard]] absl::Status ConvertNode(const onnx::NodeProto& proto, int opset,
                                       OnnxGraphBuilder& builder) {
  OnnxNode node(proto, opset, &builder);
  bool inputs_failed = false;
  for (int k = 0; k < proto.input_size(); ++k) {
    if (proto.input(k).empty()) continue;
    const OnnxValue* value = builder.Find(proto.input(k));
    if (value == nullptr) {
      return node.Invalid(
          absl::StrCat("input '", proto.input(k),
                       "' is not defined before the node (ONNX lists nodes in "
                       "topological order)"));
    }
    inputs_failed |= value->failed;
  }
  for (const std::string& output : proto.output()) {
    if (!output.empty() && builder.Find(output) != nullptr) {
      return node.Invalid(
          absl::StrCat("its output '", output,
                       "' is already defined (ONNX assigns each value once)"));
    }
  }
  if (!inputs_failed && Foldable(proto, builder) &&
      FoldNode(proto, opset, builder)) {
    return absl::OkStatus();
  }
  absl::Status converted = absl::OkStatus();
  if (!inputs_failed) converted = FindOnnxConverter(proto.op_type())(node);
  if (converted.ok() && !inputs_failed && proto.input_size() > 0) {
    KeepIntegerTypes(proto, builder);
  }
  std::vector<std::string> missing;
  for (int k = 0; k < proto.output_size(); ++k) {
    if (proto.output(k).empty()) continue;
    OnnxValue& value = builder.Define(proto.output(k));
    if (!value.operand.has_value() && !value.constant.has_value()) {
      value.failed = true;
      missing.push_back(absl::StrCat(k, " ('", proto.output(k), "')"));
    }
  }
  if (!converted.ok() || inputs_failed || missing.empty()) return converted;
  return node.Invalid(
      absl::StrCat("it names more outputs than it computes: output ",
                   absl::StrJoin(missing, ", ")));
}

[[nodiscard]] absl::Status AddOutput(const onnx::ValueInfoProto& output,
                                     absl::string_view source,
                                     OnnxGraphBuilder& builder,
                                     OnnxImport& out) {
  OnnxValue* value = builder.Find(output.name());
  if (value == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": output '", output.name(), "' is computed by no node"));
  }
  if (value->failed) return absl::OkStatus();  // reported already
  NABLA_ASSIGN_OR_RETURN(Operand operand, builder.Materialize(output.name()));
  std::string node_name = operand.ref;
  if (node_name != NablaNameFor(output.name())) {
    NABLA_ASSIGN_OR_RETURN(
        std::vector<Operand> identity,
        builder.Emit(output.name(), "Identity", {operand}, {}));
    node_name = identity[0].ref;
  }
  out.outputs.push_back(node_name);
  return absl::OkStatus();
}

}  // namespace

[[nodiscard]] absl::StatusOr<onnx::ModelProto> ParseOnnxModel(
    const std::string& bytes, absl::string_view source_name) {
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name,
                     ": not an ONNX model (the bytes do not parse as an "
                     "onnx.ModelProto)"));
  }
  if (!model.has_graph() ||
      (model.graph().node_size() == 0 && model.graph().output_size() == 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": not an ONNX model (it has no graph)"));
  }
  return model;
}

[[nodiscard]] absl::StatusOr<OnnxImport> ImportOnnx(
    const onnx::ModelProto& model, const OnnxImportOptions& options) {
  const std::string& source = options.source_name;
  const onnx::GraphProto& graph = model.graph();
  NABLA_ASSIGN_OR_RETURN(const int opset, DefaultOpset(model, source));
  NABLA_RETURN_IF_ERROR(CheckOpsSupported(graph, opset, source));
  OnnxGraphBuilder builder(ModelFloatType(graph), !options.freeze,
                           options.model_dir);
  OnnxImport out;
  NABLA_RETURN_IF_ERROR(AddInitializers(graph, source, builder));
  for (const onnx::ValueInfoProto& input : graph.input()) {
    if (builder.Find(input.name()) != nullptr) continue;  // an initializer
    NABLA_RETURN_IF_ERROR(AddInput(input, source, builder, out));
  }
  std::vector<std::string> errors;
  bool unsupported = false;
  for (const onnx::NodeProto& node : graph.node()) {
    absl::Status converted = ConvertNode(node, opset, builder);
    if (!converted.ok()) {
      errors.push_back(absl::StrCat(source, ": ", converted.message()));
      unsupported |= absl::IsUnimplemented(converted);
    }
  }
  for (const onnx::ValueInfoProto& output : graph.output()) {
    absl::Status added = AddOutput(output, source, builder, out);
    if (!added.ok()) errors.push_back(std::string(added.message()));
  }
  if (!errors.empty()) {
    const std::string message = absl::StrJoin(errors, "\n");
    return unsupported ? absl::UnimplementedError(message)
                       : absl::InvalidArgumentError(message);
  }
  out.graph = std::move(builder.graph());
  return out;
}

[[nodiscard]] absl::StatusOr<ParsedModel> ReadOnnxModelFile(
    const std::string& path, bool freeze, const std::string& source_name) {
  NABLA_ASSIGN_OR_RETURN(const std::string bytes,
                         ReadRegularFile(path, kMaxOnnxFileBytes));
  OnnxImportOptions options;
  options.freeze = freeze;
  options.source_name = source_name.empty() ? path : source_name;
  options.model_dir = DirectoryOf(path);
  NABLA_ASSIGN_OR_RETURN(const onnx::ModelProto proto,
                         ParseOnnxModel(bytes, options.source_name));
  NABLA_ASSIGN_OR_RETURN(OnnxImport imported, ImportOnnx(proto, options));
  ParsedModel parsed;
  parsed.source.name = options.source_name;
  parsed.model.set_format_version(kModelFormatVersion);
  *parsed.model.mutable_graph() = std::move(imported.graph);
  if (imported.inputs.size() == 1 && imported.outputs.size() == 1) {
    parsed.model.mutable_prediction()->set_input(imported.inputs[0]);
    parsed.model.mutable_prediction()->set_output(imported.outputs[0]);
  }
  return parsed;
}

}  // namespace nabla
