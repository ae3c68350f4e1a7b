#include <cmath>

#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(SoftsignTest, Forward) {
  // x / (1 + |x|), by hand: -2/3, -1/3, 0, 1/3, 3/4.
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {5}, {-2, -0.5, 0, 0.5, 3});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Softsign", {}, {x}));
  ExpectTensorNear(out[0], {5}, {-2.0 / 3, -1.0 / 3, 0, 1.0 / 3, 0.75});
}

TEST(SoftsignTest, Gradient) {
  EXPECT_OK(CheckGradient("Softsign", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 1, -4, 4)}));
}

// dy/dx = 1 / (1 + |x|)²: 1 at 0, 1/9 at ±2.
TEST(SoftsignTest, GradientByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {3}, {-2, 0, 2});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {3}, {9, 3, 18});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("Softsign", {}, {x}, {dy}));
  ExpectTensorNear(grads[0], {3}, {1, 3, 2});
}

TEST(SoftsignTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "Softsign", {}, {RandomTensor(DType::kFloat64, {10}, 2, -8, 8)}));
}

TEST(SoftsignTest, FiniteForLargeInputs) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const Tensor x = Tensor::FromValues(dtype, {4}, {-1e30, -1000, 1000, 1e30});
    const Tensor dy = Tensor::FromValues(dtype, {4}, {1, 1, 1, 1});
    ASSERT_OK_AND_ASSIGN(auto out, RunOp("Softsign", {}, {x}));
    ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("Softsign", {}, {x}, {dy}));
    for (int i = 0; i < 4; ++i) {
      EXPECT_TRUE(std::isfinite(out[0].ValueAt(i))) << i;
      EXPECT_TRUE(std::isfinite(grads[0].ValueAt(i))) << i;
    }
    EXPECT_EQ(out[0].ValueAt(0), -1.0);
    EXPECT_EQ(out[0].ValueAt(3), 1.0);
  }
}

TEST(SoftsignTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Softsign", {}, {{-1, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 7}));
}

}  // namespace
}  // namespace nabla
