// Tests for core/model_parser: positions in syntax errors, unknown fields,
// the format version, node lines and reading files.
#include "core/model_parser.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

TEST(ParseModelTextTest, SyntaxErrorNamesSourceLineAndColumn) {
  // A number where `name` needs a string.
  const std::string text =
      "format_version: 1\n"    // line 1
      "graph {\n"              // line 2
      "  node { name: 42 }\n"  // line 3: col 16 is "42"
      "}\n";
  auto parsed = ParseModelText(text, "model.pbtxt");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  // "42" starts at column 16 of line 3 (1-based).
  EXPECT_TRUE(absl::StartsWith(parsed.status().message(), "model.pbtxt:3:16: "))
      << parsed.status();
}

TEST(ParseModelTextTest, MissingBracePointsAtEndOfInput) {
  const std::string text =
      "graph {\n"
      "  node { name: \"x\" op: \"Placeholder\" }\n";
  auto parsed = ParseModelText(text, "m.pbtxt");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  // The parser notices at the end of input: line 3, column 1.
  EXPECT_TRUE(absl::StartsWith(parsed.status().message(), "m.pbtxt:3:1: "))
      << parsed.status();
}

// Protobuf quotes the token it found, empty at the end of the input.
TEST(ParseModelTextTest, TheEndOfTheInputIsCalledSo) {
  for (const char* text :
       {"graph { node { name: \"x\" op:", "graph { node {", "graph { node"}) {
    SCOPED_TRACE(text);
    auto parsed = ParseModelText(text, "m.pbtxt");
    ASSERT_FALSE(parsed.ok());
    EXPECT_TRUE(absl::EndsWith(parsed.status().message(), "end of file") ||
                absl::EndsWith(parsed.status().message(), "end of file."))
        << parsed.status();
  }
  EXPECT_EQ(
      ParseModelText("graph { node { name:", "m.pbtxt").status().message(),
      "m.pbtxt:1:21: Expected string, got: end of file");
}

TEST(ParseModelTextTest, UnknownTopLevelFieldIsNamedWithItsLine) {
  const std::string text =
      "format_version: 1\n"
      "\n"
      "  grpah {}\n";
  auto parsed = ParseModelText(text, "m.pbtxt");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  // The line is the field's. (Protobuf puts the column on the token after
  // the name, "{" at column 9, so only the line is pinned down here.)
  EXPECT_TRUE(absl::StartsWith(parsed.status().message(), "m.pbtxt:3:"))
      << parsed.status();
  EXPECT_TRUE(absl::StrContains(parsed.status().message(),
                                "\"nabla.ModelDef\" has no field named "
                                "\"grpah\""))
      << parsed.status();
}

TEST(ParseModelTextTest, UnknownNestedFieldIsNamedWithItsLine) {
  const std::string text =
      "graph {\n"
      "  node { name: \"a\" op: \"Placeholder\" }\n"
      "  node {\n"
      "    nme: \"x\"\n"
      "  }\n"
      "}\n";
  auto parsed = ParseModelText(text, "m.pbtxt");
  ASSERT_FALSE(parsed.ok());
  EXPECT_TRUE(absl::StartsWith(parsed.status().message(), "m.pbtxt:4:"))
      << parsed.status();
  EXPECT_TRUE(absl::StrContains(parsed.status().message(),
                                "\"nabla.NodeDef\" has no field named "
                                "\"nme\""))
      << parsed.status();
}

// The text parser would keep the last of two entries with one key: every
// map of the model file (node, data source, optimizer settings) refuses it,
// naming both lines; one key in two different maps is fine.
TEST(ParseModelTextTest, RepeatedMapKeysAreRefusedNamingBothLines) {
  const std::string text =
      "graph {\n"
      "  node { name: \"a\" op: \"Const\" attr { key: \"value\" value { f: 1 } "
      "}\n"
      "         attr { key: 'value' value { f: 2 } } }\n"
      "  node { name: \"b\" op: \"Const\" attr { key: \"value\" value { f: 3 } "
      "} }\n"
      "}\n"
      "training { optimizer { name: \"SGD\"\n"
      "  attr { key: \"learning_rate\" value { f: 0.1 } }\n"
      "  attr { key : \"learning_rate\" value { f: 0.2 } } } }\n"
      "data { validation { source { name: \"csv\"\n"
      "  attr { key: \"path\" value { s: \"a.csv\" } }\n"
      "  attr { key: \"p\\x61th\" value { s: \"b.csv\" } } } } }\n";
  EXPECT_EQ(ParseModelText(text, "m.pbtxt").status().message(),
            "m.pbtxt:3: attr key \"value\" is given twice (also at line 2); "
            "give each setting once\n"
            "m.pbtxt:8: attr key \"learning_rate\" is given twice (also at "
            "line 7); give each setting once\n"
            "m.pbtxt:11: attr key \"path\" is given twice (also at line 10); "
            "give each setting once");
}

