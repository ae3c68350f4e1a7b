// Tests for composites: the registry, Dense's expansion (nodes, names,
// shapes, attributes), its errors at the user's file:line, the rules
// Graph::Build enforces on any expansion, and a Dense network that trains
// exactly like the same network written by hand.
#include "core/composite.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/graph.h"
#include "core/session.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/model_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// A placeholder of the given dims on one line.
std::string Placeholder(const std::string& name, const std::string& dims,
                        const std::string& dtype = "float32") {
  return absl::StrCat("  node { name: \"", name,
                      "\" op: \"Placeholder\" attr { key: \"shape\" value { "
                      "shape { ",
                      dims, " } } } attr { key: \"dtype\" value { s: \"", dtype,
                      "\" } } }\n");
}

// A Dense node on one line; `attrs` is extra attr { ... } text.
std::string Dense(const std::string& name, const std::string& input,
                  const std::string& attrs) {
  return absl::StrCat("  node { name: \"", name, "\" op: \"Dense\" input: \"",
                      input, "\" ", attrs, " }\n");
}

std::string IntAttr(const std::string& key, int64_t value) {
  return absl::StrCat("attr { key: \"", key, "\" value { i: ", value, " } } ");
}
std::string StringAttr(const std::string& key, const std::string& value) {
  return absl::StrCat("attr { key: \"", key, "\" value { s: \"", value,
                      "\" } } ");
}

void ExpectError(const absl::Status& status, const std::string& fragment) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), fragment))
      << "missing \"" << fragment << "\" in:\n"
      << status.message();
}

NodeDef ParseNode(const std::string& text) {
  NodeDef node;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &node))
      << text;
  return node;
}

// Runs Dense's Expand on `node` with the given input dtype and shape.
absl::StatusOr<std::vector<NodeDef>> ExpandDense(const NodeDef& node,
                                                 DType dtype,
                                                 const Shape& shape) {
  auto dense = CompositeRegistry::Global().Find("Dense");
  if (!dense.ok()) return dense.status();
  std::vector<std::string> errors;
  ResolvedAttrs attrs = ResolveAttrs((*dense)->attrs(), node.attr(), &errors);
  EXPECT_TRUE(errors.empty()) << errors.front();
  ExpandContext ctx(&node, &attrs, {dtype}, {shape});
  return (*dense)->expand()(ctx);
}

void ExpectNodes(const std::vector<NodeDef>& actual,
                 const std::vector<std::string>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    const NodeDef want = ParseNode(expected[i]);
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(actual[i], want))
        << "node " << i << ":\n"
        << actual[i].DebugString() << "expected:\n"
        << want.DebugString();
  }
}

TEST(CompositeRegistryTest, DenseIsBuiltIn) {
  ASSERT_OK_AND_ASSIGN(const CompositeDef* dense,
                       CompositeRegistry::Global().Find("Dense"));
  EXPECT_EQ(CompositeRegistry::Global().OriginOf("Dense"), "built in");
  EXPECT_EQ(dense->inputs(), std::vector<std::string>{"x"});
  EXPECT_EQ(dense->outputs().size(), 1u);
}

TEST(CompositeRegistryTest, NoCompositeShadowsAnOp) {
  for (const std::string& name : CompositeRegistry::Global().Names()) {
    EXPECT_FALSE(OpRegistry::Global().Contains(name)) << name;
  }
}

