#include <cmath>

#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(SeluTest, Forward) {
  // scale x for x > 0, scale alpha (e^x - 1) otherwise, with
  // alpha = 1.6732632423543772848170429916717 and
  // scale = 1.0507009873554804934193349852946; computed with python3's
  // mpmath at 50 digits.
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {5}, {-2, -0.5, 0, 0.5, 3});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("SELU", {}, {x}));
  ExpectTensorNear(out[0], {5},
                   {-1.520166468595695, -0.6917581878028713, 0,
                    0.5253504936777402, 3.1521029620664414});
}

TEST(SeluTest, Gradient) {
  EXPECT_OK(CheckGradient("SELU", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 1, -3, 3)}));
}

// dy/dx = scale for x > 0 and scale alpha e^x otherwise; at -1 that is
// 0.6467686030348141 (mpmath: scale * alpha * mp.exp(-1)).
TEST(SeluTest, GradientByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {2}, {-1, 2});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {2}, {2, 1});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("SELU", {}, {x}, {dy}));
  ExpectTensorNear(grads[0], {2},
                   {2 * 0.6467686030348141, 1.0507009873554804934193349852946});
}

TEST(SeluTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "SELU", {}, {RandomTensor(DType::kFloat64, {10}, 2, -5, 5)}));
}

TEST(SeluTest, FiniteForLargeInputs) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const Tensor x = Tensor::FromValues(dtype, {4}, {-1e30, -1000, 1000, 1e30});
    const Tensor dy = Tensor::FromValues(dtype, {4}, {1, 1, 1, 1});
    ASSERT_OK_AND_ASSIGN(auto out, RunOp("SELU", {}, {x}));
    ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("SELU", {}, {x}, {dy}));
    for (int i = 0; i < 4; ++i) {
      EXPECT_TRUE(std::isfinite(out[0].ValueAt(i))) << i;
      EXPECT_TRUE(std::isfinite(grads[0].ValueAt(i))) << i;
    }
    // -scale alpha, the lower bound (mpmath: -alpha * scale).
    EXPECT_NEAR(out[0].ValueAt(0), -1.7580993408473768, 1e-6);
  }
}

TEST(SeluTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("SELU", {}, {{-1, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 7}));
}

}  // namespace
}  // namespace nabla
