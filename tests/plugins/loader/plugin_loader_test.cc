// Plugins loaded with dlopen by a binary that does not link them: the
// example PReLU plugin trains a model and passes the gradient check, a
// plugin of every kind registers and works, and each way a library can be
// wrong gets its own message and registers nothing.
#include "core/plugin_loader.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/checkpoint.h"
#include "core/composite.h"
#include "core/dataset.h"
#include "core/gradient_check.h"
#include "core/model_parser.h"
#include "core/op_registry.h"
#include "core/optimizer.h"
#include "core/schedule.h"
#include "core/session.h"
#include "core/update_rule.h"
#include "gtest/gtest.h"
#include "nabla/registry.h"
#include "tests/model_test_util.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// Runfiles paths: Bazel runs tests from the workspace's runfiles root.
constexpr char kPrelu[] = "plugins/examples/libprelu.so";
constexpr char kFixtures[] = "tests/plugins/loader/fixtures/";

std::string Fixture(absl::string_view name) {
  return absl::StrCat(kFixtures, "lib", name, ".so");
}

TEST(PluginLoaderTest, ExamplePluginRegistersPReluWithItsOrigin) {
  ASSERT_OK(LoadPlugin(kPrelu));
  ASSERT_OK_AND_ASSIGN(const OpDef* prelu, OpRegistry::Global().Find("PReLU"));
  EXPECT_EQ(prelu->category(), OpCategory::kActivation);
  EXPECT_TRUE(prelu->has_gradient());
  EXPECT_EQ(OpRegistry::Global().OriginOf("PReLU"), kPrelu);
  EXPECT_EQ(OpRegistry::Global().OriginOf("Sigmoid"), kBuiltIn);
}

TEST(PluginLoaderTest, LoadingTheSameLibraryAgainDoesNothing) {
  ASSERT_OK(LoadPlugin(kPrelu));
  ASSERT_OK(LoadPlugin(kPrelu));
  int count = 0;
  for (const std::string& path : LoadedPlugins()) count += path == kPrelu;
  EXPECT_EQ(count, 1);
}

TEST(PluginLoaderTest, PReluForwardAndGradientByHand) {
  ASSERT_OK(LoadPlugin(kPrelu));
  // Per-channel slopes 0.1 and 0.5 over two rows.
  const Tensor x = Tensor::FromValues(DType::kFloat64, {2, 2}, {2, -2, -4, 3});
  const Tensor alpha = Tensor::FromValues(DType::kFloat64, {2}, {0.1, 0.5});
  ASSERT_OK_AND_ASSIGN(auto y, RunOp("PReLU", {}, {x, alpha}));
  ExpectTensorNear(y[0], {2, 2}, {2, -1, -0.4, 3});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {2, 2}, {1, 2, 3, 4});
  ASSERT_OK_AND_ASSIGN(auto grads,
                       RunOpGradient("PReLU", {}, {x, alpha}, {dy}));
  // dx = dy where x > 0, alpha * dy elsewhere; dalpha_c = sum dy * x over
  // x <= 0 in channel c: channel 0 has -4 * 3, channel 1 has -2 * 2.
  ExpectTensorNear(grads[0], {2, 2}, {1, 1, 0.3, 4});
  ExpectTensorNear(grads[1], {2}, {-12, -4});
}

TEST(PluginLoaderTest, PReluGradientMatchesFiniteDifferences) {
  ASSERT_OK(LoadPlugin(kPrelu));
  const Tensor x = RandomTensor(DType::kFloat64, {5, 3}, 7, -2, 2);
  EXPECT_OK(CheckGradient("PReLU", {},
                          {x, RandomTensor(DType::kFloat64, {3}, 8, 0, 0.5)}));
  EXPECT_OK(CheckGradient("PReLU", {},
                          {x, RandomTensor(DType::kFloat64, {}, 9, 0, 0.5)}));
}

TEST(PluginLoaderTest, PReluRefusesSlopesThatFitNoChannel) {
  ASSERT_OK(LoadPlugin(kPrelu));
  EXPECT_STATUS(RunOpShape("PReLU", {}, {{4, 3}, {2}}),
                absl::StatusCode::kInvalidArgument,
                "alpha must be a scalar [] or hold one slope per channel [3], "
                "its shape is [2]");
}

