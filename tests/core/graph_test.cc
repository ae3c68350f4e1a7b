// Tests for Graph::Build: every validation error names file:line, node, op
// and what is wrong; a valid graph is ordered, shaped and has its uses.
#include "core/graph.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/model_parser.h"
#include "gtest/gtest.h"
#include "tests/model_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// Builds `graph_body` (the lines inside "graph { ... }", which is line 1)
// as g.pbtxt. The first body line is line 2.
absl::StatusOr<Graph> BuildGraph(const std::string& graph_body) {
  return GraphFromBody(graph_body, "g.pbtxt");
}

// "x": a [?, 2] float32 placeholder on one line.
std::string Placeholder(const std::string& name, const std::string& dims,
                        const std::string& dtype = "float32") {
  return absl::StrCat("  node { name: \"", name,
                      "\" op: \"Placeholder\" attr { key: \"shape\" value { "
                      "shape { ",
                      dims, " } } } attr { key: \"dtype\" value { s: \"", dtype,
                      "\" } } }\n");
}

std::string Variable(const std::string& name, const std::string& dims) {
  return absl::StrCat("  node { name: \"", name,
                      "\" op: \"Variable\" attr { key: \"shape\" value { "
                      "shape { ",
                      dims, " } } } }\n");
}

// Asserts `status` is InvalidArgument and its message contains `fragment`.
void ExpectError(const absl::Status& status, const std::string& fragment) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), fragment))
      << "missing \"" << fragment << "\" in:\n"
      << status.message();
}

// Sizes that would not fit in memory (or overflow when multiplied) are
// errors in the model file, not failed allocations.
TEST(GraphBuildTest, TensorsLargerThanTheLimitAreRefused) {
  ExpectError(BuildGraph(Variable("w", "dim: 1048576 dim: 1048576")).status(),
              "g.pbtxt:2: node 'w' (Variable): output shape [1048576, "
              "1048576] has more than 4294967296 elements (it has "
              "1099511627776)");
  ExpectError(
      BuildGraph(
          absl::StrCat(Placeholder("x", "dim: -1 dim: 2"),
                       "  node { name: \"h\" op: \"Dense\" input: \"x\" attr { "
                       "key: \"units\" value { i: 4611686018427387904 } } }\n"))
          .status(),
      "has more than 4294967296 elements");
}

TEST(GraphBuildTest, UnknownOpSuggestsCloseName) {
  auto graph = BuildGraph(Placeholder("x", "dim: -1 dim: 2") +  // 2
                          Variable("w", "dim: 2 dim: 3") +      // 3
                          "  node { name: \"y\" op: \"MatMull\" input: \"x\" "
                          "input: \"w\" }\n");  // 4
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(), "1 error in the graph:\n");
  ExpectError(graph.status(),
              "g.pbtxt:4: node 'y' (MatMull): unknown op 'MatMull'; did you "
              "mean MatMul");
}

TEST(GraphBuildTest, UnknownOpWithNothingCloseListsRegisteredOps) {
  auto graph = BuildGraph("  node { name: \"y\" op: \"Convolution3D\" }\n");
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(),
              "g.pbtxt:2: node 'y' (Convolution3D): unknown op "
              "'Convolution3D'; registered: ");
  ExpectError(graph.status(), "MatMul");
}

TEST(GraphBuildTest, WrongArity) {
  auto graph = BuildGraph(Placeholder("x", "dim: -1 dim: 2") +  // 2
                          "  node { name: \"y\" op: \"MatMul\" input: \"x\" "
                          "}\n");  // 3
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(),
              "g.pbtxt:3: node 'y' (MatMul): takes 2 inputs (a, b), got 1");
}

TEST(GraphBuildTest, WrongAritySingularInput) {
  auto graph = BuildGraph(Placeholder("x", "dim: 2") +  // 2
                          "  node { name: \"n\" op: \"Neg\" input: \"x\" "
                          "input: \"x\" }\n");  // 3
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(),
              "g.pbtxt:3: node 'n' (Neg): takes 1 input (x), got 2");
}

TEST(GraphBuildTest, MissingRequiredAttribute) {
  auto graph = BuildGraph("  node { name: \"x\" op: \"Placeholder\" }\n");  // 2
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(),
              "g.pbtxt:2: node 'x' (Placeholder): missing required attribute "
              "'shape' (shape)");
}

