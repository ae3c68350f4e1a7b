#include <cmath>
#include <limits>

#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

const AttrValue kInf = MakeAttr(std::numeric_limits<double>::infinity());

TEST(EluTest, Forward) {
  // x for x > 0, alpha (e^x - 1) otherwise; computed with python3's mpmath
  // at 50 digits: x if x > 0 else alpha * (mp.exp(x) - 1).
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {5}, {-2, -0.5, 0, 0.5, 3});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("ELU", {}, {x}));
  ExpectTensorNear(out[0], {5},
                   {-0.8646647167633873, -0.3934693402873666, 0, 0.5, 3});
  ASSERT_OK_AND_ASSIGN(out, RunOp("ELU", {{"alpha", MakeAttr(0.5)}}, {x}));
  ExpectTensorNear(out[0], {5},
                   {-0.43233235838169365, -0.1967346701436833, 0, 0.5, 3});
}

// Near 0, e^x - 1 keeps its relative precision (expm1, not exp - 1);
// mpmath: mp.exp(-1e-10) - 1.
TEST(EluTest, PreciseNearZero) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {1}, {-1e-10});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("ELU", {}, {x}));
  EXPECT_NEAR(out[0].ValueAt(0), -9.999999999500001e-11, 1e-25);
}

// A negative alpha is allowed: -0.5 (e^x - 1) for x <= 0.
TEST(EluTest, NegativeAlpha) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {2}, {-2, 1});
  ASSERT_OK_AND_ASSIGN(auto out,
                       RunOp("ELU", {{"alpha", MakeAttr(-0.5)}}, {x}));
  ExpectTensorNear(out[0], {2}, {0.43233235838169365, 1});
}

TEST(EluTest, Gradient) {
  EXPECT_OK(CheckGradient("ELU", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 1, -3, 3)}));
  EXPECT_OK(CheckGradient("ELU", {{"alpha", MakeAttr(2.5)}},
                          {RandomTensor(DType::kFloat64, {3, 4}, 2, -3, 3)}));
}

// dy/dx = 1 for x > 0 and alpha e^x otherwise: alpha at 0.
TEST(EluTest, GradientByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {3}, {-1, 0, 2});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {3}, {1, 3, 5});
  ASSERT_OK_AND_ASSIGN(
      auto grads, RunOpGradient("ELU", {{"alpha", MakeAttr(2.0)}}, {x}, {dy}));
  ExpectTensorNear(grads[0], {3}, {2 * std::exp(-1.0), 6, 5});
}

TEST(EluTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "ELU", {}, {RandomTensor(DType::kFloat64, {10}, 3, -5, 5)}));
}

TEST(EluTest, FiniteForLargeInputs) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const Tensor x = Tensor::FromValues(dtype, {4}, {-1e30, -1000, 1000, 1e30});
    const Tensor dy = Tensor::FromValues(dtype, {4}, {1, 1, 1, 1});
    ASSERT_OK_AND_ASSIGN(auto out, RunOp("ELU", {}, {x}));
    ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("ELU", {}, {x}, {dy}));
    for (int i = 0; i < 4; ++i) {
      EXPECT_TRUE(std::isfinite(out[0].ValueAt(i))) << i;
      EXPECT_TRUE(std::isfinite(grads[0].ValueAt(i))) << i;
    }
    EXPECT_EQ(out[0].ValueAt(0), -1.0);  // alpha (e^-inf - 1)
    EXPECT_EQ(grads[0].ValueAt(0), 0.0);
  }
}

TEST(EluTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("ELU", {}, {{-1, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 7}));
}

TEST(EluTest, RefusesNonFiniteAlpha) {
  EXPECT_STATUS(RunOpShape("ELU", {{"alpha", kInf}}, {{2}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'alpha' must be a finite number, got inf");
  EXPECT_STATUS(
      RunOpShape(
          "ELU",
          {{"alpha", MakeAttr(std::numeric_limits<double>::quiet_NaN())}},
          {{2}}),
      absl::StatusCode::kInvalidArgument,
      "attribute 'alpha' must be a finite number, got nan");
}

}  // namespace
}  // namespace nabla