// The example model trains with the plugin's op to XOR.
TEST(PluginLoaderTest, ModelWithThePluginOpTrainsToXor) {
  ASSERT_OK(LoadPlugin(kPrelu));
  ASSERT_OK_AND_ASSIGN(ParsedModel parsed,
                       ReadModelFile("examples/prelu_xor.pbtxt"));
  ASSERT_OK_AND_ASSIGN(Graph graph,
                       Graph::Build(parsed.model.graph(), parsed.source));
  ASSERT_OK_AND_ASSIGN(
      auto session,
      Session::Create(std::make_shared<const Graph>(std::move(graph)), {}));
  ASSERT_OK_AND_ASSIGN(UpdateRule rule,
                       MakeUpdateRule(parsed.model.training().optimizer()));
  ASSERT_OK(session->SetTraining("loss", std::move(rule)));
  ASSERT_OK_AND_ASSIGN(
      Dataset data,
      Dataset::FromConfig(session->graph(), parsed.model.data(), "xor"));
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  data.FillBatch({0, 1, 2, 3}, &batch, &feeds);
  double loss = 0;
  for (int epoch = 0; epoch < 300; ++epoch) {
    ASSERT_OK_AND_ASSIGN(loss, session->TrainStep(feeds));
  }
  EXPECT_LT(loss, 1e-4);
  ASSERT_OK_AND_ASSIGN(auto out, session->Run(feeds, {"out"}));
  const double expected[] = {0, 1, 1, 0};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(out[0].ValueAt(i), expected[i], 0.05);
  // The learned slopes moved away from their start, 0.25.
  ASSERT_OK_AND_ASSIGN(const int slope, session->graph().FindNode("slope"));
  double moved = 0;
  for (int c = 0; c < 3; ++c) {
    moved += std::abs(session->variable(slope).ValueAt(c) - 0.25);
  }
  EXPECT_GT(moved, 1e-3);
}

TEST(PluginLoaderTest, PluginOfEveryKindRegistersEach) {
  const std::string path = Fixture("every_kind");
  ASSERT_OK(LoadPlugin(path));
  EXPECT_EQ(OpRegistry::Global().OriginOf("RoundHalfAway"), path);
  EXPECT_EQ(OptimizerRegistry::Global().OriginOf("SignSGD"), path);
  EXPECT_EQ(ScheduleRegistry::Global().OriginOf("halving"), path);
  EXPECT_EQ(DataSourceRegistry::Global().OriginOf("line"), path);
  EXPECT_EQ(CompositeRegistry::Global().OriginOf("Scale"), path);
  const std::string listing = DescribeRegistry();
  EXPECT_TRUE(absl::StrContains(
      listing, absl::StrCat("  SignSGD  learning_rate=0.001  [", path, "]")))
      << listing;
  EXPECT_TRUE(absl::StrContains(
      listing,
      absl::StrCat("  RoundHalfAway(x) -> (y) no gradient  [", path, "]")))
      << listing;
}

// A linear model y = w x + b trained on the plugin's data source with its
// optimizer and schedule: SignSGD moves each weight by exactly the rate.
constexpr char kLineModel[] = R"pb(
  graph {
    node {
      name: "x"
      op: "Placeholder"
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 1 } }
      }
    }
    node {
      name: "y"
      op: "Placeholder"
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 1 } }
      }
    }
    node {
      name: "w"
      op: "Variable"
      attr {
        key: "shape"
        value { shape { dim: 1 dim: 1 } }
      }
      attr {
        key: "initializer"
        value { s: "zeros" }
      }
    }
    node {
      name: "b"
      op: "Variable"
      attr {
        key: "shape"
        value { shape { dim: 1 } }
      }
      attr {
        key: "initializer"
        value { s: "zeros" }
      }
    }
    node { name: "xw" op: "MatMul" input: "x" input: "w" }
    node { name: "p" op: "BiasAdd" input: "xw" input: "b" }
    node { name: "loss" op: "MeanSquaredError" input: "p" input: "y" }
  }
  training {
    loss: "loss"
    optimizer {
      name: "SignSGD"
      attr {
        key: "learning_rate"
        value { f: 0.5 }
      }
      schedule {
        name: "halving"
        attr {
          key: "every"
          value { i: 2 }
        }
      }
    }
  }
  data {
    source {
      name: "line"
      attr {
        key: "count"
        value { i: 8 }
      }
    }
  }
)pb";