TEST(GraphBuildTest, UnknownAttributeListsDeclaredOnes) {
  auto graph = BuildGraph(
      Placeholder("x", "dim: 2 dim: 2") +                                // 2
      "  node { name: \"y\" op: \"MatMul\" input: \"x\" input: \"x\"\n"  // 3
      "         attr { key: \"transpose_c\" value { b: true } } }\n");   // 4
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(),
              "g.pbtxt:3: node 'y' (MatMul): unknown attribute 'transpose_c' "
              "(declared: transpose_a, transpose_b)");
}

TEST(GraphBuildTest, IllTypedAttribute) {
  auto graph = BuildGraph(
      Placeholder("x", "dim: 2 dim: 2") +  // 2
      "  node { name: \"y\" op: \"MatMul\" input: \"x\" input: \"x\" "
      "attr { key: \"transpose_a\" value { s: \"yes\" } } }\n");  // 3
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(),
              "g.pbtxt:3: node 'y' (MatMul): attribute 'transpose_a' must be "
              "bool, got string \"yes\"");
}

TEST(GraphBuildTest, DanglingInputSuggestsCloseName) {
  auto graph = BuildGraph(Placeholder("x", "dim: -1 dim: 2") +    // 2
                          Variable("weights", "dim: 2 dim: 3") +  // 3
                          "  node { name: \"y\" op: \"MatMul\" input: \"x\" "
                          "input: \"wieghts\" }\n");  // 4
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(),
              "g.pbtxt:4: node 'y' (MatMul): input 'wieghts' names no node; "
              "did you mean weights?");
}

// Every missing input is reported, but only the first 20 search all names
// for a suggestion: a model of thousands of them is reported at once.
TEST(GraphBuildTest, ManyMissingInputsSuggestForTheFirstOnly) {
  std::string nodes = Placeholder("x", "dim: 2");
  for (int i = 0; i < 25; ++i) {
    nodes += absl::StrCat("  node { name: \"n", i,
                          "\" op: \"Neg\" input: \"xx\" }\n");
  }
  auto graph = BuildGraph(nodes);
  ASSERT_FALSE(graph.ok());
  const std::string message(graph.status().message());
  EXPECT_NE(message.find("node 'n19' (Neg): input 'xx' names no node; did "
                         "you mean x?"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("node 'n20' (Neg): input 'xx' names no node\n"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("node 'n24' (Neg): input 'xx' names no node"),
            std::string::npos);
}

TEST(GraphBuildTest, BadOutputIndex) {
  auto graph = BuildGraph(Placeholder("x", "dim: 2") +  // 2
                          "  node { name: \"n\" op: \"Neg\" input: \"x:1\" "
                          "}\n");  // 3
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(),
              "g.pbtxt:3: node 'n' (Neg): input 'x:1': node 'x' (Placeholder) "
              "has 1 output");
}

TEST(GraphBuildTest, SplitHasAsManyOutputsAsParts) {
  const std::string split =
      "  node { name: \"s\" op: \"Split\" input: \"x\" attr { key: "
      "\"num_outputs\" value { i: 2 } } }\n";  // 3
  auto graph = BuildGraph(Placeholder("x", "dim: 4") + split +
                          "  node { name: \"n\" op: \"Neg\" input: \"s:1\" "
                          "}\n");  // 4
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_EQ(graph->node(*graph->FindNode("s")).output_shapes,
            (std::vector<Shape>{Shape({2}), Shape({2})}));
  graph = BuildGraph(Placeholder("x", "dim: 4") + split +
                     "  node { name: \"n\" op: \"Neg\" input: \"s:2\" "
                     "}\n");  // 4
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(),
              "g.pbtxt:4: node 'n' (Neg): input 's:2': node 's' (Split) has 2 "
              "outputs");
  graph = BuildGraph(Placeholder("x", "dim: 4") +
                     "  node { name: \"s\" op: \"Split\" input: \"x\" "
                     "}\n");  // 3
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(),
              "g.pbtxt:3: node 's' (Split): give attribute 'split' (the size "
              "of each part) or 'num_outputs' (how many parts of equal size)");
}

