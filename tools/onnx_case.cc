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

// A test_data_set's input_k.pb or output_k.pb.
[[nodiscard]] absl::StatusOr<onnx::TensorProto> ReadTensorProto(
    const fs::path& path) {
  NABLA_ASSIGN_OR_RETURN(const std::string bytes,
                         ReadRegularFile(path.string(), uint64_t{1} << 30));
  onnx::TensorProto tensor;
  if (!tensor.ParseFromString(bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), ": not an onnx.TensorProto"));
  }
  return tensor;
}

[[nodiscard]] absl::StatusOr<OnnxValues> ReadTensorFile(const fs::path& path) {
  NABLA_ASSIGN_OR_RETURN(const onnx::TensorProto tensor, ReadTensorProto(path));
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

// The values an import error says it must know when the model is loaded:
// "input 1 (shape, 'shape') must be known when ..." names 'shape'.
std::set<std::string> NamesNeededAtLoad(absl::string_view message) {
  std::set<std::string> names;
  const std::string marker = absl::StrCat("') ", kNeededAtLoad);
  for (size_t at = message.find(marker); at != absl::string_view::npos;
       at = message.find(marker, at + 1)) {
    const size_t quote = message.rfind('\'', at - 1);
    if (quote != absl::string_view::npos) {
      names.insert(std::string(message.substr(quote + 1, at - quote - 1)));
    }
  }
  return names;
}

// `proto` with the graph inputs in `names` made initializers holding the
// data set's values, written to a file in `dir`.
[[nodiscard]] absl::StatusOr<std::string> BindInputs(
    onnx::ModelProto proto, const fs::path& set, const fs::path& dir,
    const std::set<std::string>& names) {
  const std::vector<const onnx::ValueInfoProto*> inputs =
      FedInputs(proto.graph());
  const std::vector<fs::path> files = NumberedFiles(set, "input");
  for (size_t k = 0; k < inputs.size() && k < files.size(); ++k) {
    if (!names.count(inputs[k]->name())) continue;
    NABLA_ASSIGN_OR_RETURN(onnx::TensorProto tensor, ReadTensorProto(files[k]));
    tensor.set_name(inputs[k]->name());
    *proto.mutable_graph()->add_initializer() = std::move(tensor);
  }
  const std::string path = (dir / "bound.onnx").string();
  std::ofstream out(path, std::ios::binary);
  if (!proto.SerializeToOstream(&out)) {
    return absl::InternalError(absl::StrCat("cannot write ", path));
  }
  return path;
}

// Imports `proto` with the graph inputs the import needs when the model is
// loaded (tests that feed Reshape's shape as a graph input) bound to the
// data set's values, adding the ones each error names; then runs the set.
std::string RunBoundSet(const onnx::ModelProto& proto, const fs::path& set,
                        std::set<std::string> bound, const char* dir,
                        const OnnxTolerance& tolerance, Outcome* outcome) {
  for (int round = 0; round < 8; ++round) {
    absl::StatusOr<std::string> path = BindInputs(proto, set, dir, bound);
    if (!path.ok()) return std::string(path.status().message());
    absl::StatusOr<std::unique_ptr<Model>> model = Model::FromOnnx(*path);
    if (model.ok()) {
      std::string reason =
          RunDataSet(**model, proto.graph(), set, bound, tolerance);
      *outcome = reason.empty() ? Outcome::kPassed : Outcome::kFailed;
      return reason;
    }
    const std::set<std::string> more =
        NamesNeededAtLoad(model.status().message());
    const size_t before = bound.size();
    bound.insert(more.begin(), more.end());
    if (bound.size() == before) {
      *outcome = absl::IsUnimplemented(model.status()) ? Outcome::kNotSupported
                                                       : Outcome::kFailed;
      return OneLine(model.status().message(), *path);
    }
  }
  *outcome = Outcome::kNotSupported;
  return "too many inputs needed when the model is loaded";
}

std::string RunBound(const onnx::ModelProto& proto,
                     const std::vector<fs::path>& sets,
                     const std::set<std::string>& bound,
                     const OnnxTolerance& tolerance, Outcome* outcome) {
  char dir_template[] = "/tmp/onnx_case_XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) return "cannot make a temporary directory";
  std::string reason;
  for (const fs::path& set : sets) {
    reason = RunBoundSet(proto, set, bound, dir, tolerance, outcome);
    if (*outcome != Outcome::kPassed) break;
  }
  std::error_code ignored;
  fs::remove_all(dir, ignored);
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
    const std::set<std::string> needed =
        NamesNeededAtLoad(model.status().message());
    if (!needed.empty()) {
      result.reason =
          RunBound(*proto, sets, needed, tolerance, &result.outcome);
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
