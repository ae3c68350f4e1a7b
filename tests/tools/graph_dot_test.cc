// Tests for GraphToDot and WriteDot: the exact DOT text of a small graph
// with a Dense layer, escaping, rendering with Graphviz when it is
// installed, and the error when it is not.
#include "tools/graph_dot.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/graph.h"
#include "core/model_parser.h"
#include "gtest/gtest.h"
#include "tests/model_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

constexpr char kBody[] =
    "  node { name: \"x\" op: \"Placeholder\" attr { key: \"shape\" value { "
    "shape { dim: -1 dim: 2 } } } }\n"
    "  node { name: \"h\" op: \"Dense\" input: \"x\" "
    "attr { key: \"units\" value { i: 3 } } "
    "attr { key: \"activation\" value { s: \"ReLU\" } } }\n"
    "  node { name: \"y\" op: \"Placeholder\" attr { key: \"shape\" value { "
    "shape { dim: -1 dim: 3 } } } }\n"
    "  node { name: \"loss\" op: \"MeanSquaredError\" input: \"h\" "
    "input: \"y\" }\n";

constexpr char kDot[] = R"dot(digraph nabla {
  node [fontname="Helvetica", fontsize=11];
  edge [fontname="Helvetica", fontsize=9];
  "x" [label="x\nPlaceholder", shape=ellipse, style=filled, fillcolor="#d9ead3"];
  subgraph "cluster_h" {
    label="h (Dense)";
    style="rounded,dashed";
    "h/weights" [label="h/weights\nVariable", shape=box, style=filled, fillcolor="#fce5cd"];
    "h/bias" [label="h/bias\nVariable", shape=box, style=filled, fillcolor="#fce5cd"];
    "h/matmul" [label="h/matmul\nMatMul", shape=box, style=rounded];
    "h/bias_add" [label="h/bias_add\nBiasAdd", shape=box, style=rounded];
    "h" [label="h\nReLU", shape=box, style=rounded];
  }
  "y" [label="y\nPlaceholder", shape=ellipse, style=filled, fillcolor="#d9ead3"];
  "loss" [label="loss\nMeanSquaredError", shape=box, style="rounded,filled", fillcolor="#f4cccc"];
  "x" -> "h/matmul" [label="float32[?, 2]"];
  "h/weights" -> "h/matmul" [label="float32[2, 3]"];
  "h/matmul" -> "h/bias_add" [label="float32[?, 3]"];
  "h/bias" -> "h/bias_add" [label="float32[3]"];
  "h/bias_add" -> "h" [label="float32[?, 3]"];
  "h" -> "loss" [label="float32[?, 3]"];
  "y" -> "loss" [label="float32[?, 3]"];
}
)dot";

Graph SmallGraph() {
  auto graph = GraphFromBody(kBody, "m.pbtxt");
  EXPECT_TRUE(graph.ok()) << graph.status();
  return *std::move(graph);
}

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

bool Exists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

std::string ReadOrEmpty(const std::string& path) {
  auto text = ReadFileToString(path);
  return text.ok() ? *text : "";
}

// True when an executable `dot` is on PATH.
bool DotInstalled() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  for (absl::string_view dir : absl::StrSplit(path, ':')) {
    if (!dir.empty() && access(absl::StrCat(dir, "/dot").c_str(), X_OK) == 0) {
      return true;
    }
  }
  return false;
}

TEST(GraphToDotTest, SmallGraphWithADenseLayer) {
  EXPECT_EQ(GraphToDot(SmallGraph()), kDot);
}