TEST(GraphBuildTest, MalformedOutputIndex) {
  auto graph = BuildGraph(Placeholder("x", "dim: 2") +  // 2
                          "  node { name: \"n\" op: \"Neg\" input: \"x:one\" "
                          "}\n"  // 3
                          "  node { name: \"m\" op: \"Neg\" input: \"x:-1\" "
                          "}\n");  // 4
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(), "2 errors in the graph:\n");
  ExpectError(graph.status(),
              "g.pbtxt:3: node 'n' (Neg): input 'x:one' is not \"node\" or "
              "\"node:k\"");
  ExpectError(graph.status(),
              "g.pbtxt:4: node 'm' (Neg): input 'x:-1' is not \"node\" or "
              "\"node:k\"");
}

TEST(GraphBuildTest, ExplicitOutputZeroIsAccepted) {
  ASSERT_OK_AND_ASSIGN(
      Graph graph,
      BuildGraph(Placeholder("x", "dim: 2") +
                 "  node { name: \"n\" op: \"Neg\" input: \"x:0\" }\n"));
  ASSERT_OK_AND_ASSIGN(int n, graph.FindNode("n"));
  EXPECT_EQ(graph.node(n).inputs[0].output, 0);
}

TEST(GraphBuildTest, DuplicateNamesPointAtFirstDefinition) {
  auto graph =
      BuildGraph(Placeholder("x", "dim: 2") +                           // 2
                 "  node { name: \"n\" op: \"Neg\" input: \"x\" }\n" +  // 3
                 Placeholder("x", "dim: 3"));                           // 4
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(), "1 error in the graph:\n");
  ExpectError(graph.status(),
              "g.pbtxt:4: node 'x' (Placeholder): duplicate node name; first "
              "defined at g.pbtxt:2");
  // The location ends the message: no dangling ": ".
  EXPECT_TRUE(
      absl::EndsWith(graph.status().message(), "first defined at g.pbtxt:2"))
      << graph.status();
}

TEST(GraphBuildTest, EmptyName) {
  auto graph = BuildGraph(Placeholder("x", "dim: 2") +               // 2
                          "  node { op: \"Neg\" input: \"x\" }\n");  // 3
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(), "g.pbtxt:3: node '' (Neg): node has no name");
}

TEST(GraphBuildTest, TwoNodeCycleReportsBothNodes) {
  auto graph = BuildGraph(
      "  node { name: \"a\" op: \"Neg\" input: \"b\" }\n"    // 2
      "  node { name: \"b\" op: \"Neg\" input: \"a\" }\n");  // 3
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(), "2 errors in the graph:\n");
  ExpectError(graph.status(),
              "g.pbtxt:2: node 'a' (Neg): is on a cycle or fed by one");
  ExpectError(graph.status(),
              "g.pbtxt:3: node 'b' (Neg): is on a cycle or fed by one");
}

TEST(GraphBuildTest, SelfLoop) {
  auto graph = BuildGraph(
      Placeholder("x", "dim: 2") +                                        // 2
      "  node { name: \"a\" op: \"Add\" input: \"x\" input: \"a\" }\n");  // 3
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(), "1 error in the graph:\n");
  ExpectError(graph.status(),
              "g.pbtxt:3: node 'a' (Add): is its own input (a cycle)");
}

TEST(GraphBuildTest, MatMulInnerDimensionsNameBothShapes) {
  auto graph = BuildGraph(Placeholder("x", "dim: -1 dim: 3") +  // 2
                          Variable("w", "dim: 2 dim: 4") +      // 3
                          "  node { name: \"y\" op: \"MatMul\" input: \"x\" "
                          "input: \"w\" }\n");  // 4
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(), "1 error in the graph:\n");
  ExpectError(graph.status(),
              "g.pbtxt:4: node 'y' (MatMul): inner dimensions differ: a is "
              "[?, 3], b is [2, 4] (3 vs 2)");
  ExpectError(graph.status(), "(inputs: a float32[?, 3], b float32[2, 4])");
}

