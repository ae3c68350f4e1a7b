// Errors a Session reports before any kernel runs: SetTraining's checks of
// the loss and the gradient path, feed checks, and Create's options.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/bad_value.h"
#include "core/graph.h"
#include "core/model_parser.h"
#include "core/op_registry.h"
#include "core/optimizer.h"
#include "core/session.h"
#include "core/tensor.h"
#include "gtest/gtest.h"
#include "proto/model.pb.h"
#include "tests/model_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// y = x, with no gradient kernel: nothing can be trained through it.
void RegisterTestNoGradientOnce() {
  static const bool registered = [] {
    absl::Status s = OpRegistry::Global().Register(
        OpDef("TestNoGradient")
            .Input("x")
            .Output("y")
            .ShapeFn([](ShapeContext& ctx) {
              ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
              return absl::OkStatus();
            })
            .Forward([](const KernelContext& ctx) {
              std::memcpy(ctx.output(0).raw_data(), ctx.input(0).raw_data(),
                          ctx.input(0).num_bytes());
              return absl::OkStatus();
            })
            .NoGradient());
    EXPECT_TRUE(s.ok()) << s;
    return s.ok();
  }();
  ASSERT_TRUE(registered);
}

std::shared_ptr<const Graph> BuildGraph(const std::string& graph_body) {
  auto graph = GraphFromBody(graph_body, "s.pbtxt");
  EXPECT_TRUE(graph.ok()) << graph.status();
  return graph.ok() ? std::make_shared<const Graph>(*std::move(graph))
                    : nullptr;
}

std::unique_ptr<Session> MakeSession(const std::string& graph_body,
                                     int threads = 1) {
  return SessionFromBody(graph_body, "s.pbtxt",
                         {.threads = threads, .seed = 1});
}

// Linear regression: loss = MSE(x · w, y). One node a line, from line 2.
constexpr char kLinear[] =
    "  node { name: \"x\" op: \"Placeholder\" attr { key: \"shape\" value { "
    "shape { dim: -1 dim: 2 } } } }\n"  // 2
    "  node { name: \"y\" op: \"Placeholder\" attr { key: \"shape\" value { "
    "shape { dim: -1 dim: 1 } } } }\n"  // 3
    "  node { name: \"w\" op: \"Variable\" attr { key: \"shape\" value { "
    "shape { dim: 2 dim: 1 } } } }\n"                                    // 4
    "  node { name: \"p\" op: \"MatMul\" input: \"x\" input: \"w\" }\n"  // 5
    "  node { name: \"loss\" op: \"MeanSquaredError\" input: \"p\" input: "
    "\"y\" }\n";  // 6

Tensor Filled(DType dtype, const Shape& shape, double value) {
  return Tensor::FromValues(dtype, shape,
                            std::vector<double>(shape.num_elements(), value));
}

TEST(SessionCreateTest, ZeroThreadsIsRefused) {
  std::shared_ptr<const Graph> graph = BuildGraph(kLinear);
  ASSERT_NE(graph, nullptr);
  EXPECT_STATUS(Session::Create(graph, {.threads = 0}),
                absl::StatusCode::kInvalidArgument,
                "threads must be between 1 and 1024, got 0");
  EXPECT_STATUS(Session::Create(graph, {.threads = -2}),
                absl::StatusCode::kInvalidArgument, "got -2");
  EXPECT_STATUS(Session::Create(graph, {.threads = 1025}),
                absl::StatusCode::kInvalidArgument, "got 1025");
  ASSERT_OK_AND_ASSIGN(auto session, Session::Create(graph, {.threads = 2}));
  EXPECT_EQ(session->threads(), 2);
}

TEST(SetTrainingTest, LossMustBeScalar) {
  auto session = MakeSession(kLinear);
  ASSERT_NE(session, nullptr);
  EXPECT_STATUS(session->SetTraining("p", Sgd()),
                absl::StatusCode::kInvalidArgument,
                "the loss s.pbtxt:5: node 'p' (MatMul) must be a scalar, its "
                "shape is [?, 1]");
}

TEST(SetTrainingTest, UnknownLossSuggestsCloseName) {
  auto session = MakeSession(kLinear);
  ASSERT_NE(session, nullptr);
  EXPECT_STATUS(session->SetTraining("los", Sgd()), absl::StatusCode::kNotFound,
                "no node named 'los'; did you mean loss");
}

