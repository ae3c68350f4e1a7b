#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/plugins/losses/loss_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// By hand: p - l = [1, 0, -2, 3]; squares [1, 0, 4, 9], sum 14, mean 3.5.
std::vector<Tensor> Inputs() {
  return {T64({2, 2}, {1, 2, 3, 4}), T64({2, 2}, {0, 2, 5, 1})};
}

TEST(MeanSquaredErrorTest, Forward) {
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("MeanSquaredError", {}, Inputs()));
  ExpectTensorNear(out[0], {}, {3.5});
}

TEST(MeanSquaredErrorTest, Reductions) {
  ASSERT_OK_AND_ASSIGN(auto sum,
                       RunOp("MeanSquaredError", LossAttrs("sum"), Inputs()));
  ExpectTensorNear(sum[0], {}, {14});
  ASSERT_OK_AND_ASSIGN(auto none,
                       RunOp("MeanSquaredError", LossAttrs("none"), Inputs()));
  ExpectTensorNear(none[0], {2, 2}, {1, 0, 4, 9});
}

TEST(MeanSquaredErrorTest, Weight) {
  ASSERT_OK_AND_ASSIGN(
      auto mean, RunOp("MeanSquaredError", LossAttrs("mean", 0.5), Inputs()));
  ExpectTensorNear(mean[0], {}, {1.75});
  ASSERT_OK_AND_ASSIGN(
      auto none, RunOp("MeanSquaredError", LossAttrs("none", -2), Inputs()));
  ExpectTensorNear(none[0], {2, 2}, {-2, 0, -8, -18});
}

// dp = 2 (p - l) / N · dy = [1, 0, -2, 3] / 2 · 1; dl = -dp.
TEST(MeanSquaredErrorTest, GradientByHand) {
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("MeanSquaredError", {},
                                                 {T64({4}, {1, 2, 3, 4}),
                                                  T64({4}, {0, 2, 5, 1})},
                                                 {T64({}, {1})}));
  ExpectTensorNear(grads[0], {4}, {0.5, 0, -1, 1.5});
  ExpectTensorNear(grads[1], {4}, {-0.5, 0, 1, -1.5});
}

// "sum" with weight 3 and dy = 2: dp = 3 · 2 · 2 (p - l).
TEST(MeanSquaredErrorTest, GradientByHandSumWeighted) {
  ASSERT_OK_AND_ASSIGN(
      auto grads,
      RunOpGradient("MeanSquaredError", LossAttrs("sum", 3),
                    {T64({2}, {1, 2}), T64({2}, {0, 2.5})}, {T64({}, {2})}));
  ExpectTensorNear(grads[0], {2}, {12, -6});
  ExpectTensorNear(grads[1], {2}, {-12, 6});
}

TEST(MeanSquaredErrorTest, Gradient) {
  EXPECT_OK(CheckGradient("MeanSquaredError", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 1),
                           RandomTensor(DType::kFloat64, {3, 4}, 2)}));
  EXPECT_OK(CheckGradient("MeanSquaredError", {},
                          {RandomTensor(DType::kFloat64, {}, 3),
                           RandomTensor(DType::kFloat64, {}, 4)}));
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    EXPECT_OK(CheckGradient("MeanSquaredError", LossAttrs(reduction, 0.7),
                            {RandomTensor(DType::kFloat64, {2, 3}, 5),
                             RandomTensor(DType::kFloat64, {2, 3}, 6)}));
  }
}

TEST(MeanSquaredErrorTest, Float32MatchesFloat64) {
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    EXPECT_OK(CheckFloat32MatchesFloat64(
        "MeanSquaredError", LossAttrs(reduction, 1.5),
        {RandomTensor(DType::kFloat64, {5, 2}, 1),
         RandomTensor(DType::kFloat64, {5, 2}, 2)}));
  }
}

TEST(MeanSquaredErrorTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes,
                       RunOpShape("MeanSquaredError", {}, {{-1, 3}, {2, 3}}));
  EXPECT_EQ(shapes[0], Shape({}));
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("MeanSquaredError", LossAttrs("none"),
                                          {{-1, 3}, {2, -1}}));
  EXPECT_EQ(shapes[0], Shape({2, 3}));
}

TEST(MeanSquaredErrorTest, ShapeErrors) {
  EXPECT_STATUS(RunOpShape("MeanSquaredError", {}, {{2, 3}, {3, 2}}),
                absl::StatusCode::kInvalidArgument,
                "predictions is [2, 3], labels is [3, 2]");
  EXPECT_STATUS(RunOpShape("MeanSquaredError", {}, {{2, 3}, {2, 3, 1}}),
                absl::StatusCode::kInvalidArgument, "labels is [2, 3, 1]");
  EXPECT_STATUS(RunOpShape("MeanSquaredError", {}, {{2}, {2}},
                           {DType::kFloat64, DType::kFloat32}),
                absl::StatusCode::kInvalidArgument,
                "predictions is float64, labels is float32");
  EXPECT_STATUS(RunOpShape("MeanSquaredError", LossAttrs("avg"), {{2}, {2}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'reduction' must be \"mean\", \"sum\" or \"none\", "
                "got \"avg\"");
  EXPECT_STATUS(
      RunOpShape("MeanSquaredError", LossAttrs("mean", INFINITY), {{2}, {2}}),
      absl::StatusCode::kInvalidArgument,
      "attribute 'weight' must be a finite number, got inf");
}

}  // namespace
}  // namespace nabla