TEST(CompositeRegistryTest, RefusesIncompleteOrTakenDefinitions) {
  CompositeRegistry registry;
  auto expand = [](const ExpandContext&) {
    return absl::StatusOr<std::vector<NodeDef>>(std::vector<NodeDef>{});
  };
  EXPECT_STATUS(registry.Register(CompositeDef("A").Output("y")),
                absl::StatusCode::kInvalidArgument,
                "composite 'A' cannot be registered: it has no Expand");
  EXPECT_STATUS(registry.Register(CompositeDef("A").Expand(expand)),
                absl::StatusCode::kInvalidArgument, "it declares no output");
  EXPECT_STATUS(
      registry.Register(
          CompositeDef("A").Output("y").Attr("k", 1).Attr("k", 2).Expand(
              expand)),
      absl::StatusCode::kInvalidArgument, "attribute 'k' is declared twice");
  EXPECT_STATUS(
      registry.Register(CompositeDef("MatMul").Output("y").Expand(expand)),
      absl::StatusCode::kInvalidArgument,
      "composite 'MatMul' cannot be registered: an op of that name is "
      "registered (built in)");
  EXPECT_OK(registry.Register(CompositeDef("A").Output("y").Expand(expand)));
  EXPECT_STATUS(registry.Register(CompositeDef("A").Output("y").Expand(expand)),
                absl::StatusCode::kAlreadyExists,
                "composite 'A' is already registered (built in)");
}

TEST(DenseExpandTest, FullLayer) {
  const NodeDef node = ParseNode(
      "name: 'hidden' op: 'Dense' input: 'x' "
      "attr { key: 'units' value { i: 256 } } "
      "attr { key: 'activation' value { s: 'ReLU' } }");
  ASSERT_OK_AND_ASSIGN(std::vector<NodeDef> nodes,
                       ExpandDense(node, DType::kFloat32, Shape{-1, 784}));
  ExpectNodes(
      nodes,
      {"name: 'hidden/weights' op: 'Variable' "
       "attr { key: 'shape' value { shape { dim: 784 dim: 256 } } } "
       // The layer's default initializer is the Variable's: not passed on.
       "attr { key: 'dtype' value { s: 'float32' } }",
       "name: 'hidden/bias' op: 'Variable' "
       "attr { key: 'shape' value { shape { dim: 256 } } } "
       "attr { key: 'dtype' value { s: 'float32' } } "
       "attr { key: 'initializer' value { s: 'zeros' } }",
       "name: 'hidden/matmul' op: 'MatMul' input: 'x' input: 'hidden/weights'",
       "name: 'hidden/bias_add' op: 'BiasAdd' input: 'hidden/matmul' "
       "input: 'hidden/bias'",
       "name: 'hidden' op: 'ReLU' input: 'hidden/bias_add'"});
}

TEST(DenseExpandTest, LinearWithoutBiasPassesInitializerSettings) {
  const NodeDef node = ParseNode(
      "name: 'out' op: 'Dense' input: 'h:0' "
      "attr { key: 'units' value { i: 3 } } "
      "attr { key: 'activation' value { s: 'linear' } } "
      "attr { key: 'use_bias' value { b: false } } "
      "attr { key: 'dtype' value { s: 'float64' } } "
      "attr { key: 'initializer' value { s: 'uniform' } } "
      "attr { key: 'minval' value { f: -1 } } "
      "attr { key: 'maxval' value { f: 1 } }");
  ASSERT_OK_AND_ASSIGN(std::vector<NodeDef> nodes,
                       ExpandDense(node, DType::kFloat64, Shape{-1, 2}));
  ExpectNodes(nodes,
              {"name: 'out/weights' op: 'Variable' "
               "attr { key: 'shape' value { shape { dim: 2 dim: 3 } } } "
               "attr { key: 'dtype' value { s: 'float64' } } "
               "attr { key: 'initializer' value { s: 'uniform' } } "
               "attr { key: 'minval' value { f: -1 } } "
               "attr { key: 'maxval' value { f: 1 } }",
               "name: 'out' op: 'MatMul' input: 'h:0' input: 'out/weights'"});
}