TEST(SetTrainingTest, LossWithoutTrainableVariableIsRefused) {
  // The only Variable is frozen.
  auto session = MakeSession(
      "  node { name: \"x\" op: \"Placeholder\" attr { key: \"shape\" value { "
      "shape { dim: -1 dim: 2 } } } }\n"  // 2
      "  node { name: \"y\" op: \"Placeholder\" attr { key: \"shape\" value { "
      "shape { dim: -1 dim: 1 } } } }\n"  // 3
      "  node { name: \"w\" op: \"Variable\" attr { key: \"shape\" value { "
      "shape { dim: 2 dim: 1 } } } attr { key: \"trainable\" value { b: false "
      "} } }\n"                                                            // 4
      "  node { name: \"p\" op: \"MatMul\" input: \"x\" input: \"w\" }\n"  // 5
      "  node { name: \"loss\" op: \"MeanSquaredError\" input: \"p\" input: "
      "\"y\" }\n");  // 6
  ASSERT_NE(session, nullptr);
  EXPECT_STATUS(session->SetTraining("loss", Sgd()),
                absl::StatusCode::kInvalidArgument,
                "the loss s.pbtxt:6: node 'loss' (MeanSquaredError) does not "
                "depend on any trainable Variable: nothing to train");
}

TEST(SetTrainingTest, LossOfPlaceholdersOnlyIsRefused) {
  auto session = MakeSession(
      "  node { name: \"x\" op: \"Placeholder\" attr { key: \"shape\" value { "
      "shape { dim: -1 dim: 1 } } } }\n"  // 2
      "  node { name: \"y\" op: \"Placeholder\" attr { key: \"shape\" value { "
      "shape { dim: -1 dim: 1 } } } }\n"  // 3
      "  node { name: \"w\" op: \"Variable\" attr { key: \"shape\" value { "
      "shape { dim: 1 } } } }\n"  // 4
      "  node { name: \"loss\" op: \"MeanSquaredError\" input: \"x\" input: "
      "\"y\" }\n");  // 5
  ASSERT_NE(session, nullptr);
  EXPECT_STATUS(session->SetTraining("loss", Sgd()),
                absl::StatusCode::kInvalidArgument,
                "node 'loss' (MeanSquaredError) does not depend on any "
                "trainable Variable");
}

TEST(SetTrainingTest, EveryNodeWithoutGradientOnThePathIsListed) {
  RegisterTestNoGradientOnce();
  auto session = MakeSession(
      "  node { name: \"x\" op: \"Placeholder\" attr { key: \"shape\" value { "
      "shape { dim: -1 dim: 2 } } } }\n"  // 2
      "  node { name: \"y\" op: \"Placeholder\" attr { key: \"shape\" value { "
      "shape { dim: -1 dim: 1 } } } }\n"  // 3
      "  node { name: \"w\" op: \"Variable\" attr { key: \"shape\" value { "
      "shape { dim: 2 dim: 1 } } } }\n"                                    // 4
      "  node { name: \"p\" op: \"MatMul\" input: \"x\" input: \"w\" }\n"  // 5
      "  node { name: \"stop1\" op: \"TestNoGradient\" input: \"p\" }\n"   // 6
      "  node { name: \"q\" op: \"Sigmoid\" input: \"stop1\" }\n"          // 7
      "  node { name: \"stop2\" op: \"TestNoGradient\" input: \"q\" }\n"   // 8
      "  node { name: \"loss\" op: \"MeanSquaredError\" input: \"stop2\" "
      "input: \"y\" }\n");  // 9
  ASSERT_NE(session, nullptr);
  absl::Status status = session->SetTraining("loss", Sgd());
  EXPECT_STATUS(status, absl::StatusCode::kInvalidArgument,
                "cannot train: these nodes between a Variable and the loss "
                "have no gradient:");
  EXPECT_STATUS(status, absl::StatusCode::kInvalidArgument,
                "\ns.pbtxt:6: node 'stop1' (TestNoGradient)");
  EXPECT_STATUS(status, absl::StatusCode::kInvalidArgument,
                "\ns.pbtxt:8: node 'stop2' (TestNoGradient)");
  // Nodes with gradients are not listed.
  EXPECT_FALSE(absl::StrContains(status.message(), "node 'q'")) << status;
  EXPECT_FALSE(absl::StrContains(status.message(), "node 'p'")) << status;
  // Training was not set up.
  Tensor x = Filled(DType::kFloat32, Shape{1, 2}, 1);
  Tensor y = Filled(DType::kFloat32, Shape{1, 1}, 1);
  const Feed feeds[] = {{"x", &x}, {"y", &y}};
  EXPECT_STATUS(session->TrainStep(feeds),
                absl::StatusCode::kFailedPrecondition, "before SetTraining");
}

