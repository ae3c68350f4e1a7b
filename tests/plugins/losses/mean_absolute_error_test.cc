#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/plugins/losses/loss_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// By hand: |p - l| = [1, 0, 2, 2.5]; sum 5.5, mean 1.375.
std::vector<Tensor> Inputs() {
  return {T64({4}, {1, 2, 3, 4}), T64({4}, {0, 2, 5, 1.5})};
}

TEST(MeanAbsoluteErrorTest, ForwardAndReductions) {
  ASSERT_OK_AND_ASSIGN(auto mean, RunOp("MeanAbsoluteError", {}, Inputs()));
  ExpectTensorNear(mean[0], {}, {1.375});
  ASSERT_OK_AND_ASSIGN(auto sum,
                       RunOp("MeanAbsoluteError", LossAttrs("sum"), Inputs()));
  ExpectTensorNear(sum[0], {}, {5.5});
  ASSERT_OK_AND_ASSIGN(
      auto none, RunOp("MeanAbsoluteError", LossAttrs("none", 2), Inputs()));
  ExpectTensorNear(none[0], {4}, {2, 0, 4, 5});
  ASSERT_OK_AND_ASSIGN(auto weighted, RunOp("MeanAbsoluteError",
                                            LossAttrs("mean", 4), Inputs()));
  ExpectTensorNear(weighted[0], {}, {5.5});
}

// dp = sign(p - l) / N, with 0 where p = l; dl = -dp.
TEST(MeanAbsoluteErrorTest, GradientByHand) {
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("MeanAbsoluteError", {},
                                                 Inputs(), {T64({}, {1})}));
  ExpectTensorNear(grads[0], {4}, {0.25, 0, -0.25, 0.25});
  ExpectTensorNear(grads[1], {4}, {-0.25, 0, 0.25, -0.25});
}

TEST(MeanAbsoluteErrorTest, Gradient) {
  // Random p and l are never equal: no element sits on the kink.
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    EXPECT_OK(CheckGradient("MeanAbsoluteError", LossAttrs(reduction, 0.7),
                            {RandomTensor(DType::kFloat64, {3, 4}, 1),
                             RandomTensor(DType::kFloat64, {3, 4}, 2)}));
  }
}

TEST(MeanAbsoluteErrorTest, Float32MatchesFloat64) {
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    EXPECT_OK(
        CheckFloat32MatchesFloat64("MeanAbsoluteError", LossAttrs(reduction),
                                   {RandomTensor(DType::kFloat64, {5, 2}, 1),
                                    RandomTensor(DType::kFloat64, {5, 2}, 2)}));
  }
}

TEST(MeanAbsoluteErrorTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes,
                       RunOpShape("MeanAbsoluteError", {}, {{-1, 3}, {2, 3}}));
  EXPECT_EQ(shapes[0], Shape({}));
  ASSERT_OK_AND_ASSIGN(
      shapes,
      RunOpShape("MeanAbsoluteError", LossAttrs("none"), {{-1, 3}, {-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({-1, 3}));
}

TEST(MeanAbsoluteErrorTest, ShapeErrors) {
  EXPECT_STATUS(RunOpShape("MeanAbsoluteError", {}, {{2, 3}, {3, 2}}),
                absl::StatusCode::kInvalidArgument,
                "predictions is [2, 3], labels is [3, 2]");
  EXPECT_STATUS(RunOpShape("MeanAbsoluteError", LossAttrs("Mean"), {{2}, {2}}),
                absl::StatusCode::kInvalidArgument, "got \"Mean\"");
  EXPECT_STATUS(
      RunOpShape("MeanAbsoluteError", LossAttrs("sum", NAN), {{2}, {2}}),
      absl::StatusCode::kInvalidArgument,
      "attribute 'weight' must be a finite number, got nan");
}

}  // namespace
}  // namespace nabla