TEST(DenseExpandTest, BiasInitializerAndActivationSettingsArePassedOn) {
  const NodeDef node = ParseNode(
      "name: 'h' op: 'Dense' input: 'x' "
      "attr { key: 'units' value { i: 2 } } "
      "attr { key: 'activation' value { s: 'LeakyReLU' } } "
      "attr { key: 'activation_alpha' value { f: 0.5 } } "
      "attr { key: 'bias_initializer' value { s: 'constant' } } "
      "attr { key: 'bias_init_value' value { f: -3 } }");
  ASSERT_OK_AND_ASSIGN(std::vector<NodeDef> nodes,
                       ExpandDense(node, DType::kFloat32, Shape{-1, 3}));
  ExpectNodes(
      nodes,
      {"name: 'h/weights' op: 'Variable' "
       "attr { key: 'shape' value { shape { dim: 3 dim: 2 } } } "
       "attr { key: 'dtype' value { s: 'float32' } }",
       "name: 'h/bias' op: 'Variable' "
       "attr { key: 'shape' value { shape { dim: 2 } } } "
       "attr { key: 'dtype' value { s: 'float32' } } "
       "attr { key: 'initializer' value { s: 'constant' } } "
       "attr { key: 'init_value' value { f: -3 } }",
       "name: 'h/matmul' op: 'MatMul' input: 'x' input: 'h/weights'",
       "name: 'h/bias_add' op: 'BiasAdd' input: 'h/matmul' input: 'h/bias'",
       // The settings not given (beta, approximate, axis) are not passed.
       "name: 'h' op: 'LeakyReLU' input: 'h/bias_add' "
       "attr { key: 'alpha' value { f: 0.5 } }"});
}

TEST(DenseGraphTest, AnActivationSettingTheActivationLacksIsRefused) {
  auto graph = GraphFromBody(
      Placeholder("x", "dim: -1 dim: 3") +  // 2
          Dense(
              "h", "x",
              IntAttr("units", 2) + StringAttr("activation", "ReLU") +
                  " attr { key: \"activation_alpha\" value { f: 0.5 } }"),  // 3
      "m.pbtxt");
  ExpectError(graph.status(),
              "m.pbtxt:3: node 'h' (ReLU, from Dense 'h'): unknown attribute "
              "'alpha' (declared: none)");
}

TEST(DenseExpandTest, NoActivationEndsWithBiasAdd) {
  const NodeDef node = ParseNode(
      "name: 'logits' op: 'Dense' input: 'x' "
      "attr { key: 'units' value { i: 10 } }");
  ASSERT_OK_AND_ASSIGN(std::vector<NodeDef> nodes,
                       ExpandDense(node, DType::kFloat32, Shape{8, 5}));
  ASSERT_EQ(nodes.size(), 4u);
  EXPECT_EQ(nodes[2].name(), "logits/matmul");
  EXPECT_EQ(nodes[3].name(), "logits");
  EXPECT_EQ(nodes[3].op(), "BiasAdd");
}

// Two Dense layers and a loss, written before their inputs.
constexpr char kMlpBody[] =
    "  node { name: \"loss\" op: \"MeanSquaredError\" input: \"out\" "
    "input: \"y\" }\n"  // 2
    "  node { name: \"out\" op: \"Dense\" input: \"hidden\" "
    "attr { key: \"units\" value { i: 1 } } "
    "attr { key: \"activation\" value { s: \"Sigmoid\" } } }\n"  // 3
    "  node { name: \"hidden\" op: \"Dense\" input: \"x\" "
    "attr { key: \"units\" value { i: 4 } } "
    "attr { key: \"activation\" value { s: \"Tanh\" } } }\n"  // 4
    "  node { name: \"x\" op: \"Placeholder\" attr { key: \"shape\" value "
    "{ shape { dim: -1 dim: 2 } } } }\n"  // 5
    "  node { name: \"y\" op: \"Placeholder\" attr { key: \"shape\" value "
    "{ shape { dim: -1 dim: 1 } } } }\n";  // 6

