// TimeModel (`train_graph --time`) on the 2-3-1 example and on bad input.
#include "core/run/time_model.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "core/dataset.h"
#include "core/graph.h"
#include "core/model_parser.h"
#include "core/session.h"
#include "core/update_rule.h"
#include "gtest/gtest.h"
#include "tests/model_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

constexpr char kExample[] = "examples/test_score.pbtxt";

TEST(TimeModelTest, ReportsEveryNodeOfTheExample) {
  ASSERT_OK_AND_ASSIGN(ParsedModel parsed, ReadModelFile(kExample));
  ASSERT_OK_AND_ASSIGN(Graph graph,
                       Graph::Build(parsed.model.graph(), parsed.source));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Session> session,
      Session::Create(std::make_shared<const Graph>(std::move(graph)), {}));
  ASSERT_OK_AND_ASSIGN(UpdateRule rule,
                       MakeUpdateRule(parsed.model.training().optimizer()));
  ASSERT_OK(
      session->SetTraining(parsed.model.training().loss(), std::move(rule)));
  ASSERT_OK_AND_ASSIGN(
      Dataset data,
      Dataset::FromConfig(session->graph(), parsed.model.data(), kExample));
  std::vector<int64_t> rows = {0, 1, 2};
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  data.FillBatch(rows, &batch, &feeds);

  ASSERT_OK_AND_ASSIGN(const std::string report,
                       TimeModel(*session, feeds, 20, 3));
  std::cout << report;             // the sample in --test_output=all
  EXPECT_EQ(session->step(), 23);  // the steps are real training steps
  EXPECT_FALSE(session->profiling());
  EXPECT_EQ(session->profile().steps, 20);
  for (const char* text :
       {"time: 20 training steps after 3 warmup; feeds: hours [3, 2], score "
        "[3, 1]",
        "TrainStep wall", "forward ms/step", "backward ms/step", "share",
        "wall ms/step", "output shape", "gradient", "peak"}) {
    EXPECT_TRUE(absl::StrContains(report, text)) << text << "\n" << report;
  }
  for (const Node& node : session->graph().nodes()) {
    EXPECT_TRUE(absl::StrContains(report, "\n" + node.name + " "))
        << node.name << "\n"
        << report;
  }
}

constexpr char kTinyModel[] = R"pb(
  node {
    name: "x"
    op: "Placeholder"
    attr {
      key: "shape"
      value { shape { dim: -1 dim: 2 } }
    }
  }
  node {
    name: "w"
    op: "Variable"
    attr {
      key: "shape"
      value { shape { dim: 2 dim: 1 } }
    }
  }
  node { name: "y" op: "MatMul" input: "x" input: "w" }
  node { name: "loss" op: "ReduceSum" input: "y" }
)pb";

TEST(TimeModelTest, RefusesBadArgumentsAndUntrainedSessions) {
  std::unique_ptr<Session> session =
      SessionFromBody(kTinyModel, "tiny", {.threads = 1});
  ASSERT_NE(session, nullptr);
  const Tensor x(DType::kFloat32, {3, 2});
  const Feed feeds[] = {{"x", &x}};
  EXPECT_STATUS(TimeModel(*session, feeds, 10, 1),
                absl::StatusCode::kFailedPrecondition, "SetTraining");
  ASSERT_OK(session->SetTraining("loss", Sgd()));
  EXPECT_STATUS(TimeModel(*session, feeds, 0, 1),
                absl::StatusCode::kInvalidArgument,
                "iterations must be at least 1, got 0");
  EXPECT_STATUS(TimeModel(*session, feeds, 1, -1),
                absl::StatusCode::kInvalidArgument,
                "warmup must not be negative, got -1");
  EXPECT_EQ(session->step(), 0);
}

TEST(TimeModelTest, StepErrorsNameTheStepAndRestoreProfiling) {
  std::unique_ptr<Session> session =
      SessionFromBody(kTinyModel, "tiny", {.threads = 1});
  ASSERT_NE(session, nullptr);
  ASSERT_OK(session->SetTraining("loss", Sgd()));
  session->set_profiling(true);
  const absl::Status unfed = TimeModel(*session, {}, 5, 2).status();
  EXPECT_STATUS(unfed, absl::StatusCode::kInvalidArgument,
                "warmup step 1 of 2: tiny:");
  EXPECT_STATUS(unfed, absl::StatusCode::kInvalidArgument,
                "node 'x' (Placeholder) is needed but was not fed");
  EXPECT_TRUE(session->profiling());
  const Tensor x(DType::kFloat32, {3, 2});
  const Feed feeds[] = {{"x", &x}};
  ASSERT_OK(TimeModel(*session, feeds, 2, 0));
  EXPECT_TRUE(session->profiling());
}

}  // namespace
}  // namespace nabla
