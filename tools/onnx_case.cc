#include "tools/onnx_case.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "core/file_read.h"
#include "core/onnx/onnx_graph_builder.h"
#include "core/onnx/onnx_import.h"
#include "core/onnx/onnx_tensor.h"
#include "core/status_macros.h"
#include "nabla/model.h"

namespace nabla {
namespace {

namespace fs = std::filesystem;
using Outcome = OnnxCaseResult::Outcome;

// The import's words for an input it must know when the model is loaded.
constexpr char kNeededAtLoad[] = "must be known when the model is loaded";

// A message on one line (the import lists nodes one per line), without
// the model's path, which the case's name gives.
std::string OneLine(absl::string_view text, absl::string_view path) {
  std::string line = absl::StrReplaceAll(text, {{"\n  ", " "}, {"\n", "; "}});
  if (!path.empty()) {
    line = absl::StrReplaceAll(line, {{absl::StrCat(path, ": "), ""}});
  }
  return line.size() > 400 ? line.substr(0, 400) + "..." : line;
}

[[nodiscard]] absl::StatusOr<OnnxValues> ReadTensorFile(const fs::path& path) {
  NABLA_ASSIGN_OR_RETURN(const std::string bytes,
                         ReadRegularFile(path.string(), uint64_t{1} << 30));
  onnx::TensorProto tensor;
  if (!tensor.ParseFromString(bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), ": not an onnx.TensorProto"));
  }
  return ReadOnnxTensor(tensor, path.string(), path.parent_path().string());
}

// The files named prefix_0.pb, prefix_1.pb, ... in `dir`, in order.
std::vector<fs::path> NumberedFiles(const fs::path& dir,
                                    const std::string& prefix) {
  std::vector<fs::path> files;
  for (int k = 0; fs::exists(dir / absl::StrCat(prefix, "_", k, ".pb")); ++k) {
    files.push_back(dir / absl::StrCat(prefix, "_", k, ".pb"));
  }
  return files;
}

// "" when `actual` matches `expected`, else what differs.
std::string Compare(const std::string& name, const OnnxValues& expected,
                    const Values& actual, const OnnxTolerance& tolerance) {
  if (expected.dims != actual.shape) {
    return absl::StrCat("output '", name, "' has shape [",
                        absl::StrJoin(actual.shape, ", "), "], expected [",
                        absl::StrJoin(expected.dims, ", "), "]");
  }
  for (size_t i = 0; i < expected.values.size(); ++i) {
    const double e = expected.values[i];
    const double a = actual.data[i];
    const bool equal =
        (std::isnan(e) && std::isnan(a)) || e == a ||
        (!expected.is_integer() &&
         std::abs(a - e) <= tolerance.atol + tolerance.rtol * std::abs(e));
    if (!equal) {
      return absl::StrCat("output '", name, "' element ", i, " is ", a,
                          ", expected ", e);
    }
  }
  return "";
}

// The graph's inputs that are not initializers: what input_k.pb feed.
std::vector<const onnx::ValueInfoProto*> FedInputs(
    const onnx::GraphProto& graph) {
  std::set<std::string> initializers;
  for (const onnx::TensorProto& t : graph.initializer()) {
    initializers.insert(t.name());
  }
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const onnx::ValueInfoProto& v : graph.input()) {
    if (!initializers.count(v.name())) inputs.push_back(&v);
  }
  return inputs;
}

// Runs one test_data_set; "" when every output matches. Inputs in `bound`
// are initializers of the model already.
std::string RunDataSet(const Model& model, const onnx::GraphProto& graph,
                       const fs::path& set, const std::set<std::string>& bound,
                       const OnnxTolerance& tolerance) {
  const std::vector<const onnx::ValueInfoProto*> inputs = FedInputs(graph);
  const std::vector<fs::path> input_files = NumberedFiles(set, "input");
  std::vector<NamedValues> feeds;
  for (size_t k = 0; k < input_files.size() && k < inputs.size(); ++k) {
    if (bound.count(inputs[k]->name())) continue;
    absl::StatusOr<OnnxValues> value = ReadTensorFile(input_files[k]);
    if (!value.ok()) return std::string(value.status().message());
    feeds.push_back({NablaNameFor(inputs[k]->name()),
                     Values(value->dims, std::move(value->values))});
  }
  std::vector<std::string> fetches;
  for (const onnx::ValueInfoProto& v : graph.output()) {
    fetches.push_back(NablaNameFor(v.name()));
  }
  absl::StatusOr<std::vector<Values>> outputs = model.Run(feeds, fetches);
  if (!outputs.ok()) return OneLine(outputs.status().message(), "");
  const std::vector<fs::path> output_files = NumberedFiles(set, "output");
  if (output_files.size() != outputs->size() || output_files.empty()) {
    return absl::StrCat(set.string(), " has ", output_files.size(),
                        " expected outputs for the model's ", outputs->size());
  }
  for (size_t k = 0; k < output_files.size(); ++k) {
    absl::StatusOr<OnnxValues> expected = ReadTensorFile(output_files[k]);
    if (!expected.ok()) return std::string(expected.status().message());
    std::string differs =
        Compare(graph.output(k).name(), *expected, (*outputs)[k], tolerance);
    if (!differs.empty()) return differs;
  }
  return "";
}