TEST(GraphBuildTest, DTypeMismatch) {
  auto graph = BuildGraph(Placeholder("x", "dim: -1 dim: 2") +             // 2
                          Placeholder("d", "dim: -1 dim: 2", "float64") +  // 3
                          "  node { name: \"s\" op: \"Add\" input: \"x\" "
                          "input: \"d\" }\n");  // 4
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(),
              "g.pbtxt:4: node 's' (Add): inputs must have the same dtype: a "
              "is float32, b is float64");
  ExpectError(graph.status(), "(inputs: a float32[?, 2], b float64[?, 2])");
}

TEST(GraphBuildTest, SeveralErrorsAreReportedTogether) {
  auto graph = BuildGraph(
      Placeholder("x", "dim: -1 dim: 2") +                                  // 2
      "  node { name: \"a\" op: \"MatMull\" input: \"x\" input: \"x\" }\n"  // 3
      "  node { name: \"b\" op: \"MatMul\" input: \"x\" }\n"                // 4
      "  node { name: \"c\" op: \"Neg\" input: \"xx\" }\n"                  // 5
      // Fed by the broken `a`: skipped, not reported a second time.
      "  node { name: \"d\" op: \"Neg\" input: \"a\" }\n");  // 6
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(), "3 errors in the graph:\n");
  ExpectError(graph.status(),
              "g.pbtxt:3: node 'a' (MatMull): unknown op 'MatMull'");
  ExpectError(graph.status(),
              "g.pbtxt:4: node 'b' (MatMul): takes 2 inputs (a, b), got 1");
  ExpectError(graph.status(),
              "g.pbtxt:5: node 'c' (Neg): input 'xx' names no node; did you "
              "mean x?");
  EXPECT_FALSE(absl::StrContains(graph.status().message(), "node 'd'"))
      << graph.status();
  // One line per error after the header.
  int lines = 0;
  for (char c : graph.status().message()) lines += c == '\n';
  EXPECT_EQ(lines, 3) << graph.status();
}

TEST(GraphBuildTest, ErrorsWithoutLinesStillNameTheSource) {
  GraphDef def;
  NodeDef* node = def.add_node();
  node->set_name("q");
  node->set_op("Nope");
  SourceInfo source;
  source.name = "<built in code>";
  auto graph = Graph::Build(def, source);
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(),
              "<built in code>: node 'q' (Nope): unknown op 'Nope'");
}

// The test-score network, written out of order: consumers first.
constexpr char kValidBody[] =
    "  node { name: \"loss\" op: \"MeanSquaredError\" input: \"y_hat\" "
    "input: \"y\" }\n"                                                    // 2
    "  node { name: \"y_hat\" op: \"Sigmoid\" input: \"z\" }\n"           // 3
    "  node { name: \"z\" op: \"BiasAdd\" input: \"h\" input: \"b\" }\n"  // 4
    "  node { name: \"h\" op: \"MatMul\" input: \"x\" input: \"w\" }\n"   // 5
    "  node { name: \"x\" op: \"Placeholder\" attr { key: \"shape\" value "
    "{ shape { dim: -1 dim: 2 } } } }\n"  // 6
    "  node { name: \"y\" op: \"Placeholder\" attr { key: \"shape\" value "
    "{ shape { dim: -1 dim: 3 } } } }\n"  // 7
    "  node { name: \"w\" op: \"Variable\" attr { key: \"shape\" value "
    "{ shape { dim: 2 dim: 3 } } } }\n"  // 8
    "  node { name: \"b\" op: \"Variable\" attr { key: \"shape\" value "
    "{ shape { dim: 3 } } } }\n"                              // 9
    "  node { name: \"x2\" op: \"Square\" input: \"x\" }\n";  // 10

TEST(GraphBuildTest, ValidGraphIsTopologicallyOrdered) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildGraph(kValidBody));
  ASSERT_EQ(graph.num_nodes(), 9);
  for (int i = 0; i < graph.num_nodes(); ++i) {
    for (const Endpoint& e : graph.node(i).inputs) {
      EXPECT_GE(e.node, 0);
      EXPECT_LT(e.node, i) << graph.node(i).name << " before its input "
                           << graph.node(e.node).name;
    }
  }
  // Ready nodes are taken in file order: the order is stable.
  std::vector<std::string> names;
  for (const Node& node : graph.nodes()) names.push_back(node.name);
  EXPECT_EQ(names, (std::vector<std::string>{"x", "y", "w", "h", "b", "z",
                                             "y_hat", "loss", "x2"}));
}

