// GlobalAvgPool and GlobalMaxPool: values by hand, gradients against finite
// differences, float32 against float64, NaN and ties, shape errors.
#include <cmath>
#include <limits>

#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// Two channels of 2 x 3: [1..6] and [6, -1, 8, 8, 0, 2].
Tensor Planes() {
  return Tensor::FromValues(DType::kFloat64, {1, 2, 2, 3},
                            {1, 2, 3, 4, 5, 6, 6, -1, 8, 8, 0, 2});
}

TEST(GlobalPoolOpTest, ForwardByHand) {
  ASSERT_OK_AND_ASSIGN(auto avg, RunOp("GlobalAvgPool", {}, {Planes()}));
  ExpectTensorNear(avg[0], {1, 2, 1, 1}, {21.0 / 6, 23.0 / 6});
  ASSERT_OK_AND_ASSIGN(auto max, RunOp("GlobalMaxPool", {}, {Planes()}));
  ExpectTensorNear(max[0], {1, 2, 1, 1}, {6, 8});
}

// The mean's gradient is shared equally; the maximum's goes to the first
// of the tied 8s (index 2 of the second plane).
TEST(GlobalPoolOpTest, GradientByHand) {
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {1, 2, 1, 1}, {6, -3});
  ASSERT_OK_AND_ASSIGN(auto avg,
                       RunOpGradient("GlobalAvgPool", {}, {Planes()}, {dy}));
  ExpectTensorNear(avg[0], {1, 2, 2, 3},
                   {1, 1, 1, 1, 1, 1, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5});
  ASSERT_OK_AND_ASSIGN(auto max,
                       RunOpGradient("GlobalMaxPool", {}, {Planes()}, {dy}));
  ExpectTensorNear(max[0], {1, 2, 2, 3}, {0, 0, 0, 0, 0, 6, 0, 0, -3, 0, 0, 0});
}

TEST(GlobalPoolOpTest, GradientsMatchFiniteDifferences) {
  const Tensor x = RandomTensor(DType::kFloat64, {2, 3, 4, 5}, 1);
  EXPECT_OK(CheckGradient("GlobalAvgPool", {}, {x}));
  EXPECT_OK(CheckGradient("GlobalMaxPool", {}, {x}));
  EXPECT_OK(CheckFloat32MatchesFloat64("GlobalAvgPool", {}, {x}));
  EXPECT_OK(CheckFloat32MatchesFloat64("GlobalMaxPool", {}, {x}));
}

TEST(GlobalPoolOpTest, NaNIsTheMaximum) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {1, 1, 1, 3}, {1, nan, 5});
  ASSERT_OK_AND_ASSIGN(auto max, RunOp("GlobalMaxPool", {}, {x}));
  EXPECT_TRUE(std::isnan(max[0].ValueAt(0)));
}

TEST(GlobalPoolOpTest, Shapes) {
  for (const char* op : {"GlobalAvgPool", "GlobalMaxPool"}) {
    ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape(op, {}, {{-1, 8, 7, 7}}));
    EXPECT_EQ(shapes[0], Shape({-1, 8, 1, 1}));
    EXPECT_STATUS(RunOpShape(op, {}, {{2, 8, 7}}),
                  absl::StatusCode::kInvalidArgument,
                  "x must be [N, C, H, W] (rank 4) with H and W at least 1, "
                  "got [2, 8, 7]");
    EXPECT_STATUS(RunOpShape(op, {}, {{2, 8, 0, 3}}),
                  absl::StatusCode::kInvalidArgument, "got [2, 8, 0, 3]");
  }
}

}  // namespace
}  // namespace nabla
