#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/plugins/losses/loss_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

AttrMap Delta(double delta, const char* reduction = "mean",
              double weight = 1.0) {
  return LossAttrs(reduction, weight, {{"delta", MakeAttr(delta)}});
}

// d = p - l = [0.5, -2, 2, 0, -1]: inside and outside delta, and at
// |d| = delta = 1 and = 2. Values from the textbook formula in python3:
//   v = 0.5 d² if |d| <= delta else delta (|d| - delta / 2)
// (delta 1: [0.125, 1.5, 1.5, 0, 0.5]; delta 2: [0.125, 2, 2, 0, 0.5];
//  delta 0.25: [0.09375, 0.46875, 0.46875, 0, 0.21875]).
std::vector<Tensor> Inputs() {
  return {T64({5}, {0.5, -2, 3, 0.2, 1}), T64({5}, {0, 0, 1, 0.2, 2})};
}

TEST(HuberTest, ForwardAndReductions) {
  ASSERT_OK_AND_ASSIGN(auto mean, RunOp("Huber", {}, Inputs()));
  ExpectTensorNear(mean[0], {}, {0.725});
  ASSERT_OK_AND_ASSIGN(auto sum, RunOp("Huber", LossAttrs("sum"), Inputs()));
  ExpectTensorNear(sum[0], {}, {3.625});
  ASSERT_OK_AND_ASSIGN(auto none, RunOp("Huber", LossAttrs("none"), Inputs()));
  ExpectTensorNear(none[0], {5}, {0.125, 1.5, 1.5, 0, 0.5});
  ASSERT_OK_AND_ASSIGN(auto weighted,
                       RunOp("Huber", LossAttrs("sum", 0.1), Inputs()));
  ExpectTensorNear(weighted[0], {}, {0.3625});
}

TEST(HuberTest, Delta) {
  ASSERT_OK_AND_ASSIGN(auto two, RunOp("Huber", Delta(2, "none"), Inputs()));
  ExpectTensorNear(two[0], {5}, {0.125, 2, 2, 0, 0.5});
  ASSERT_OK_AND_ASSIGN(auto quarter,
                       RunOp("Huber", Delta(0.25, "none"), Inputs()));
  ExpectTensorNear(quarter[0], {5}, {0.09375, 0.46875, 0.46875, 0, 0.21875});
  ASSERT_OK_AND_ASSIGN(auto mean, RunOp("Huber", Delta(0.25), Inputs()));
  ExpectTensorNear(mean[0], {}, {0.25});
}

// dp = clip(d, -delta, delta) / N with delta 1: [0.5, -1, 1, 0, -1] / 5.
TEST(HuberTest, GradientByHand) {
  ASSERT_OK_AND_ASSIGN(auto grads,
                       RunOpGradient("Huber", {}, Inputs(), {T64({}, {1})}));
  ExpectTensorNear(grads[0], {5}, {0.1, -0.2, 0.2, 0, -0.2});
  ExpectTensorNear(grads[1], {5}, {-0.1, 0.2, -0.2, 0, 0.2});
}

TEST(HuberTest, Gradient) {
  // p - l spans (-4, 4): both pieces of the loss for delta 1 and 0.3.
  const std::vector<Tensor> inputs = {
      RandomTensor(DType::kFloat64, {3, 4}, 1, -2, 2),
      RandomTensor(DType::kFloat64, {3, 4}, 2, -2, 2)};
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    EXPECT_OK(CheckGradient("Huber", Delta(1, reduction, 1.3), inputs));
    EXPECT_OK(CheckGradient("Huber", Delta(0.3, reduction), inputs));
  }
}

TEST(HuberTest, Float32MatchesFloat64) {
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    EXPECT_OK(CheckFloat32MatchesFloat64(
        "Huber", Delta(0.5, reduction),
        {RandomTensor(DType::kFloat64, {5, 2}, 1, -2, 2),
         RandomTensor(DType::kFloat64, {5, 2}, 2, -2, 2)}));
  }
}

TEST(HuberTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Huber", {}, {{-1, 3}, {2, 3}}));
  EXPECT_EQ(shapes[0], Shape({}));
  ASSERT_OK_AND_ASSIGN(shapes,
                       RunOpShape("Huber", LossAttrs("none"), {{-1}, {7}}));
  EXPECT_EQ(shapes[0], Shape({7}));
}

TEST(HuberTest, ShapeErrors) {
  EXPECT_STATUS(RunOpShape("Huber", Delta(0), {{2}, {2}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'delta' must be a finite number > 0, got 0");
  EXPECT_STATUS(RunOpShape("Huber", Delta(-1), {{2}, {2}}),
                absl::StatusCode::kInvalidArgument, "got -1");
  EXPECT_STATUS(RunOpShape("Huber", Delta(INFINITY), {{2}, {2}}),
                absl::StatusCode::kInvalidArgument, "got inf");
  EXPECT_STATUS(RunOpShape("Huber", {}, {{2, 3}, {3}}),
                absl::StatusCode::kInvalidArgument,
                "predictions is [2, 3], labels is [3]");
  EXPECT_STATUS(RunOpShape("Huber", LossAttrs("max"), {{2}, {2}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'reduction' must be");
}

}  // namespace
}  // namespace nabla