TEST(DenseGraphTest, ExpandsInTopologicalOrderWithShapes) {
  ASSERT_OK_AND_ASSIGN(Graph graph, GraphFromBody(kMlpBody, "g.pbtxt"));
  std::vector<std::string> names;
  for (const Node& node : graph.nodes()) {
    names.push_back(absl::StrCat(node.name, " ", node.op->name(),
                                 node.output_shapes[0].ToString(), " ",
                                 node.expanded_from));
  }
  EXPECT_EQ(names, (std::vector<std::string>{
                       "x Placeholder[?, 2] ",
                       "hidden/weights Variable[2, 4] hidden",
                       "hidden/bias Variable[4] hidden",
                       "hidden/matmul MatMul[?, 4] hidden",
                       "hidden/bias_add BiasAdd[?, 4] hidden",
                       "hidden Tanh[?, 4] hidden",
                       "out/weights Variable[4, 1] out",
                       "out/bias Variable[1] out",
                       "out/matmul MatMul[?, 1] out",
                       "out/bias_add BiasAdd[?, 1] out",
                       "out Sigmoid[?, 1] out",
                       "y Placeholder[?, 1] ",
                       "loss MeanSquaredError[] ",
                   }));
  ASSERT_OK_AND_ASSIGN(int out_matmul, graph.FindNode("out/matmul"));
  ASSERT_OK_AND_ASSIGN(int hidden, graph.FindNode("hidden"));
  EXPECT_EQ(graph.node(out_matmul).inputs[0].node, hidden);
  EXPECT_EQ(graph.node(hidden).expanded_from_op, "Dense");
  EXPECT_EQ(graph.Describe(out_matmul),
            "g.pbtxt:3: node 'out/matmul' (MatMul, from Dense 'out')");
  ASSERT_OK_AND_ASSIGN(int x, graph.FindNode("x"));
  EXPECT_EQ(graph.Describe(x), "g.pbtxt:5: node 'x' (Placeholder)");
  // The layer's output is used by the next layer only.
  ASSERT_EQ(graph.node(hidden).uses[0].size(), 1u);
  EXPECT_EQ(graph.node(hidden).uses[0][0].node, out_matmul);
}

TEST(DenseGraphTest, UnitsMustBePositive) {
  auto graph = GraphFromBody(Placeholder("x", "dim: -1 dim: 3") +       // 2
                                 Dense("h", "x", IntAttr("units", 0)),  // 3
                             "m.pbtxt");
  ASSERT_FALSE(graph.ok());
  ExpectError(graph.status(), "1 error in the graph:\n");
  ExpectError(graph.status(),
              "m.pbtxt:3: node 'h' (Dense): units must be > 0, got 0 (inputs: "
              "x float32[?, 3])");
}

TEST(DenseGraphTest, UnitsIsRequired) {
  auto graph = GraphFromBody(Placeholder("x", "dim: -1 dim: 3") +  // 2
                                 Dense("h", "x", ""),              // 3
                             "m.pbtxt");
  ExpectError(graph.status(),
              "m.pbtxt:3: node 'h' (Dense): missing required attribute "
              "'units' (int)");
}

TEST(DenseGraphTest, UnknownActivationSuggestsCloseNames) {
  auto graph = GraphFromBody(
      Placeholder("x", "dim: -1 dim: 3") +  // 2
          Dense("h", "x",
                IntAttr("units", 2) + StringAttr("activation", "Relu")),  // 3
      "m.pbtxt");
  ExpectError(graph.status(),
              "m.pbtxt:3: node 'h' (Dense): activation 'Relu' is not a "
              "registered activation; did you mean ReLU");
}

TEST(DenseGraphTest, AnOpThatIsNoActivationIsRefused) {
  auto graph = GraphFromBody(
      Placeholder("x", "dim: -1 dim: 3") +
          Dense("h", "x",
                IntAttr("units", 2) + StringAttr("activation", "MatMul")),
      "m.pbtxt");
  ExpectError(graph.status(),
              "activation 'MatMul' is not a registered activation; "
              "registered: ");
  ExpectError(graph.status(), "ReLU");
}