TEST(GraphToDotTest, EscapesQuotesAndBackslashes) {
  auto graph = GraphFromBody(
      "  node { name: \"say \\\"hi\\\" a\\\\b\" op: \"Placeholder\" "
      "attr { key: \"shape\" value { shape { dim: 2 } } } }\n"
      "  node { name: \"n\" op: \"Neg\" input: \"say \\\"hi\\\" a\\\\b\" }\n",
      "e.pbtxt");
  ASSERT_TRUE(graph.ok()) << graph.status();
  const std::string dot = GraphToDot(*graph);
  EXPECT_TRUE(absl::StrContains(
      dot,
      "  \"say \\\"hi\\\" a\\\\b\" [label=\"say \\\"hi\\\" a\\\\b\\n"
      "Placeholder\""))
      << dot;
  EXPECT_TRUE(absl::StrContains(
      dot, "  \"say \\\"hi\\\" a\\\\b\" -> \"n\" [label=\"float32[2]\"];"))
      << dot;
  if (DotInstalled()) {  // and Graphviz reads it
    EXPECT_OK(WriteDot(*graph, TempDir() + "/escaped.svg"));
  }
}

// An edge from a node of several outputs names the output it leaves from.
TEST(GraphToDotTest, EdgesNameTheOutputOfASplit) {
  auto graph = GraphFromBody(
      "  node { name: \"x\" op: \"Placeholder\" "
      "attr { key: \"shape\" value { shape { dim: 4 } } } }\n"
      "  node { name: \"s\" op: \"Split\" input: \"x\" "
      "attr { key: \"split\" value { list { i: [1, 3] } } } }\n"
      "  node { name: \"n\" op: \"Neg\" input: \"s:1\" }\n",
      "s.pbtxt");
  ASSERT_TRUE(graph.ok()) << graph.status();
  const std::string dot = GraphToDot(*graph);
  EXPECT_TRUE(absl::StrContains(
      dot, "  \"s\" -> \"n\" [label=\"parts 1: float32[3]\"];"))
      << dot;
}

TEST(WriteDotTest, WritesDotText) {
  const std::string path = TempDir() + "/plain.dot";
  ASSERT_OK(WriteDot(SmallGraph(), path));
  EXPECT_EQ(ReadOrEmpty(path), kDot);
}

TEST(WriteDotTest, UnwritablePathIsAnError) {
  EXPECT_STATUS(WriteDot(SmallGraph(), "/nonexistent/dir/m.dot"),
                absl::StatusCode::kNotFound,
                "/nonexistent/dir/m.dot: cannot write: No such file");
}

TEST(WriteDotTest, RendersSvgWithGraphviz) {
  if (!DotInstalled()) GTEST_SKIP() << "Graphviz's dot is not installed";
  const std::string path = TempDir() + "/model.svg";
  ASSERT_OK(WriteDot(SmallGraph(), path));
  EXPECT_EQ(ReadOrEmpty(TempDir() + "/model.dot"), kDot);
  const std::string svg = ReadOrEmpty(path);
  EXPECT_TRUE(absl::StartsWith(svg, "<?xml") || absl::StartsWith(svg, "<svg"))
      << svg.substr(0, 200);
  EXPECT_TRUE(absl::StrContains(svg, "h/bias_add")) << svg.substr(0, 200);
}

TEST(WriteDotTest, RendersPngWithGraphviz) {
  if (!DotInstalled()) GTEST_SKIP() << "Graphviz's dot is not installed";
  const std::string path = TempDir() + "/model.png";
  ASSERT_OK(WriteDot(SmallGraph(), path));
  EXPECT_TRUE(absl::StartsWith(ReadOrEmpty(path), "\x89PNG"));
}

TEST(WriteDotTest, MissingDotSaysSoAndKeepsTheDotFile) {
  const std::string empty = TempDir() + "/empty_path";
  mkdir(empty.c_str(), 0755);
  const char* old = std::getenv("PATH");
  const std::string saved = old != nullptr ? old : "";
  setenv("PATH", empty.c_str(), 1);
  const std::string path = TempDir() + "/nodot.svg";
  const absl::Status status = WriteDot(SmallGraph(), path);
  setenv("PATH", saved.c_str(), 1);
  EXPECT_STATUS(status, absl::StatusCode::kNotFound,
                "Graphviz's `dot` is not installed (not found on PATH); the "
                "graph was written to " +
                    TempDir() + "/nodot.dot");
  EXPECT_EQ(ReadOrEmpty(TempDir() + "/nodot.dot"), kDot);
  EXPECT_FALSE(Exists(path));
}

}  // namespace
}  // namespace nabla