TEST(SetTrainingTest, NoGradientOffThePathIsAllowed) {
  RegisterTestNoGradientOnce();
  // The op without gradient only transforms data, before any Variable.
  auto session = MakeSession(
      "  node { name: \"x\" op: \"Placeholder\" attr { key: \"shape\" value { "
      "shape { dim: -1 dim: 2 } } } }\n"  // 2
      "  node { name: \"y\" op: \"Placeholder\" attr { key: \"shape\" value { "
      "shape { dim: -1 dim: 1 } } } }\n"  // 3
      "  node { name: \"w\" op: \"Variable\" attr { key: \"shape\" value { "
      "shape { dim: 2 dim: 1 } } } }\n"                                     // 4
      "  node { name: \"xs\" op: \"TestNoGradient\" input: \"x\" }\n"       // 5
      "  node { name: \"p\" op: \"MatMul\" input: \"xs\" input: \"w\" }\n"  // 6
      "  node { name: \"loss\" op: \"MeanSquaredError\" input: \"p\" input: "
      "\"y\" }\n");  // 7
  ASSERT_NE(session, nullptr);
  ASSERT_OK(session->SetTraining("loss", Sgd()));
  Tensor x = Filled(DType::kFloat32, Shape{3, 2}, 1);
  Tensor y = Filled(DType::kFloat32, Shape{3, 1}, 0);
  const Feed feeds[] = {{"x", &x}, {"y", &y}};
  ASSERT_OK_AND_ASSIGN(double loss, session->TrainStep(feeds));
  EXPECT_TRUE(std::isfinite(loss));
  EXPECT_EQ(session->step(), 1);
}

class FeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    session_ = MakeSession(kLinear);
    ASSERT_NE(session_, nullptr);
    ASSERT_OK(session_->SetTraining("loss", Sgd()));
  }

  std::unique_ptr<Session> session_;
  Tensor x_ = Filled(DType::kFloat32, Shape{3, 2}, 0.5);
  Tensor y_ = Filled(DType::kFloat32, Shape{3, 1}, 1.0);
};

TEST_F(FeedTest, ValidFeedsTrain) {
  const Feed feeds[] = {{"x", &x_}, {"y", &y_}};
  ASSERT_OK_AND_ASSIGN(double loss, session_->TrainStep(feeds));
  EXPECT_TRUE(std::isfinite(loss));
  EXPECT_EQ(session_->step(), 1);
}

TEST_F(FeedTest, FeedingANonPlaceholderIsRefused) {
  Tensor w = Filled(DType::kFloat32, Shape{2, 1}, 0);
  const Feed feeds[] = {{"x", &x_}, {"y", &y_}, {"w", &w}};
  EXPECT_STATUS(session_->TrainStep(feeds), absl::StatusCode::kInvalidArgument,
                "feed: s.pbtxt:4: node 'w' (Variable) is not a Placeholder");
  const std::string fetch[] = {"p"};
  EXPECT_STATUS(session_->Run(feeds, fetch), absl::StatusCode::kInvalidArgument,
                "feed: s.pbtxt:4: node 'w' (Variable) is not a Placeholder");
  EXPECT_EQ(session_->step(), 0);
}

TEST_F(FeedTest, FeedingAnUnknownNameSuggests) {
  const Feed feeds[] = {{"xx", &x_}, {"y", &y_}};
  EXPECT_STATUS(session_->TrainStep(feeds), absl::StatusCode::kInvalidArgument,
                "feed: no node named 'xx'; did you mean x");
}

TEST_F(FeedTest, WrongDTypeIsRefused) {
  Tensor x64 = Filled(DType::kFloat64, Shape{3, 2}, 0.5);
  const Feed feeds[] = {{"x", &x64}, {"y", &y_}};
  EXPECT_STATUS(session_->TrainStep(feeds), absl::StatusCode::kInvalidArgument,
                "feed: s.pbtxt:2: node 'x' (Placeholder) takes float32, fed "
                "float64");
}

TEST_F(FeedTest, ShapeContradictingThePlaceholderIsRefused) {
  Tensor x33 = Filled(DType::kFloat32, Shape{3, 3}, 0.5);
  const Feed feeds[] = {{"x", &x33}, {"y", &y_}};
  EXPECT_STATUS(session_->TrainStep(feeds), absl::StatusCode::kInvalidArgument,
                "s.pbtxt:2: node 'x' (Placeholder) expects shape [?, 2], fed "
                "[3, 3]");
  // Rank differs too.
  Tensor x1 = Filled(DType::kFloat32, Shape{6}, 0.5);
  const Feed rank_feeds[] = {{"x", &x1}, {"y", &y_}};
  EXPECT_STATUS(session_->TrainStep(rank_feeds),
                absl::StatusCode::kInvalidArgument,
                "expects shape [?, 2], fed [6]");
  EXPECT_EQ(session_->step(), 0);
}

