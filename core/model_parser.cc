#include "core/model_parser.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/status_macros.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace nabla {
namespace {

// Protobuf quotes the token it found, which is empty at the end of the
// input ("Expected identifier, got: "): say so.
std::string AtEndOfFile(const std::string& message) {
  if (absl::EndsWith(message, "got: ")) {
    return absl::StrCat(message, "end of file");
  }
  if (absl::EndsWith(message, "found \"\".")) {
    return absl::StrCat(message.substr(0, message.size() - 3), "end of file.");
  }
  return message;
}

// Collects every syntax error with its position instead of printing them.
class CollectingErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit CollectingErrors(absl::string_view source) : source_(source) {}

  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors_.push_back(absl::StrCat(source_, ":", line + 1, ":", column + 1,
                                   ": ", AtEndOfFile(message)));
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    AddError(line, column, message);
  }

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string source_;
  std::vector<std::string> errors_;
};

// The line of each node: where its `name` (or else `op`) is written, which
// protobuf records for each node even in the `node: [{...}, {...}]` form,
// where the node field itself gets one location for the whole list.
std::vector<int> NodeLines(
    const google::protobuf::TextFormat::ParseInfoTree& tree,
    const ModelDef& model) {
  const auto* graph_field = ModelDef::descriptor()->FindFieldByName("graph");
  const auto* node_field = GraphDef::descriptor()->FindFieldByName("node");
  const auto* name_field = NodeDef::descriptor()->FindFieldByName("name");
  const auto* op_field = NodeDef::descriptor()->FindFieldByName("op");
  const auto* graph_tree = tree.GetTreeForNested(graph_field, -1);
  std::vector<int> lines;
  for (int i = 0; i < model.graph().node_size(); ++i) {
    int line = -1;
    if (graph_tree != nullptr) {
      if (const auto* node_tree = graph_tree->GetTreeForNested(node_field, i)) {
        line = node_tree->GetLocation(name_field, -1).line;
        if (line < 0) line = node_tree->GetLocation(op_field, -1).line;
      }
      if (line < 0) line = graph_tree->GetLocation(node_field, i).line;
    }
    lines.push_back(line + 1);  // 0 when unknown
  }
  return lines;
}

// The key of a map entry as written from `column` of `line` (0-based):
// `key: "units"` or `key "units"`; empty when it cannot be read back.
std::string KeyAt(const std::vector<absl::string_view>& lines, int line,
                  int column) {
  if (line < 0 || line >= static_cast<int>(lines.size())) return "";
  absl::string_view rest = lines[line];
  if (column < 0 || column > static_cast<int>(rest.size())) return "";
  rest.remove_prefix(column);
  if (!absl::ConsumePrefix(&rest, "key")) return "";
  rest = absl::StripLeadingAsciiWhitespace(rest);
  absl::ConsumePrefix(&rest, ":");
  rest = absl::StripLeadingAsciiWhitespace(rest);
  if (rest.empty() || (rest[0] != '"' && rest[0] != '\'')) return "";
  const char quote = rest[0];
  size_t end = 1;
  while (end < rest.size() && rest[end] != quote)
    end += rest[end] == '\\' ? 2 : 1;
  std::string key;
  if (end >= rest.size() || !absl::CUnescape(rest.substr(1, end - 1), &key)) {
    return "";
  }
  return key;
}

// The text parser keeps the last of two entries with one key in a map
// (`attr { key: "units" ... }` twice): find such keys, with both lines.
void FindRepeatedMapKeys(
    const google::protobuf::Message& message,
    const google::protobuf::TextFormat::ParseInfoTree& tree,
    const std::vector<absl::string_view>& lines, absl::string_view source_name,
    std::vector<std::string>* errors) {
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  const google::protobuf::Reflection* reflection = message.GetReflection();
  for (int f = 0; f < descriptor->field_count(); ++f) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(f);
    if (field->cpp_type() !=
        google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    if (field->is_map()) {
      const google::protobuf::FieldDescriptor* key_field =
          field->message_type()->FindFieldByName("key");
      absl::flat_hash_map<std::string, int> first_line;
      for (int i = 0;; ++i) {
        const auto* entry = tree.GetTreeForNested(field, i);
        if (entry == nullptr) break;
        const auto location = entry->GetLocation(key_field, -1);
        const std::string key = KeyAt(lines, location.line, location.column);
        if (key.empty()) continue;
        auto [it, added] = first_line.emplace(key, location.line + 1);
        if (!added) {
          errors->push_back(absl::StrCat(
              source_name, ":", location.line + 1, ": ", field->name(),
              " key \"", absl::CEscape(key), "\" is given twice (also at line ",
              it->second, "); give each setting once"));
        }
      }
      continue;
    }
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        if (const auto* nested = tree.GetTreeForNested(field, i)) {
          FindRepeatedMapKeys(reflection->GetRepeatedMessage(message, field, i),
                              *nested, lines, source_name, errors);
        }
      }
    } else if (reflection->HasField(message, field)) {
      if (const auto* nested = tree.GetTreeForNested(field, -1)) {
        FindRepeatedMapKeys(reflection->GetMessage(message, field), *nested,
                            lines, source_name, errors);
      }
    }
  }
}

}  // namespace

std::string SourceInfo::NodePrefix(int index) const {
  if (index >= 0 && index < static_cast<int>(node_lines.size()) &&
      node_lines[index] > 0) {
    return absl::StrCat(name, ":", node_lines[index], ": ");
  }
  return absl::StrCat(name, ": ");
}

[[nodiscard]] absl::StatusOr<ParsedModel> ParseModelText(
    absl::string_view text, absl::string_view source_name) {
  ParsedModel parsed;
  parsed.source.name = std::string(source_name);
  google::protobuf::TextFormat::Parser parser;
  CollectingErrors errors(source_name);
  google::protobuf::TextFormat::ParseInfoTree tree;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(&tree);
  const std::string copy(text);
  if (!parser.ParseFromString(copy, &parsed.model)) {
    if (errors.errors().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_name, ": not a valid model file"));
    }
    return absl::InvalidArgumentError(absl::StrJoin(errors.errors(), "\n"));
  }
  NABLA_RETURN_IF_ERROR(CheckFormatVersion(parsed.model, source_name));
  std::vector<std::string> repeated;
  FindRepeatedMapKeys(parsed.model, tree, absl::StrSplit(copy, '\n'),
                      source_name, &repeated);
  if (!repeated.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(repeated, "\n"));
  }
  parsed.source.node_lines = NodeLines(tree, parsed.model);
  return parsed;
}

[[nodiscard]] absl::Status CheckFormatVersion(const ModelDef& model,
                                              absl::string_view source_name) {
  const int version = model.format_version();
  if (version < 0 || version > kModelFormatVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": format_version ", version,
                     " is not supported (this nabla reads version ",
                     kModelFormatVersion, ")"));
  }
  return absl::OkStatus();
}

[[nodiscard]] absl::StatusOr<std::string> ReadFileToString(
    const std::string& path, uint64_t max_bytes) {
  return ReadRegularFile(path, max_bytes);
}

std::string DirectoryOf(absl::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

[[nodiscard]] absl::StatusOr<ParsedModel> ReadModelFile(const std::string& path,
                                                        uint64_t max_bytes) {
  auto text = ReadFileToString(path, max_bytes);
  if (!text.ok()) return text.status();
  return ParseModelText(*text, path);
}

std::string ModelToText(const ModelDef& model) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(model, &text);
  return text;
}

}  // namespace nabla
