#include <cmath>

#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(SoftplusTest, Forward) {
  // ln(1 + e^x); computed with python3's mpmath at 120 digits:
  // mp.log1p(mp.exp(x)).
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {6}, {-20, -2, 0, 0.5, 3, 30});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Softplus", {}, {x}));
  ExpectTensorNear(
      out[0], {6},
      {2.061153620314381e-09, 0.1269280110429725, 0.6931471805599453,
       0.9740769841801067, 3.048587351573742, 30.000000000000092});
  // The tail e^x for x << 0 keeps its relative precision.
  EXPECT_NEAR(out[0].ValueAt(0) / 2.061153620314381e-09, 1.0, 1e-15);
}

TEST(SoftplusTest, StableForLargeInputs) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const Tensor x =
        Tensor::FromValues(dtype, {5}, {-1e30, -1000, 100, 1000, 1e30});
    const Tensor dy = Tensor::FromValues(dtype, {5}, {1, 1, 1, 1, 1});
    ASSERT_OK_AND_ASSIGN(auto out, RunOp("Softplus", {}, {x}));
    ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("Softplus", {}, {x}, {dy}));
    for (int i = 0; i < 5; ++i) {
      EXPECT_TRUE(std::isfinite(out[0].ValueAt(i))) << i;
      EXPECT_TRUE(std::isfinite(grads[0].ValueAt(i))) << i;
    }
    EXPECT_EQ(out[0].ValueAt(1), 0.0);
    EXPECT_EQ(out[0].ValueAt(3), 1000.0);  // ln(1 + e^1000) overflows naively
    EXPECT_EQ(out[0].ValueAt(4), x.ValueAt(4));
    EXPECT_EQ(grads[0].ValueAt(0), 0.0);
    EXPECT_EQ(grads[0].ValueAt(4), 1.0);
  }
  // ln(1 + e^-100) = 3.720075976020836e-44 (mpmath, as above), not flushed
  // to 0 and with its relative precision.
  const Tensor x = Tensor::FromValues(DType::kFloat64, {1}, {-100});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Softplus", {}, {x}));
  EXPECT_NEAR(out[0].ValueAt(0) / 3.720075976020836e-44, 1.0, 1e-14);
}

TEST(SoftplusTest, Gradient) {
  EXPECT_OK(CheckGradient("Softplus", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 1, -6, 6)}));
}

// dy/dx = sigmoid(x): 1/2 at 0, 1 / (1 + e^-2) at 2.
TEST(SoftplusTest, GradientByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {2}, {0, 2});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {2}, {2, 1});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("Softplus", {}, {x}, {dy}));
  ExpectTensorNear(grads[0], {2}, {1, 0.8807970779778823});
}

TEST(SoftplusTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "Softplus", {}, {RandomTensor(DType::kFloat64, {10}, 2, -8, 8)}));
}

TEST(SoftplusTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Softplus", {}, {{-1, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 7}));
}

}  // namespace
}  // namespace nabla
