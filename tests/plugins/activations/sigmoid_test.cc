#include <cmath>

#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(SigmoidTest, Forward) {
  // 1 / (1 + e^-x) at 0, 2, -2 and 1.
  const Tensor x = Tensor::FromValues(DType::kFloat64, {2, 2}, {0, 2, -2, 1});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Sigmoid", {}, {x}));
  ExpectTensorNear(
      out[0], {2, 2},
      {0.5, 0.8807970779778823, 0.11920292202211755, 0.7310585786300049});
}

TEST(SigmoidTest, StableForLargeInputs) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const Tensor x = Tensor::FromValues(dtype, {4}, {-1000, -100, 100, 1000});
    ASSERT_OK_AND_ASSIGN(auto out, RunOp("Sigmoid", {}, {x}));
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(std::isfinite(out[0].ValueAt(i)));
    EXPECT_EQ(out[0].ValueAt(0), 0.0);
    EXPECT_GT(out[0].ValueAt(1), 0.0);  // e^-100, not flushed by 1/(1+inf)
    EXPECT_LT(out[0].ValueAt(1), 1e-40);
    EXPECT_EQ(out[0].ValueAt(2), 1.0);
    EXPECT_EQ(out[0].ValueAt(3), 1.0);
  }
}

TEST(SigmoidTest, Gradient) {
  EXPECT_OK(CheckGradient("Sigmoid", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 1, -6, 6)}));
}

// dy/dx = y (1 - y) = 0.25 at 0.
TEST(SigmoidTest, GradientByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {1}, {0});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {1}, {2});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("Sigmoid", {}, {x}, {dy}));
  ExpectTensorNear(grads[0], {1}, {0.5});
}

TEST(SigmoidTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "Sigmoid", {}, {RandomTensor(DType::kFloat64, {10}, 2, -8, 8)}));
}

TEST(SigmoidTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Sigmoid", {}, {{-1, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 7}));
}

}  // namespace
}  // namespace nabla