TEST_F(FeedTest, BatchSizesThatDisagreeAreRefused) {
  Tensor y4 = Filled(DType::kFloat32, Shape{4, 1}, 1.0);
  const Feed feeds[] = {{"x", &x_}, {"y", &y4}};
  auto loss = session_->TrainStep(feeds);
  ASSERT_FALSE(loss.ok());
  EXPECT_EQ(loss.status().code(), absl::StatusCode::kInvalidArgument);
  // The loss node refuses [3, 1] against [4, 1].
  EXPECT_TRUE(absl::StrContains(loss.status().message(),
                                "node 'loss' (MeanSquaredError)"))
      << loss.status();
  EXPECT_TRUE(absl::StrContains(loss.status().message(), "[3, 1]"))
      << loss.status();
  EXPECT_TRUE(absl::StrContains(loss.status().message(), "[4, 1]"))
      << loss.status();
}

TEST_F(FeedTest, NeededPlaceholderNotFedIsRefused) {
  const Feed feeds[] = {{"x", &x_}};
  EXPECT_STATUS(session_->TrainStep(feeds), absl::StatusCode::kInvalidArgument,
                "s.pbtxt:3: node 'y' (Placeholder) is needed but was not fed");
  const std::string fetch[] = {"loss"};
  EXPECT_STATUS(session_->Run(feeds, fetch), absl::StatusCode::kInvalidArgument,
                "s.pbtxt:3: node 'y' (Placeholder) is needed but was not fed");
}

TEST_F(FeedTest, FeedingTwiceIsRefused) {
  const Feed feeds[] = {{"x", &x_}, {"y", &y_}, {"x", &x_}};
  EXPECT_STATUS(session_->TrainStep(feeds), absl::StatusCode::kInvalidArgument,
                "feed: s.pbtxt:2: node 'x' (Placeholder) is fed twice");
}

TEST_F(FeedTest, RunOnlyNeedsThePlaceholdersOfItsFetches) {
  const Feed feeds[] = {{"x", &x_}};
  const std::string fetch[] = {"p"};
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> out, session_->Run(feeds, fetch));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), (Shape{3, 1}));
}

TEST_F(FeedTest, BadFetchesAreRefused) {
  const Feed feeds[] = {{"x", &x_}};
  const std::string unknown[] = {"pp"};
  EXPECT_STATUS(session_->Run(feeds, unknown), absl::StatusCode::kNotFound,
                "no node named 'pp'");
  const std::string bad_output[] = {"p:1"};
  EXPECT_STATUS(session_->Run(feeds, bad_output),
                absl::StatusCode::kInvalidArgument,
                "fetch 'p:1': s.pbtxt:5: node 'p' (MatMul) has no output 1");
  const std::string malformed[] = {"p:"};
  EXPECT_STATUS(session_->Run(feeds, malformed),
                absl::StatusCode::kInvalidArgument,
                "fetch 'p:' is not \"node\" or \"node:k\"");
}

// Run() feeds "only the placeholders the fetches need"; feeding one more
// (the labels, when predicting) is harmless: the plan has no buffer for it.
// Kept last in the file: it once crashed the process.
TEST(ZzSessionRunTest, FeedingAnUnneededPlaceholderIsHarmless) {
  auto session = MakeSession(kLinear);
  ASSERT_NE(session, nullptr);
  Tensor x = Filled(DType::kFloat32, Shape{3, 2}, 0.5);
  Tensor y = Filled(DType::kFloat32, Shape{3, 1}, 1.0);
  const Feed feeds[] = {{"x", &x}, {"y", &y}};
  const std::string fetch[] = {"p"};
  auto out = session->Run(feeds, fetch);
  ASSERT_OK(out.status());
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].shape(), (Shape{3, 1}));
}