TEST(DenseGraphTest, InputMustBeAMatrixWithKnownFeatures) {
  auto graph =
      GraphFromBody(Placeholder("v", "dim: 3") +                         // 2
                        Placeholder("u", "dim: -1 dim: -1") +            // 3
                        Placeholder("d", "dim: -1 dim: 3", "float64") +  // 4
                        Dense("a", "v", IntAttr("units", 2)) +           // 5
                        Dense("b", "u", IntAttr("units", 2)) +           // 6
                        Dense("c", "d", IntAttr("units", 2)),            // 7
                    "m.pbtxt");
  ExpectError(graph.status(), "3 errors in the graph:\n");
  ExpectError(graph.status(),
              "m.pbtxt:5: node 'a' (Dense): input 'v' must be [batch, "
              "features] (rank 2), got [3]");
  ExpectError(graph.status(),
              "m.pbtxt:6: node 'b' (Dense): input 'u' has an unknown last "
              "dimension ([?, ?])");
  ExpectError(graph.status(),
              "m.pbtxt:7: node 'c' (Dense): dtype is float32 but input 'd' is "
              "float64");
}

TEST(DenseGraphTest, NameTakenByAnotherNodeIsAnError) {
  auto graph =
      GraphFromBody(Placeholder("x", "dim: -1 dim: 3") +             // 2
                        Placeholder("h/weights", "dim: 3 dim: 2") +  // 3
                        Dense("h", "x", IntAttr("units", 2)),        // 4
                    "m.pbtxt");
  ExpectError(graph.status(), "1 error in the graph:\n");
  ExpectError(graph.status(),
              "m.pbtxt:4: node 'h' (Dense): cannot expand into node "
              "'h/weights': that name is already defined at m.pbtxt:3");
}

TEST(DenseGraphTest, TwoLayersCannotShareANameSpace) {
  // 'h' makes 'h/bias'; so would a user node of that name.
  auto graph =
      GraphFromBody(Placeholder("x", "dim: -1 dim: 3") +             // 2
                        Dense("h/bias", "x", IntAttr("units", 2)) +  // 3
                        Dense("h", "x", IntAttr("units", 2)),        // 4
                    "m.pbtxt");
  ExpectError(graph.status(),
              "m.pbtxt:4: node 'h' (Dense): cannot expand into node "
              "'h/bias': that name is already defined at m.pbtxt:3");
}

TEST(DenseGraphTest, ErrorsInExpandedNodesNameTheLayer) {
  auto graph =
      GraphFromBody(Placeholder("x", "dim: -1 dim: 3") +  // 2
                        Dense("hidden", "x",
                              IntAttr("units", 2) +
                                  StringAttr("initializer", "glorot")),  // 3
                    "m.pbtxt");
  ExpectError(graph.status(), "1 error in the graph:\n");
  ExpectError(graph.status(),
              "m.pbtxt:3: node 'hidden/weights' (Variable, from Dense "
              "'hidden'): unknown initializer \"glorot\"");
}

TEST(DenseGraphTest, ASettingItsInitializerIgnoresIsRefused) {
  // Before, the values were ignored and the weights drawn at random.
  auto graph = GraphFromBody(
      Placeholder("x", "dim: -1 dim: 1") +  // 2
          Dense("hidden", "x",
                IntAttr("units", 2) +
                    " attr { key: \"values\" value { tensor { shape { dim: 1 "
                    "dim: 2 } value: [1, 2] } } }"),  // 3
      "m.pbtxt");
  ExpectError(graph.status(),
              "m.pbtxt:3: node 'hidden/weights' (Variable, from Dense "
              "'hidden'): attribute 'values' is set, but initializer "
              "\"glorot_uniform\" (the default) does not use it: set "
              "initializer: \"values\", or remove 'values'");
}

