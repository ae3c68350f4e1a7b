#include <cmath>

#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(MishTest, Forward) {
  // x tanh(ln(1 + e^x)); computed with python3's mpmath at 50 digits:
  // x * mp.tanh(mp.log(1 + mp.exp(x))).
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {6}, {-20, -2, -0.5, 0, 0.5, 3});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Mish", {}, {x}));
  ExpectTensorNear(
      out[0], {6},
      {-4.122307240628761e-08, -0.2525014826957089, -0.22074377465173, 0,
       0.37524521130489513, 2.9865350049679575});
  // The tail x e^x for x << 0 keeps its relative precision.
  EXPECT_NEAR(out[0].ValueAt(0) / -4.122307240628761e-08, 1.0, 1e-14);
}

TEST(MishTest, Gradient) {
  EXPECT_OK(CheckGradient("Mish", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 1, -5, 5)}));
}

// dy/dx = t + x (1 - t²) sigmoid(x), t = tanh(softplus(x)); mpmath at -1
// and 1 gives 0.05921675587739495 and 1.0490362200997922.
TEST(MishTest, GradientByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {2}, {-1, 1});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {2}, {1, 2});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("Mish", {}, {x}, {dy}));
  ExpectTensorNear(grads[0], {2},
                   {0.05921675587739495, 2 * 1.0490362200997922});
}

TEST(MishTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "Mish", {}, {RandomTensor(DType::kFloat64, {10}, 2, -8, 8)}));
}

TEST(MishTest, StableForLargeInputs) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const Tensor x = Tensor::FromValues(dtype, {4}, {-1e30, -1000, 1000, 1e30});
    const Tensor dy = Tensor::FromValues(dtype, {4}, {1, 1, 1, 1});
    ASSERT_OK_AND_ASSIGN(auto out, RunOp("Mish", {}, {x}));
    ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("Mish", {}, {x}, {dy}));
    for (int i = 0; i < 4; ++i) {
      EXPECT_TRUE(std::isfinite(out[0].ValueAt(i))) << i;
      EXPECT_TRUE(std::isfinite(grads[0].ValueAt(i))) << i;
    }
    EXPECT_EQ(out[0].ValueAt(1), 0.0);
    EXPECT_EQ(out[0].ValueAt(2), 1000.0);  // e^1000 overflows naively
    EXPECT_EQ(grads[0].ValueAt(0), 0.0);
    EXPECT_EQ(grads[0].ValueAt(3), 1.0);
  }
}

TEST(MishTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Mish", {}, {{-1, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 7}));
}

}  // namespace
}  // namespace nabla
