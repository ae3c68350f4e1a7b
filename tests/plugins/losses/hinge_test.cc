#include <cmath>

#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/plugins/losses/loss_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// By hand, with y = [1, 1, -1, -1, -1, 1] (the 0 in the labels is -1):
// 1 - y p = [0.5, 3, 4, 1.2, 0.7, -0.5], so v = [0.5, 3, 4, 1.2, 0.7, 0],
// sum 9.4, mean 9.4 / 6.
std::vector<Tensor> Inputs() {
  return {T64({2, 3}, {0.5, -2, 3, 0.2, -0.3, 1.5}),
          T64({2, 3}, {1, 1, -1, 0, -1, 1})};
}

TEST(HingeTest, ForwardAndReductions) {
  ASSERT_OK_AND_ASSIGN(auto mean, RunOp("Hinge", {}, Inputs()));
  ExpectTensorNear(mean[0], {}, {9.4 / 6});
  ASSERT_OK_AND_ASSIGN(auto sum, RunOp("Hinge", LossAttrs("sum"), Inputs()));
  ExpectTensorNear(sum[0], {}, {9.4});
  ASSERT_OK_AND_ASSIGN(auto none,
                       RunOp("Hinge", LossAttrs("none", 10), Inputs()));
  ExpectTensorNear(none[0], {2, 3}, {5, 30, 40, 12, 7, 0});
}

// Keras' {0, 1} labels give the loss of the matching {-1, 1} labels.
TEST(HingeTest, ZeroOneLabelsReadAsMinusOneOne) {
  const Tensor p = T64({4}, {0.5, -0.2, 2, -3});
  ASSERT_OK_AND_ASSIGN(auto zero_one, RunOp("Hinge", LossAttrs("none"),
                                            {p, T64({4}, {1, 0, 0, 1})}));
  ASSERT_OK_AND_ASSIGN(auto signs, RunOp("Hinge", LossAttrs("none"),
                                         {p, T64({4}, {1, -1, -1, 1})}));
  ExpectTensorNear(zero_one[0], {4}, signs[0].ToDoubles());
  ExpectTensorNear(signs[0], {4}, {0.5, 0.8, 3, 4});
}

// dp = -y / N where y p < 1, else 0 (the last element). Labels get none.
TEST(HingeTest, GradientByHand) {
  ASSERT_OK_AND_ASSIGN(auto grads,
                       RunOpGradient("Hinge", {}, Inputs(), {T64({}, {1})}));
  const double s = 1.0 / 6;
  ExpectTensorNear(grads[0], {2, 3}, {-s, -s, s, s, s, 0});
  EXPECT_EQ(grads[1].num_elements(), 0);
}

TEST(HingeTest, Gradient) {
  // |p| < 1 keeps every y p away from the kink at 1.
  const Tensor labels = T64({3, 4}, {1, -1, 0, 1, 1, 1, -1, 0, 0, -1, 1, 1});
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    EXPECT_OK(CheckGradient(
        "Hinge", LossAttrs(reduction, 0.7),
        {RandomTensor(DType::kFloat64, {3, 4}, 1, -0.9, 0.9), labels}));
  }
  // Some elements past the margin, where the gradient is 0.
  EXPECT_OK(
      CheckGradient("Hinge", LossAttrs("none"),
                    {T64({4}, {1.5, -2, 0.3, 3}), T64({4}, {1, -1, 1, -1})}));
}

TEST(HingeTest, Float32MatchesFloat64) {
  const Tensor labels = T64({5, 2}, {1, -1, 0, 1, 1, 1, -1, 0, 0, -1});
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    EXPECT_OK(CheckFloat32MatchesFloat64(
        "Hinge", LossAttrs(reduction),
        {RandomTensor(DType::kFloat64, {5, 2}, 1, -2, 2), labels}));
  }
}

TEST(HingeTest, LabelErrors) {
  const Tensor p = T64({4}, {0, 0, 0, 0});
  EXPECT_STATUS(RunOp("Hinge", {}, {p, T64({4}, {1, -1, 0.5, 1})}),
                absl::StatusCode::kInvalidArgument,
                "Hinge: label 2 is 0.5; labels must be -1 or 1 (or 0, read "
                "as -1)");
  EXPECT_STATUS(RunOp("Hinge", {}, {p, T64({4}, {1, 2, 1, 1})}),
                absl::StatusCode::kInvalidArgument, "label 1 is 2;");
  EXPECT_STATUS(RunOp("Hinge", {}, {p, T64({4}, {1, 1, 1, NAN})}),
                absl::StatusCode::kInvalidArgument, "label 3 is nan;");
  EXPECT_STATUS(RunOp("Hinge", {}, {T32({1}, {0}), T32({1}, {-2})}),
                absl::StatusCode::kInvalidArgument, "label 0 is -2;");
}

TEST(HingeTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(
      auto shapes, RunOpShape("Hinge", LossAttrs("none"), {{-1, 2}, {-1, 2}}));
  EXPECT_EQ(shapes[0], Shape({-1, 2}));
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("Hinge", {}, {{-1, 2}, {-1, 2}}));
  EXPECT_EQ(shapes[0], Shape({}));
}

TEST(HingeTest, ShapeErrors) {
  EXPECT_STATUS(RunOpShape("Hinge", {}, {{3}, {4}}),
                absl::StatusCode::kInvalidArgument,
                "predictions is [3], labels is [4]");
  EXPECT_STATUS(RunOpShape("Hinge", LossAttrs("sum", NAN), {{3}, {3}}),
                absl::StatusCode::kInvalidArgument, "got nan");
}

}  // namespace
}  // namespace nabla