TEST(DenseGraphTest, ConsumersOfABrokenLayerAreNotReportedAgain) {
  auto graph = GraphFromBody(
      Placeholder("x", "dim: -1 dim: 3") +                      // 2
          Dense("h", "x", IntAttr("units", -1)) +               // 3
          "  node { name: \"n\" op: \"Neg\" input: \"h\" }\n",  // 4
      "m.pbtxt");
  ExpectError(graph.status(), "1 error in the graph:\n");
  ExpectError(graph.status(), "m.pbtxt:3: node 'h' (Dense): units must be");
}

TEST(DenseGraphTest, UnknownOpSuggestsComposites) {
  auto graph =
      GraphFromBody(Placeholder("x", "dim: -1 dim: 3") +
                        "  node { name: \"h\" op: \"Dens\" input: \"x\" }\n",
                    "m.pbtxt");
  ExpectError(graph.status(),
              "m.pbtxt:3: node 'h' (Dens): unknown op 'Dens'; did you mean "
              "Dense");
}

TEST(DenseGraphTest, InputsOfTheLayerAreCheckedLikeAnOps) {
  auto graph = GraphFromBody(
      Placeholder("x", "dim: -1 dim: 3") +  // 2
          "  node { name: \"h\" op: \"Dense\" input: \"x\" input: \"x\" " +
          IntAttr("units", 2) + "}\n" +                           // 3
          Dense("g", "x", IntAttr("units", 2)) +                  // 4
          "  node { name: \"n\" op: \"Neg\" input: \"g:1\" }\n",  // 5
      "m.pbtxt");
  ExpectError(graph.status(),
              "m.pbtxt:3: node 'h' (Dense): takes 1 input (x), got 2");
  ExpectError(graph.status(),
              "m.pbtxt:5: node 'n' (Neg): input 'g:1': node 'g' (Dense) has 1 "
              "output");
}

TEST(DenseGraphTest, NodesInsideALayerCannotBeInputs) {
  auto graph =
      GraphFromBody(Placeholder("x", "dim: -1 dim: 3") +             // 2
                        Dense("hidden", "x", IntAttr("units", 2)) +  // 3
                        "  node { name: \"n\" op: \"Neg\" input: "
                        "\"hidden/weights\" }\n",  // 4
                    "m.pbtxt");
  ExpectError(graph.status(),
              "m.pbtxt:4: node 'n' (Neg): input 'hidden/weights' names no "
              "node; the nodes that Dense 'hidden' expands into cannot be "
              "named as inputs");
}

TEST(DenseGraphTest, CycleThroughALayerIsReported) {
  auto graph = GraphFromBody(
      Dense("h", "n", IntAttr("units", 2)) +                    // 2
          "  node { name: \"n\" op: \"Neg\" input: \"h\" }\n",  // 3
      "m.pbtxt");
  ExpectError(graph.status(),
              "m.pbtxt:2: node 'h' (Dense): is on a cycle or fed by one");
}

// Composites that break the expansion rules, to check Graph::Build
// enforces them. `kind` picks the mistake.
absl::StatusOr<std::vector<NodeDef>> BrokenExpansion(const ExpandContext& ctx) {
  const std::string& kind = ctx.attrs().GetString("kind");
  std::vector<NodeDef> nodes;
  if (kind == "no_output") {
    nodes.push_back(ctx.MakeNode("neg", "Neg", {ctx.input(0)}));
  } else if (kind == "outside_input") {
    nodes.push_back(ctx.MakeNode("neg", "Neg", {"other"}));
    nodes.back().set_name(ctx.name());
  } else if (kind == "nested") {
    nodes.push_back(ctx.MakeNode("inner", "Dense", {ctx.input(0)}));
    nodes.back().set_name(ctx.name());
  } else if (kind == "cycle") {
    nodes.push_back(ctx.MakeNode("a", "Neg", {ctx.name()}));
    nodes.push_back(ctx.MakeNode("b", "Neg", {nodes.back().name()}));
    nodes.back().set_name(ctx.name());
  }
  return nodes;
}