TEST(GraphBuildTest, ValidGraphInfersShapesWithUnknownBatch) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildGraph(kValidBody));
  auto shape_of = [&](const std::string& name) {
    auto index = graph.FindNode(name);
    EXPECT_TRUE(index.ok()) << index.status();
    return graph.node(*index).output_shapes[0].ToString();
  };
  EXPECT_EQ(shape_of("x"), "[?, 2]");
  EXPECT_EQ(shape_of("w"), "[2, 3]");
  EXPECT_EQ(shape_of("h"), "[?, 3]");
  EXPECT_EQ(shape_of("z"), "[?, 3]");
  EXPECT_EQ(shape_of("y_hat"), "[?, 3]");
  EXPECT_EQ(shape_of("loss"), "[]");
  EXPECT_EQ(shape_of("x2"), "[?, 2]");
  ASSERT_OK_AND_ASSIGN(int h, graph.FindNode("h"));
  EXPECT_EQ(graph.node(h).output_dtypes[0], DType::kFloat32);
  EXPECT_EQ(graph.node(h).op->name(), "MatMul");
}

TEST(GraphBuildTest, ValidGraphHasUsesInNodeThenInputOrder) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildGraph(kValidBody));
  ASSERT_OK_AND_ASSIGN(int x, graph.FindNode("x"));
  ASSERT_OK_AND_ASSIGN(int h, graph.FindNode("h"));
  ASSERT_OK_AND_ASSIGN(int x2, graph.FindNode("x2"));
  ASSERT_OK_AND_ASSIGN(int loss, graph.FindNode("loss"));
  ASSERT_OK_AND_ASSIGN(int y, graph.FindNode("y"));
  ASSERT_OK_AND_ASSIGN(int y_hat, graph.FindNode("y_hat"));
  ASSERT_EQ(graph.node(x).uses.size(), 1u);
  const std::vector<Use>& uses = graph.node(x).uses[0];
  ASSERT_EQ(uses.size(), 2u);
  EXPECT_EQ(uses[0].node, h);
  EXPECT_EQ(uses[0].input, 0);
  EXPECT_EQ(uses[1].node, x2);
  EXPECT_EQ(uses[1].input, 0);
  ASSERT_EQ(graph.node(y).uses[0].size(), 1u);
  EXPECT_EQ(graph.node(y).uses[0][0].node, loss);
  EXPECT_EQ(graph.node(y).uses[0][0].input, 1);
  EXPECT_EQ(graph.node(y_hat).uses[0][0].input, 0);
  EXPECT_TRUE(graph.node(loss).uses[0].empty());
}

TEST(GraphBuildTest, DescribeAndFindNode) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildGraph(kValidBody));
  ASSERT_OK_AND_ASSIGN(int h, graph.FindNode("h"));
  EXPECT_EQ(graph.Describe(h), "g.pbtxt:5: node 'h' (MatMul)");
  ASSERT_OK_AND_ASSIGN(int x2, graph.FindNode("x2"));
  EXPECT_EQ(graph.Describe(x2), "g.pbtxt:10: node 'x2' (Square)");
  EXPECT_STATUS(graph.FindNode("y_hatt"), absl::StatusCode::kNotFound,
                "no node named 'y_hatt'; did you mean y_hat?");
}

TEST(ParseInputNameTest, Forms) {
  std::string node;
  int output = -1;
  EXPECT_TRUE(ParseInputName("a", &node, &output));
  EXPECT_EQ(node, "a");
  EXPECT_EQ(output, 0);
  EXPECT_TRUE(ParseInputName("a:3", &node, &output));
  EXPECT_EQ(node, "a");
  EXPECT_EQ(output, 3);
  EXPECT_FALSE(ParseInputName("", &node, &output));
  EXPECT_FALSE(ParseInputName(":1", &node, &output));
  EXPECT_FALSE(ParseInputName("a:", &node, &output));
  EXPECT_FALSE(ParseInputName("a:x", &node, &output));
  EXPECT_FALSE(ParseInputName("a:-2", &node, &output));
}

}  // namespace
}  // namespace nabla