TEST(PluginLoaderTest, PluginOptimizerScheduleAndDataSourceTrain) {
  ASSERT_OK(LoadPlugin(Fixture("every_kind")));
  ASSERT_OK_AND_ASSIGN(ParsedModel parsed, ParseModelText(kLineModel, "line"));
  ASSERT_OK_AND_ASSIGN(Graph graph,
                       Graph::Build(parsed.model.graph(), parsed.source));
  ASSERT_OK_AND_ASSIGN(
      auto session,
      Session::Create(std::make_shared<const Graph>(std::move(graph)), {}));
  ASSERT_OK_AND_ASSIGN(UpdateRule rule,
                       MakeUpdateRule(parsed.model.training().optimizer()));
  // halving every 2 updates from 0.5: 0.5, 0.5, 0.25, 0.25, 0.125.
  EXPECT_DOUBLE_EQ(rule.LearningRate(0), 0.5);
  EXPECT_DOUBLE_EQ(rule.LearningRate(3), 0.25);
  EXPECT_DOUBLE_EQ(rule.LearningRate(4), 0.125);
  ASSERT_OK(session->SetTraining("loss", std::move(rule)));
  ASSERT_OK_AND_ASSIGN(
      Dataset data,
      Dataset::FromConfig(session->graph(), parsed.model.data(), "line"));
  EXPECT_EQ(data.num_samples(), 8);
  std::vector<int64_t> rows = {0, 1, 2, 3, 4, 5, 6, 7};
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  data.FillBatch(rows, &batch, &feeds);
  // The line is y = 2x + 1 > 0, so from w = b = 0 every gradient is
  // negative for the first steps: each step adds exactly the rate.
  ASSERT_OK(session->TrainStep(feeds).status());
  ASSERT_OK(session->TrainStep(feeds).status());
  ASSERT_OK(session->TrainStep(feeds).status());
  ASSERT_OK_AND_ASSIGN(const int b, session->graph().FindNode("b"));
  EXPECT_DOUBLE_EQ(session->variable(b).ValueAt(0), 0.5 + 0.5 + 0.25);
}

TEST(PluginLoaderTest, PluginOpWithoutGradientWorksForInference) {
  ASSERT_OK(LoadPlugin(Fixture("every_kind")));
  auto session =
      SessionFromBody(R"pb(
                        node {
                          name: "x"
                          op: "Placeholder"
                          attr {
                            key: "shape"
                            value { shape { dim: 3 } }
                          }
                        }
                        node { name: "r" op: "RoundHalfAway" input: "x" }
                      )pb",
                      "round.pbtxt", {});
  ASSERT_NE(session, nullptr);
  const Tensor x = Tensor::FromValues(DType::kFloat32, {3}, {0.4, 1.6, -2.7});
  ASSERT_OK_AND_ASSIGN(auto out, session->Run({{"x", &x}}, {"r"}));
  ExpectTensorNear(out[0], {3}, {0, 2, -3});
}

TEST(PluginLoaderTest, PluginOpWithoutGradientIsNamedWhenTrainingNeedsIt) {
  ASSERT_OK(LoadPlugin(Fixture("every_kind")));
  auto session =
      SessionFromBody(R"pb(
                        node {
                          name: "w"
                          op: "Variable"
                          attr {
                            key: "shape"
                            value { shape { dim: 2 } }
                          }
                        }
                        node { name: "r" op: "RoundHalfAway" input: "w" }
                        node { name: "loss" op: "ReduceSum" input: "r" }
                      )pb",
                      "round.pbtxt", {});
  ASSERT_NE(session, nullptr);
  EXPECT_STATUS(session->SetTraining("loss", Sgd()),
                absl::StatusCode::kInvalidArgument,
                "have no gradient:\nround.pbtxt:11: node 'r' (RoundHalfAway)");
}

TEST(PluginLoaderTest, MissingFile) {
  EXPECT_STATUS(LoadPlugin("no/such/libplugin.so"), absl::StatusCode::kNotFound,
                "plugin no/such/libplugin.so: cannot be opened: No such file "
                "or directory");
}

TEST(PluginLoaderTest, FileThatIsNotALibrary) {
  EXPECT_STATUS(LoadPlugin("examples/xor.pbtxt"),
                absl::StatusCode::kInvalidArgument,
                "plugin examples/xor.pbtxt: cannot be loaded: ");
}

TEST(PluginLoaderTest, LibraryWithoutEntryPoint) {
  const std::string path = Fixture("no_entry");
  EXPECT_STATUS(LoadPlugin(path), absl::StatusCode::kInvalidArgument,
                absl::StrCat("plugin ", path,
                             ": it has no entry point nabla_plugin_entry() or "
                             "nabla_c_plugin_entry(): it is not a nabla "
                             "plugin"));
}

TEST(PluginLoaderTest, OtherApiVersionIsRefusedWithBothVersions) {
  const std::string path = Fixture("other_api_version");
  EXPECT_STATUS(LoadPlugin(path), absl::StatusCode::kFailedPrecondition,
                absl::StrCat("plugin ", path,
                             ": it was built for plugin API version 999, this "
                             "nabla expects version 4"));
}

