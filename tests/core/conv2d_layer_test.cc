// Conv2DLayer: its expansion (nodes, shapes, the attributes it passes on),
// its errors at the user's file:line, and a network of it that trains bit
// for bit like the same network written with Variable, Conv2D and BiasAdd.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/graph.h"
#include "core/session.h"
#include "gtest/gtest.h"
#include "tests/model_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// x: two 2-channel 5 x 5 images; y: a value per sample.
constexpr char kInputs[] =
    "  node { name: \"x\" op: \"Placeholder\" attr { key: \"shape\" value { "
    "shape { dim: -1 dim: 2 dim: 5 dim: 5 } } } }\n"
    "  node { name: \"y\" op: \"Placeholder\" attr { key: \"shape\" value { "
    "shape { dim: -1 dim: 1 } } } }\n";

// The rest of the network after the convolution 'c' [N, 3, 3, 3]: flatten,
// a linear read-out, and the loss.
constexpr char kHead[] =
    "  node { name: \"flat\" op: \"Reshape\" input: \"c\" attr { key: "
    "\"shape\" value { shape { dim: -1 dim: 27 } } } }\n"
    "  node { name: \"out\" op: \"Dense\" input: \"flat\" attr { key: "
    "\"units\" value { i: 1 } } }\n"
    "  node { name: \"loss\" op: \"MeanSquaredError\" input: \"out\" input: "
    "\"y\" }\n";

// Conv2DLayer 'c' on x with `attrs` (attr { ... } text) after filters 3,
// kernel_size [3, 3], strides [2, 2], pads 1 and ReLU.
// The layer with these settings, each replaced by one of `attrs` that
// sets the same key (a key given twice is an error).
std::string Layer(const std::string& attrs = "") {
  const std::pair<const char*, const char*> defaults[] = {
      {"filters", "value { i: 3 }"},
      {"kernel_size", "value { list { i: [3, 3] } }"},
      {"strides", "value { list { i: [2, 2] } }"},
      {"pads", "value { list { i: [1, 1, 1, 1] } }"},
      {"activation", "value { s: \"ReLU\" }"}};
  std::string node = "  node { name: \"c\" op: \"Conv2DLayer\" input: \"x\" ";
  for (const auto& [key, value] : defaults) {
    if (absl::StrContains(attrs, absl::StrCat("key: \"", key, "\""))) continue;
    absl::StrAppend(&node, "attr { key: \"", key, "\" ", value, " } ");
  }
  return absl::StrCat(node, attrs, "}\n");
}

// What Layer() expands to, written out.
constexpr char kByHand[] =
    "  node { name: \"c/weights\" op: \"Variable\" attr { key: \"shape\" "
    "value { shape { dim: 3 dim: 2 dim: 3 dim: 3 } } } attr { key: "
    "\"fan_layout\" value { s: \"out_in\" } } }\n"
    "  node { name: \"c/bias\" op: \"Variable\" attr { key: \"shape\" value "
    "{ shape { dim: 3 } } } attr { key: \"initializer\" value { s: \"zeros\" "
    "} } }\n"
    "  node { name: \"c/conv\" op: \"Conv2D\" input: \"x\" input: "
    "\"c/weights\" attr { key: \"strides\" value { list { i: [2, 2] } } } "
    "attr { key: \"pads\" value { list { i: [1, 1, 1, 1] } } } }\n"
    "  node { name: \"c/bias_add\" op: \"BiasAdd\" input: \"c/conv\" input: "
    "\"c/bias\" attr { key: \"axis\" value { i: 1 } } }\n"
    "  node { name: \"c\" op: \"ReLU\" input: \"c/bias_add\" }\n";

TEST(Conv2DLayerTest, ExpandsWithShapesAndPassesItsAttributesOn) {
  ASSERT_OK_AND_ASSIGN(
      Graph graph,
      GraphFromBody(std::string(kInputs) + Layer() + kHead, "g.pbtxt"));
  std::vector<std::string> names;
  for (const Node& node : graph.nodes()) {
    if (node.expanded_from != "c") continue;
    names.push_back(absl::StrCat(node.name, " ", node.op->name(),
                                 node.output_shapes[0].ToString()));
  }
  EXPECT_EQ(names, (std::vector<std::string>{
                       "c/weights Variable[3, 2, 3, 3]",
                       "c/bias Variable[3]",
                       "c/conv Conv2D[?, 3, 3, 3]",
                       "c/bias_add BiasAdd[?, 3, 3, 3]",
                       "c ReLU[?, 3, 3, 3]",
                   }));
}

