#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(TanhTest, Forward) {
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {2, 2}, {0, 0.5, -1, 20});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Tanh", {}, {x}));
  ExpectTensorNear(out[0], {2, 2},
                   {0, 0.46211715726000974, -0.7615941559557649, 1.0});
}

TEST(TanhTest, Gradient) {
  EXPECT_OK(CheckGradient("Tanh", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 1, -3, 3)}));
}

// dy/dx = 1 - y² = 1 at 0.
TEST(TanhTest, GradientByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {1}, {0});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {1}, {3});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("Tanh", {}, {x}, {dy}));
  ExpectTensorNear(grads[0], {1}, {3});
}

TEST(TanhTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "Tanh", {}, {RandomTensor(DType::kFloat64, {10}, 2, -4, 4)}));
}

TEST(TanhTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Tanh", {}, {{-1, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 7}));
}

}  // namespace
}  // namespace nabla