TEST(PluginLoaderTest, OtherStringAbiIsRefusedWithBothAbis) {
  const std::string path = Fixture("old_string_abi");
  const absl::Status status = LoadPlugin(path);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "_GLIBCXX_USE_CXX11_ABI=0"))
      << status;
  EXPECT_TRUE(absl::StrContains(
      status.message(),
      absl::StrCat("this nabla expects \"", HostPluginAbi(), "\"")))
      << status;
  EXPECT_TRUE(absl::StrContains(HostPluginAbi(), "_GLIBCXX_USE_CXX11_ABI=1"));
}

// Built with the old string ABI and calling nabla's API, it fails in
// dlopen on a nabla symbol: the message says why and what to do.
TEST(PluginLoaderTest, AMissingNablaSymbolIsExplained) {
  const std::string path = Fixture("old_abi_uses_nabla");
  const absl::Status status = LoadPlugin(path);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StrContains(status.message(),
                                "undefined symbol: _ZNK5nabla5Shape8ToString"))
      << status;
  EXPECT_TRUE(absl::StrContains(
      status.message(),
      absl::StrCat("(a nabla symbol: the plugin was built with another C++ "
                   "ABI than this nabla's \"",
                   HostPluginAbi(), "\", e.g. -D_GLIBCXX_USE_CXX11_ABI=0")))
      << status;
  EXPECT_TRUE(
      absl::StrContains(status.message(), "core/c_api/nabla_op_plugin.h"))
      << status;
}

TEST(PluginLoaderTest, RegistrationThatThrowsRegistersNothing) {
  const std::string path = Fixture("throwing");
  EXPECT_STATUS(LoadPlugin(path), absl::StatusCode::kInvalidArgument,
                absl::StrCat("plugin ", path,
                             ": its registration threw: no license server "
                             "found"));
  EXPECT_FALSE(OpRegistry::Global().Contains("DeclaredBeforeTheThrow"));
}

TEST(PluginLoaderTest, TakenNameRegistersNothing) {
  const std::string path = Fixture("taken_name");
  EXPECT_STATUS(LoadPlugin(path), absl::StatusCode::kAlreadyExists,
                absl::StrCat("plugin ", path,
                             ": op 'Sigmoid' is already registered (built "
                             "in)"));
  EXPECT_FALSE(OpRegistry::Global().Contains("FreshName"));
  // A failed library is not remembered as loaded: a retry fails the same.
  EXPECT_STATUS(LoadPlugin(path), absl::StatusCode::kAlreadyExists,
                "op 'Sigmoid' is already registered");
}

TEST(PluginLoaderTest, StaticRegistrationBeforeTheHandshakeIsRefused) {
  const std::string path = Fixture("static_registration");
  EXPECT_STATUS(LoadPlugin(path), absl::StatusCode::kInvalidArgument,
                absl::StrCat("plugin ", path,
                             ": it registers op 'RegisteredTooEarly' with "
                             "NABLA_REGISTER_* when it is opened"));
  EXPECT_FALSE(OpRegistry::Global().Contains("RegisteredTooEarly"));
}

TEST(PluginLoaderTest, OpMayNotHideALayer) {
  const std::string path = Fixture("hides_layer");
  EXPECT_STATUS(LoadPlugin(path), absl::StatusCode::kAlreadyExists,
                absl::StrCat("plugin ", path,
                             ": layer 'Dense' is already registered (built "
                             "in)"));
  ASSERT_OK_AND_ASSIGN(const OpDef* matmul,
                       OpRegistry::Global().Find("MatMul"));
  EXPECT_NE(matmul, nullptr);
  EXPECT_FALSE(OpRegistry::Global().Contains("Dense"));
}

// The plugin's Scale layer expands like Dense does: a Variable of ones
// named "<layer>/scale" and a Mul that keeps the layer's name.
TEST(PluginLoaderTest, PluginLayerExpandsAndRuns) {
  ASSERT_OK(LoadPlugin(Fixture("every_kind")));
  auto session = SessionFromBody(R"pb(
                                   node {
                                     name: "x"
                                     op: "Placeholder"
                                     attr {
                                       key: "shape"
                                       value { shape { dim: -1 dim: 3 } }
                                     }
                                   }
                                   node { name: "s" op: "Scale" input: "x" }
                                 )pb",
                                 "scale.pbtxt", {});
  ASSERT_NE(session, nullptr);
  ASSERT_OK_AND_ASSIGN(const int scale, session->graph().FindNode("s/scale"));
  EXPECT_EQ(session->graph().node(scale).op->name(), "Variable");
  const Tensor x = Tensor::FromValues(DType::kFloat32, {1, 3}, {1, 2, 3});
  ASSERT_OK_AND_ASSIGN(auto out, session->Run({{"x", &x}}, {"s"}));
  ExpectTensorNear(out[0], {1, 3}, {1, 2, 3});
}

}  // namespace
}  // namespace nabla