// A kernel's error reaches the caller with the node that raised it.
TEST(KernelErrorTest, NamesTheNodeAndTheStep) {
  auto session = MakeSession(
      R"pb(
        node {
          name: "x"
          op: "Placeholder"
          attr {
            key: "shape"
            value { shape { dim: -1 dim: 2 } }
          }
        }
        node {
          name: "label"
          op: "Placeholder"
          attr {
            key: "shape"
            value { shape { dim: -1 } }
          }
        }
        node {
          name: "w"
          op: "Variable"
          attr {
            key: "shape"
            value { shape { dim: 2 dim: 3 } }
          }
        }
        node { name: "logits" op: "MatMul" input: "x" input: "w" }
        node {
          name: "loss"
          op: "SparseSoftmaxCrossEntropy"
          input: "logits"
          input: "label"
        }
      )pb");
  ASSERT_NE(session, nullptr);
  ASSERT_OK(session->SetTraining("loss", Sgd()));
  Tensor x = Filled(DType::kFloat32, Shape{2, 2}, 1);
  Tensor label = Tensor::FromValues(DType::kFloat32, {2}, {0, 3});
  const Feed feeds[] = {{"x", &x}, {"label", &label}};
  EXPECT_STATUS(session->TrainStep(feeds), absl::StatusCode::kInvalidArgument,
                "s.pbtxt:29: node 'loss' (SparseSoftmaxCrossEntropy) forward: "
                "SparseSoftmaxCrossEntropy: label of sample 1 is 3");
  EXPECT_EQ(session->step(), 0);
}

// A kernel that names a bad element of an input a Placeholder feeds gets
// the sample of the batch attached (core/bad_value.h), for the run to name
// the file and line; an input computed by another node gets none.
constexpr char kLabelGraph[] = R"pb(
  node {
    name: "x"
    op: "Placeholder"
    attr {
      key: "shape"
      value { shape { dim: -1 dim: 2 } }
    }
  }
  node {
    name: "label"
    op: "Placeholder"
    attr {
      key: "shape"
      value { shape { dim: -1 } }
    }
  }
  node { name: "copied" op: "Identity" input: "label" }
  node {
    name: "w"
    op: "Variable"
    attr {
      key: "shape"
      value { shape { dim: 2 dim: 3 } }
    }
  }
  node { name: "logits" op: "MatMul" input: "x" input: "w" }
  node {
    name: "fed"
    op: "SparseSoftmaxCrossEntropy"
    input: "logits"
    input: "label"
  }
  node {
    name: "computed"
    op: "SparseSoftmaxCrossEntropy"
    input: "logits"
    input: "copied"
  }
)pb";

TEST(KernelErrorTest, BadLabelOfAFedPlaceholderNamesItsSample) {
  auto session = MakeSession(kLabelGraph);
  ASSERT_NE(session, nullptr);
  Tensor x = Filled(DType::kFloat32, Shape{4, 2}, 1);
  Tensor label = Tensor::FromValues(DType::kFloat32, {4}, {0, 2, 1, 7});
  const Feed feeds[] = {{"x", &x}, {"label", &label}};
  const std::string fed[] = {"fed"};
  const absl::Status status = session->Run(feeds, fed).status();
  ASSERT_FALSE(status.ok());
  const std::optional<BatchSample> sample = FindBatchSample(status);
  ASSERT_TRUE(sample.has_value()) << status;
  EXPECT_EQ(sample->placeholder, "label");
  EXPECT_EQ(sample->sample, 3);

  const std::string computed[] = {"computed"};
  const absl::Status other = session->Run(feeds, computed).status();
  EXPECT_TRUE(absl::StrContains(other.message(), "label of sample 3 is 7"))
      << other;
  EXPECT_FALSE(FindBatchSample(other).has_value());
}

TEST(KernelErrorTest, BadIndexNamesTheSampleThatHoldsIt) {
  // Two indices per sample: element 5 is in sample 2.
  auto session = MakeSession(R"pb(
    node {
      name: "table"
      op: "Variable"
      attr {
        key: "shape"
        value { shape { dim: 4 dim: 2 } }
      }
    }
    node {
      name: "ids"
      op: "Placeholder"
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 2 } }
      }
    }
    node { name: "rows" op: "Gather" input: "table" input: "ids" }
  )pb");
  ASSERT_NE(session, nullptr);
  Tensor ids = Tensor::FromValues(DType::kFloat32, {3, 2}, {0, 1, 2, 3, 1, 9});
  const Feed feeds[] = {{"ids", &ids}};
  const std::string fetch[] = {"rows"};
  const absl::Status status = session->Run(feeds, fetch).status();
  EXPECT_TRUE(absl::StrContains(status.message(), "index 9 at element 5"))
      << status;
  const std::optional<BatchSample> sample = FindBatchSample(status);
  ASSERT_TRUE(sample.has_value()) << status;
  EXPECT_EQ(sample->placeholder, "ids");
  EXPECT_EQ(sample->sample, 2);
}

}  // namespace
}  // namespace nabla
