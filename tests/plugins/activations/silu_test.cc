#include <cmath>

#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(SiluTest, Forward) {
  // x sigmoid(x); computed with python3's mpmath at 50 digits:
  // x / (1 + mp.exp(-x)).
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {5}, {-2, -0.5, 0, 0.5, 3});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("SiLU", {}, {x}));
  ExpectTensorNear(out[0], {5},
                   {-0.23840584404423512, -0.18877033439907273, 0,
                    0.3112296656009273, 2.8577223804672998});
}

// SiLU is Swish with beta = 1, value and gradient.
TEST(SiluTest, MatchesSwishWithBetaOne) {
  const Tensor x = RandomTensor(DType::kFloat64, {2, 5}, 1, -6, 6);
  const Tensor dy = RandomTensor(DType::kFloat64, {2, 5}, 2);
  const AttrMap beta1 = {{"beta", MakeAttr(1.0)}};
  ASSERT_OK_AND_ASSIGN(auto silu, RunOp("SiLU", {}, {x}));
  ASSERT_OK_AND_ASSIGN(auto swish, RunOp("Swish", beta1, {x}));
  ExpectBitIdentical(silu[0], swish[0]);
  ASSERT_OK_AND_ASSIGN(auto silu_grad, RunOpGradient("SiLU", {}, {x}, {dy}));
  ASSERT_OK_AND_ASSIGN(auto swish_grad,
                       RunOpGradient("Swish", beta1, {x}, {dy}));
  ExpectBitIdentical(silu_grad[0], swish_grad[0]);
}

TEST(SiluTest, Gradient) {
  EXPECT_OK(CheckGradient("SiLU", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 3, -6, 6)}));
}

// dy/dx = s + x s (1 - s), s = sigmoid(x): 1/2 at 0.
TEST(SiluTest, GradientByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {1}, {0});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {1}, {3});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("SiLU", {}, {x}, {dy}));
  ExpectTensorNear(grads[0], {1}, {1.5});
}

TEST(SiluTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "SiLU", {}, {RandomTensor(DType::kFloat64, {10}, 4, -8, 8)}));
}

TEST(SiluTest, FiniteForLargeInputs) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const Tensor x = Tensor::FromValues(dtype, {4}, {-1e30, -1000, 1000, 1e30});
    const Tensor dy = Tensor::FromValues(dtype, {4}, {1, 1, 1, 1});
    ASSERT_OK_AND_ASSIGN(auto out, RunOp("SiLU", {}, {x}));
    ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("SiLU", {}, {x}, {dy}));
    for (int i = 0; i < 4; ++i) {
      EXPECT_TRUE(std::isfinite(out[0].ValueAt(i))) << i;
      EXPECT_TRUE(std::isfinite(grads[0].ValueAt(i))) << i;
    }
  }
}

TEST(SiluTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("SiLU", {}, {{-1, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 7}));
}

// SiLU has no beta: setting one is an unknown attribute.
TEST(SiluTest, RefusesBeta) {
  EXPECT_STATUS(RunOpShape("SiLU", {{"beta", MakeAttr(2.0)}}, {{2}}),
                absl::StatusCode::kInvalidArgument, "unknown attribute 'beta'");
}

}  // namespace
}  // namespace nabla