// Inputs a static graph needs when it is loaded: integer tensors (shapes,
// axes, pads) and scalars (a Dropout ratio, Clip's bounds).
bool NeededAtLoad(const onnx::ValueInfoProto& input) {
  const onnx::TypeProto::Tensor& type = input.type().tensor_type();
  return IsOnnxIntegerType(type.elem_type()) ||
         (type.has_shape() && type.shape().dim_size() == 0);
}

// `proto` with the inputs NeededAtLoad() made initializers holding the
// data set's values, written to a file in `dir`; their names in *bound.
[[nodiscard]] absl::StatusOr<std::string> BindInputs(
    onnx::ModelProto proto, const fs::path& set, const fs::path& dir,
    std::set<std::string>* bound) {
  const std::vector<const onnx::ValueInfoProto*> inputs =
      FedInputs(proto.graph());
  const std::vector<fs::path> files = NumberedFiles(set, "input");
  for (size_t k = 0; k < inputs.size() && k < files.size(); ++k) {
    if (!NeededAtLoad(*inputs[k])) continue;
    NABLA_ASSIGN_OR_RETURN(const std::string bytes,
                           ReadRegularFile(files[k].string(), 1 << 30));
    onnx::TensorProto* t = proto.mutable_graph()->add_initializer();
    if (!t->ParseFromString(bytes)) {
      return absl::InvalidArgumentError(files[k].string());
    }
    t->set_name(inputs[k]->name());
    bound->insert(inputs[k]->name());
  }
  const std::string path = (dir / "bound.onnx").string();
  std::ofstream out(path, std::ios::binary);
  if (!proto.SerializeToOstream(&out)) {
    return absl::InternalError(absl::StrCat("cannot write ", path));
  }
  return path;
}

// Every data set on a model that binds the inputs needed at load to the
// set's values (tests that feed Reshape's shape as a graph input).
std::string RunBound(const onnx::ModelProto& proto,
                     const std::vector<fs::path>& sets,
                     const OnnxTolerance& tolerance, Outcome* outcome) {
  char dir_template[] = "/tmp/onnx_case_XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) return "cannot make a temporary directory";
  std::string reason;
  for (const fs::path& set : sets) {
    std::set<std::string> bound;
    absl::StatusOr<std::string> path = BindInputs(proto, set, dir, &bound);
    absl::StatusOr<std::unique_ptr<Model>> model =
        path.ok() ? Model::FromOnnx(*path)
                  : absl::StatusOr<std::unique_ptr<Model>>(path.status());
    if (!model.ok()) {
      *outcome = absl::IsUnimplemented(model.status()) ? Outcome::kNotSupported
                                                       : Outcome::kFailed;
      reason = OneLine(model.status().message(), path.ok() ? *path : "");
      break;
    }
    reason = RunDataSet(**model, proto.graph(), set, bound, tolerance);
    if (!reason.empty()) break;
  }
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  if (reason.empty()) *outcome = Outcome::kPassed;
  return reason;
}

}  // namespace

OnnxCaseResult RunOnnxCase(const std::string& dir,
                           const OnnxTolerance& tolerance) {
  OnnxCaseResult result;
  const std::string path = (fs::path(dir) / "model.onnx").string();
  absl::StatusOr<std::string> bytes = ReadRegularFile(path, uint64_t{2} << 30);
  absl::StatusOr<onnx::ModelProto> proto =
      bytes.ok() ? ParseOnnxModel(*bytes, path)
                 : absl::StatusOr<onnx::ModelProto>(bytes.status());
  if (!proto.ok()) {
    result.reason = OneLine(proto.status().message(), path);
    return result;
  }
  std::set<std::string> op_types;
  for (const onnx::NodeProto& node : proto->graph().node()) {
    op_types.insert(node.op_type());
  }
  result.op_types.assign(op_types.begin(), op_types.end());
  std::vector<fs::path> sets;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.is_directory() &&
        entry.path().filename().string().rfind("test_data_set_", 0) == 0) {
      sets.push_back(entry.path());
    }
  }
  std::sort(sets.begin(), sets.end());
  absl::StatusOr<std::unique_ptr<Model>> model = Model::FromOnnx(path);
  if (!model.ok()) {
    result.outcome = absl::IsUnimplemented(model.status())
                         ? Outcome::kNotSupported
                         : Outcome::kFailed;
    result.reason = OneLine(model.status().message(), path);
    if (absl::StrContains(result.reason, kNeededAtLoad)) {
      result.reason = RunBound(*proto, sets, tolerance, &result.outcome);
    }
    return result;
  }
  for (const fs::path& set : sets) {
    result.reason = RunDataSet(**model, proto->graph(), set, {}, tolerance);
    if (!result.reason.empty()) return result;
  }
  result.outcome = Outcome::kPassed;
  return result;
}

}  // namespace nabla