NABLA_REGISTER_COMPOSITE("TestBroken")
    .Input("x")
    .Output("y")
    .RequiredAttr("kind", AttrType::kString)
    .Expand(BrokenExpansion);

absl::Status BuildBroken(const std::string& kind) {
  return GraphFromBody(
             Placeholder("x", "dim: 2") + Placeholder("other", "dim: 2") +
                 "  node { name: \"t\" op: \"TestBroken\" input: \"x\" " +
                 StringAttr("kind", kind) + "}\n",  // 4
             "m.pbtxt")
      .status();
}

TEST(CompositeRulesTest, ExpansionMustNameItsOutputNode) {
  ExpectError(BuildBroken("no_output"),
              "m.pbtxt:4: node 't' (TestBroken): its expansion has no node "
              "named 't' to produce its output");
}

TEST(CompositeRulesTest, ExpansionTakesOnlyTheCompositesInputs) {
  ExpectError(BuildBroken("outside_input"),
              "m.pbtxt:4: node 't' (Neg, from TestBroken 't'): input 'other' "
              "is neither a node of the expansion nor an input of TestBroken "
              "'t'");
}

TEST(CompositeRulesTest, ExpansionCannotHoldComposites) {
  ExpectError(BuildBroken("nested"),
              "m.pbtxt:4: node 't' (Dense, from TestBroken 't'): a composite "
              "cannot expand into another composite");
}

TEST(CompositeRulesTest, CyclesInsideAnExpansionAreReported) {
  const absl::Status status = BuildBroken("cycle");
  ExpectError(status,
              "m.pbtxt:4: node 't/a' (Neg, from TestBroken 't'): is on a "
              "cycle or fed by one");
  ExpectError(status,
              "m.pbtxt:4: node 't' (Neg, from TestBroken 't'): is on a cycle "
              "or fed by one");
}

// A 3-4-2 network with fixed weights, as Dense layers and written out by
// hand with the same node names. Both train with SGD from the same seed.
constexpr char kValues1[] =
    "attr { key: \"initializer\" value { s: \"values\" } } "
    "attr { key: \"values\" value { tensor { value: [0.1, -0.2, 0.3, 0.05, "
    "-0.4, 0.25, 0.15, -0.1, 0.2, 0.35, -0.3, 0.12] } } } ";
constexpr char kValues2[] =
    "attr { key: \"initializer\" value { s: \"values\" } } "
    "attr { key: \"values\" value { tensor { value: [0.3, -0.1, 0.2, 0.4, "
    "-0.25, 0.1, 0.05, -0.35] } } } ";

std::string Inputs() {
  return Placeholder("x", "dim: -1 dim: 3") +
         Placeholder("y", "dim: -1 dim: 2") +
         "  node { name: \"loss\" op: \"MeanSquaredError\" input: \"out\" "
         "input: \"y\" }\n";
}

std::string DenseNetwork() {
  return Inputs() +
         Dense("hidden", "x",
               IntAttr("units", 4) + StringAttr("activation", "Tanh") +
                   kValues1) +
         Dense("out", "hidden",
               IntAttr("units", 2) + StringAttr("activation", "Sigmoid") +
                   kValues2);
}

std::string Variable(const std::string& name, const std::string& dims,
                     const std::string& attrs) {
  return absl::StrCat("  node { name: \"", name,
                      "\" op: \"Variable\" attr { key: \"shape\" value { "
                      "shape { ",
                      dims, " } } } ", attrs, "}\n");
}

std::string Op(const std::string& name, const std::string& op,
               const std::string& a, const std::string& b = "") {
  return absl::StrCat(
      "  node { name: \"", name, "\" op: \"", op, "\" input: \"", a, "\"",
      b.empty() ? "" : absl::StrCat(" input: \"", b, "\""), " }\n");
}