std::vector<double> TrainLosses(const std::string& body) {
  SessionOptions options;
  options.seed = 11;
  std::unique_ptr<Session> session = SessionFromBody(body, "m.pbtxt", options);
  if (session == nullptr) return {};
  EXPECT_OK(session->SetTraining("loss", Sgd(0.05)));
  std::vector<double> pixels(2 * 2 * 5 * 5);
  for (size_t i = 0; i < pixels.size(); ++i) {
    pixels[i] = static_cast<double>((i * 7) % 11) / 11.0 - 0.4;
  }
  const Tensor x =
      Tensor::FromValues(DType::kFloat32, Shape{2, 2, 5, 5}, pixels);
  const Tensor y = Tensor::FromValues(DType::kFloat32, Shape{2, 1}, {1, -1});
  const Feed feeds[] = {{"x", &x}, {"y", &y}};
  std::vector<double> losses;
  for (int step = 0; step < 30; ++step) {
    auto loss = session->TrainStep(feeds);
    EXPECT_TRUE(loss.ok()) << loss.status();
    if (!loss.ok()) break;
    losses.push_back(*loss);
  }
  return losses;
}

// The same seed draws the same weights for variables of the same names,
// so the two networks start and stay equal.
TEST(Conv2DLayerTest, TrainsExactlyLikeTheHandWrittenNetwork) {
  const std::vector<double> layer =
      TrainLosses(std::string(kInputs) + Layer() + kHead);
  const std::vector<double> by_hand =
      TrainLosses(std::string(kInputs) + kByHand + kHead);
  ASSERT_EQ(layer.size(), 30u);
  EXPECT_EQ(layer, by_hand);  // bit for bit
  EXPECT_LT(layer.back(), 0.5 * layer.front());
}

void ExpectGraphError(const std::string& layer, const std::string& message) {
  absl::StatusOr<Graph> graph =
      GraphFromBody(std::string(kInputs) + layer + kHead, "g.pbtxt");
  ASSERT_FALSE(graph.ok()) << message;
  EXPECT_TRUE(absl::StrContains(graph.status().message(), message))
      << "missing \"" << message << "\" in:\n"
      << graph.status().message();
}

TEST(Conv2DLayerTest, ErrorsNameTheLayerAndItsLine) {
  // The layer is on line 4 of g.pbtxt (the graph's body starts on line 2).
  ExpectGraphError(
      Layer("attr { key: \"kernel_size\" value { list { i: [3] } } } "),
      "g.pbtxt:4: node 'c'");
  ExpectGraphError(
      Layer("attr { key: \"kernel_size\" value { list { i: [3] } } } "),
      "kernel_size must be [KH, KW], two integers of at least 1, got [3]");
  ExpectGraphError(Layer("attr { key: \"filters\" value { i: 0 } } "),
                   "filters must be > 0, got 0");
  ExpectGraphError(Layer("attr { key: \"group\" value { i: 4 } } "),
                   "input 'x' has 2 channels, which group = 4 does not divide");
  ExpectGraphError(Layer("attr { key: \"activation\" value { s: \"Relu\" } } "),
                   "activation 'Relu' is not a registered activation");
  // Conv2D's own checks, reported at the layer with the node it made.
  ExpectGraphError(
      Layer("attr { key: \"dilations\" value { list { i: [0, 1] } } } "),
      "node 'c/conv' (Conv2D, from Conv2DLayer 'c'): attribute 'dilations' "
      "must be 2 integers of at least 1, got [0, 1]");
}

TEST(Conv2DLayerTest, InputMustBeImagesWithKnownChannels) {
  const std::string flat_input =
      "  node { name: \"v\" op: \"Placeholder\" attr { key: \"shape\" value { "
      "shape { dim: -1 dim: 50 } } } }\n"
      "  node { name: \"c\" op: \"Conv2DLayer\" input: \"v\" "
      "attr { key: \"filters\" value { i: 3 } } "
      "attr { key: \"kernel_size\" value { list { i: [3, 3] } } } }\n";
  absl::StatusOr<Graph> graph = GraphFromBody(flat_input, "g.pbtxt");
  ASSERT_FALSE(graph.ok());
  EXPECT_TRUE(
      absl::StrContains(graph.status().message(),
                        "input 'v' must be [N, C, H, W] (rank 4), got [?, 50]"))
      << graph.status().message();
}

}  // namespace
}  // namespace nabla
