// Reads a .pbtxt model file into a ModelDef, remembering where each graph
// node was written so later errors can point at file:line.
#ifndef NABLA_CORE_MODEL_PARSER_H_
#define NABLA_CORE_MODEL_PARSER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/file_read.h"
#include "proto/model.pb.h"

namespace nabla {

// Where a graph's nodes came from, for messages.
struct SourceInfo {
  // A file name, or a description such as "<string>".
  std::string name;
  // 1-based line of each node in graph.node order; empty when unknown.
  std::vector<int> node_lines;

  // "model.pbtxt:12: " for node `index`, or "model.pbtxt: " without a line.
  std::string NodePrefix(int index) const;
};

struct ParsedModel {
  ModelDef model;
  SourceInfo source;
};

// The format version this nabla reads and writes.
inline constexpr int kModelFormatVersion = 1;

// Parses protobuf text format. A syntax error or unknown field is
// InvalidArgument "NAME:LINE:COLUMN: message" (1-based); protobuf stops at
// the first one.
// A format_version newer than kModelFormatVersion is refused.
[[nodiscard]] absl::StatusOr<ParsedModel> ParseModelText(
    absl::string_view text, absl::string_view source_name);

// InvalidArgument naming `source_name` when the model's format_version is
// newer than kModelFormatVersion (or negative).
[[nodiscard]] absl::Status CheckFormatVersion(const ModelDef& model,
                                              absl::string_view source_name);

// Reads and parses `path`, a file of at most `max_bytes`; NotFound when it
// cannot be read, ResourceExhausted when it is larger.
[[nodiscard]] absl::StatusOr<ParsedModel> ReadModelFile(
    const std::string& path, uint64_t max_bytes = kMaxTextFileBytes);

// Reads a whole regular file of at most `max_bytes` (core/file_read.h).
// NotFound / InvalidArgument naming the path on error.
[[nodiscard]] absl::StatusOr<std::string> ReadFileToString(
    const std::string& path, uint64_t max_bytes = kMaxTextFileBytes);

// The text of a model file, as ReadModelFile() reads it back.
std::string ModelToText(const ModelDef& model);

// The directory part of `path`, against which a model file's relative paths
// are resolved: "examples/a.pbtxt" -> "examples", "a.pbtxt" -> ".".
std::string DirectoryOf(absl::string_view path);

}  // namespace nabla

#endif  // NABLA_CORE_MODEL_PARSER_H_