std::string HandWrittenNetwork() {
  const std::string zeros = StringAttr("initializer", "zeros");
  return Inputs() + Variable("hidden/weights", "dim: 3 dim: 4", kValues1) +
         Variable("hidden/bias", "dim: 4", zeros) +
         Op("hidden/matmul", "MatMul", "x", "hidden/weights") +
         Op("hidden/bias_add", "BiasAdd", "hidden/matmul", "hidden/bias") +
         Op("hidden", "Tanh", "hidden/bias_add") +
         Variable("out/weights", "dim: 4 dim: 2", kValues2) +
         Variable("out/bias", "dim: 2", zeros) +
         Op("out/matmul", "MatMul", "hidden", "out/weights") +
         Op("out/bias_add", "BiasAdd", "out/matmul", "out/bias") +
         Op("out", "Sigmoid", "out/bias_add");
}

std::vector<double> TrainLosses(const std::string& body, double learning_rate) {
  SessionOptions options;
  options.seed = 7;
  std::unique_ptr<Session> session = SessionFromBody(body, "m.pbtxt", options);
  if (session == nullptr) return {};
  EXPECT_OK(session->SetTraining("loss", Sgd(learning_rate)));
  const Tensor x = Tensor::FromValues(
      DType::kFloat32, Shape{4, 3},
      {0.5, -1.0, 0.25, 1.0, 0.0, -0.5, -0.75, 0.5, 1.0, 0.1, 0.2, 0.3});
  const Tensor y = Tensor::FromValues(DType::kFloat32, Shape{4, 2},
                                      {1, 0, 0, 1, 1, 1, 0, 0});
  const Feed feeds[] = {{"x", &x}, {"y", &y}};
  std::vector<double> losses;
  for (int step = 0; step < 100; ++step) {
    auto loss = session->TrainStep(feeds);
    EXPECT_TRUE(loss.ok()) << loss.status();
    if (!loss.ok()) break;
    losses.push_back(*loss);
  }
  return losses;
}

TEST(DenseTrainingTest, TrainsExactlyLikeTheHandWrittenNetwork) {
  const std::vector<double> dense = TrainLosses(DenseNetwork(), 2.0);
  const std::vector<double> by_hand = TrainLosses(HandWrittenNetwork(), 2.0);
  ASSERT_EQ(dense.size(), 100u);
  EXPECT_EQ(dense, by_hand);  // bit for bit
  EXPECT_LT(dense.back(), 0.5 * dense.front());
}

TEST(DenseTrainingTest, SeededInitialisationMatchesByName) {
  // Without "values": glorot_uniform, seeded by the variable's name, so the
  // layer draws the weights a hand-written 'hidden/weights' would.
  const std::string dense = Inputs() +
                            Dense("hidden", "x", IntAttr("units", 4)) +
                            Dense("out", "hidden", IntAttr("units", 2));
  const std::string by_hand =
      Inputs() + Variable("hidden/weights", "dim: 3 dim: 4", "") +
      Variable("hidden/bias", "dim: 4", StringAttr("initializer", "zeros")) +
      Op("hidden/matmul", "MatMul", "x", "hidden/weights") +
      Op("hidden", "BiasAdd", "hidden/matmul", "hidden/bias") +
      Variable("out/weights", "dim: 4 dim: 2", "") +
      Variable("out/bias", "dim: 2", StringAttr("initializer", "zeros")) +
      Op("out/matmul", "MatMul", "hidden", "out/weights") +
      Op("out", "BiasAdd", "out/matmul", "out/bias");
  const std::vector<double> losses = TrainLosses(dense, 0.05);
  ASSERT_EQ(losses.size(), 100u);
  EXPECT_LT(losses.back(), losses.front());
  EXPECT_EQ(losses, TrainLosses(by_hand, 0.05));
}

}  // namespace
}  // namespace nabla
