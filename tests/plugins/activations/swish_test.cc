#include <cmath>
#include <limits>

#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

const AttrMap kBeta2 = {{"beta", MakeAttr(2.0)}};

TEST(SwishTest, Forward) {
  // x sigmoid(beta x); computed with python3's mpmath at 50 digits:
  // x / (1 + mp.exp(-beta * x)).
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {5}, {-2, -0.5, 0, 0.5, 3});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Swish", {}, {x}));
  ExpectTensorNear(out[0], {5},
                   {-0.23840584404423512, -0.18877033439907273, 0,
                    0.3112296656009273, 2.8577223804672998});
  ASSERT_OK_AND_ASSIGN(out, RunOp("Swish", kBeta2, {x}));
  ExpectTensorNear(out[0], {5},
                   {-0.03597241992418312, -0.13447071068499755, 0,
                    0.36552928931500245, 2.9925821305300957});
}

TEST(SwishTest, Gradient) {
  EXPECT_OK(CheckGradient("Swish", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 1, -6, 6)}));
  EXPECT_OK(CheckGradient("Swish", kBeta2,
                          {RandomTensor(DType::kFloat64, {3, 4}, 2, -4, 4)}));
  EXPECT_OK(CheckGradient("Swish", {{"beta", MakeAttr(-0.7)}},
                          {RandomTensor(DType::kFloat64, {3, 4}, 3, -4, 4)}));
}

// dy/dx = s + beta x s (1 - s), s = sigmoid(beta x): 1/2 at 0; at 0.5 with
// beta 2 it is 0.9276705118714867 (mpmath).
TEST(SwishTest, GradientByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {2}, {0, 0.5});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {2}, {4, 1});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("Swish", kBeta2, {x}, {dy}));
  ExpectTensorNear(grads[0], {2}, {2, 0.9276705118714867});
}

TEST(SwishTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "Swish", kBeta2, {RandomTensor(DType::kFloat64, {10}, 4, -8, 8)}));
}

TEST(SwishTest, FiniteForLargeInputs) {
  // beta 1e10 makes beta x overflow float32 for x = ±1e30.
  for (const AttrMap& attrs : {AttrMap{}, AttrMap{{"beta", MakeAttr(1e10)}}}) {
    for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
      const Tensor x =
          Tensor::FromValues(dtype, {4}, {-1e30, -1000, 1000, 1e30});
      const Tensor dy = Tensor::FromValues(dtype, {4}, {1, 1, 1, 1});
      ASSERT_OK_AND_ASSIGN(auto out, RunOp("Swish", attrs, {x}));
      ASSERT_OK_AND_ASSIGN(auto grads,
                           RunOpGradient("Swish", attrs, {x}, {dy}));
      for (int i = 0; i < 4; ++i) {
        EXPECT_TRUE(std::isfinite(out[0].ValueAt(i))) << i;
        EXPECT_TRUE(std::isfinite(grads[0].ValueAt(i))) << i;
      }
      EXPECT_EQ(out[0].ValueAt(0), 0.0);
      EXPECT_EQ(out[0].ValueAt(2), 1000.0);
      EXPECT_EQ(grads[0].ValueAt(0), 0.0);
      EXPECT_EQ(grads[0].ValueAt(3), 1.0);
    }
  }
}

TEST(SwishTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Swish", kBeta2, {{-1, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 7}));
}

TEST(SwishTest, RefusesNonFiniteBeta) {
  EXPECT_STATUS(
      RunOpShape("Swish",
                 {{"beta", MakeAttr(-std::numeric_limits<double>::infinity())}},
                 {{2}}),
      absl::StatusCode::kInvalidArgument,
      "attribute 'beta' must be a finite number, got -inf");
  EXPECT_STATUS(
      RunOpShape("Swish",
                 {{"beta", MakeAttr(std::numeric_limits<double>::quiet_NaN())}},
                 {{2}}),
      absl::StatusCode::kInvalidArgument,
      "attribute 'beta' must be a finite number, got nan");
}

}  // namespace
}  // namespace nabla