TEST(ParseModelTextTest, BinaryGarbageIsRefused) {
  const std::string garbage("\x08\x96\x01\xff\xfe\x00\x13\x37garbage", 15);
  auto parsed = ParseModelText(garbage, "weights.bin");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(parsed.status().message(), "weights.bin:1:"))
      << parsed.status();
}

TEST(ParseModelTextTest, EmptyTextIsAnEmptyModel) {
  ASSERT_OK_AND_ASSIGN(ParsedModel parsed, ParseModelText("", "empty.pbtxt"));
  EXPECT_EQ(parsed.model.format_version(), 0);
  EXPECT_EQ(parsed.model.graph().node_size(), 0);
  EXPECT_TRUE(parsed.source.node_lines.empty());
  EXPECT_EQ(parsed.source.name, "empty.pbtxt");
}

TEST(ParseModelTextTest, CommentsOnlyIsAnEmptyModel) {
  ASSERT_OK_AND_ASSIGN(ParsedModel parsed,
                       ParseModelText("# nothing here\n\n", "c.pbtxt"));
  EXPECT_EQ(parsed.model.graph().node_size(), 0);
}

TEST(ParseModelTextTest, FormatVersionOneIsAccepted) {
  ASSERT_OK_AND_ASSIGN(ParsedModel parsed,
                       ParseModelText("format_version: 1\n", "v1.pbtxt"));
  EXPECT_EQ(parsed.model.format_version(), 1);
}

TEST(ParseModelTextTest, NewerFormatVersionIsRefusedNamingIt) {
  auto parsed = ParseModelText("format_version: 2\n", "v2.pbtxt");
  EXPECT_STATUS(parsed, absl::StatusCode::kInvalidArgument,
                "v2.pbtxt: format_version 2 is not supported");
  EXPECT_STATUS(parsed, absl::StatusCode::kInvalidArgument, "reads version 1");
}

TEST(ParseModelTextTest, NegativeFormatVersionIsRefused) {
  EXPECT_STATUS(ParseModelText("format_version: -3\n", "v.pbtxt"),
                absl::StatusCode::kInvalidArgument, "format_version -3");
}

TEST(ParseModelTextTest, NodeLinesAreOneBasedAndInNodeOrder) {
  const std::string text =
      "# a comment\n"                                      // 1
      "format_version: 1\n"                                // 2
      "graph {\n"                                          // 3
      "  node { name: \"x\" op: \"Placeholder\" }\n"       // 4
      "\n"                                                 // 5
      "  node {\n"                                         // 6
      "    name: \"y\"\n"                                  // 7
      "    op: \"Neg\"\n"                                  // 8
      "    input: \"x\"\n"                                 // 9
      "  }\n"                                              // 10
      "  node { name: \"z\" op: \"Neg\" input: \"y\" }\n"  // 11
      "}\n";
  ASSERT_OK_AND_ASSIGN(ParsedModel parsed, ParseModelText(text, "n.pbtxt"));
  ASSERT_EQ(parsed.model.graph().node_size(), 3);
  // A node's line is the line of its `name`.
  EXPECT_EQ(parsed.source.node_lines, (std::vector<int>{4, 7, 11}));
  EXPECT_EQ(parsed.source.NodePrefix(0), "n.pbtxt:4: ");
  EXPECT_EQ(parsed.source.NodePrefix(1), "n.pbtxt:7: ");
  EXPECT_EQ(parsed.source.NodePrefix(2), "n.pbtxt:11: ");
  // Out of range: no line.
  EXPECT_EQ(parsed.source.NodePrefix(3), "n.pbtxt: ");
  EXPECT_EQ(parsed.source.NodePrefix(-1), "n.pbtxt: ");
}

TEST(ParseModelTextTest, NodeLinesForNodesWrittenAsAList) {
  const std::string text =
      "graph {\n"                                       // 1
      "  node: [\n"                                     // 2
      "    { name: \"a\" op: \"Placeholder\" },\n"      // 3
      "    { name: \"b\" op: \"Neg\" input: \"a\" }\n"  // 4
      "  ]\n"
      "}\n";
  ASSERT_OK_AND_ASSIGN(ParsedModel parsed, ParseModelText(text, "l.pbtxt"));
  // Each node's line is where its text is, although protobuf records one
  // location for the whole `node: [...]` list.
  EXPECT_EQ(parsed.source.node_lines, (std::vector<int>{3, 4}));
  EXPECT_EQ(parsed.source.NodePrefix(1), "l.pbtxt:4: ");
}

TEST(ParseModelTextTest, NodeWithoutNameUsesTheLineOfItsOp) {
  const std::string text =
      "graph {\n"          // 1
      "  node {\n"         // 2
      "    op: \"Neg\"\n"  // 3
      "  }\n"
      "}\n";
  ASSERT_OK_AND_ASSIGN(ParsedModel parsed, ParseModelText(text, "o.pbtxt"));
  EXPECT_EQ(parsed.source.node_lines, (std::vector<int>{3}));
}

TEST(ParseModelTextTest, GraphGivenTwiceIsRefused) {
  const std::string text =
      "graph { node { name: \"a\" op: \"Placeholder\" } }\n"   // 1
      "graph { node { name: \"b\" op: \"Placeholder\" } }\n";  // 2
  auto parsed = ParseModelText(text, "t.pbtxt");
  ASSERT_FALSE(parsed.ok());
  EXPECT_TRUE(absl::StartsWith(parsed.status().message(), "t.pbtxt:2:"))
      << parsed.status();
  EXPECT_TRUE(absl::StrContains(parsed.status().message(),
                                "\"graph\" is specified multiple times"))
      << parsed.status();
}

TEST(ReadModelFileTest, MissingFileIsNotFoundNamingThePath) {
  const std::string path = TempDir() + "/no_such_model.pbtxt";
  auto parsed = ReadModelFile(path);
  EXPECT_STATUS(parsed, absl::StatusCode::kNotFound, path);
}

TEST(ReadModelFileTest, DirectoryIsRefusedNamingThePath) {
  const std::string path = TempDir();
  auto parsed = ReadModelFile(path);
  ASSERT_FALSE(parsed.ok());
  EXPECT_STATUS(parsed, absl::StatusCode::kInvalidArgument,
                absl::StrCat(path, ": is a directory"));
}

TEST(ReadModelFileTest, ReadsAndUsesThePathAsSourceName) {
  const std::string path = TempDir() + "/model_parser_test_ok.pbtxt";
  {
    std::ofstream out(path);
    out << "format_version: 1\n"
           "graph {\n"
           "  node { name: \"x\" op: \"Placeholder\" }\n"
           "}\n";
  }
  ASSERT_OK_AND_ASSIGN(ParsedModel parsed, ReadModelFile(path));
  EXPECT_EQ(parsed.source.name, path);
  EXPECT_EQ(parsed.source.node_lines, (std::vector<int>{3}));
  std::remove(path.c_str());
}

TEST(ReadModelFileTest, SyntaxErrorInFileNamesThePath) {
  const std::string path = TempDir() + "/model_parser_test_bad.pbtxt";
  {
    std::ofstream out(path);
    out << "format_version: 1\n"
           "graph { node { name: \"x\" op: Placeholder } }\n";
  }
  auto parsed = ReadModelFile(path);
  ASSERT_FALSE(parsed.ok());
  // `Placeholder` unquoted: an identifier where a string is expected, at
  // line 2, column 30.
  EXPECT_TRUE(absl::StartsWith(parsed.status().message(),
                               absl::StrCat(path, ":2:30: ")))
      << parsed.status();
  std::remove(path.c_str());
}

TEST(ReadFileToStringTest, ReadsBinaryContentsExactly) {
  const std::string path = TempDir() + "/model_parser_test_bytes";
  const std::string bytes("a\0b\xff\n", 5);
  {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
  }
  ASSERT_OK_AND_ASSIGN(std::string read, ReadFileToString(path));
  EXPECT_EQ(read, bytes);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace nabla
