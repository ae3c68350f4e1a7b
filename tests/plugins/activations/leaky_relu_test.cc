#include <cmath>
#include <limits>

#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// x away from the kink at 0, for the finite-difference checks.
Tensor AwayFromKink(const Shape& shape, uint64_t seed) {
  std::vector<double> values =
      RandomTensor(DType::kFloat64, shape, seed, -3, 3).ToDoubles();
  for (double& v : values) v += v >= 0 ? 0.1 : -0.1;
  return Tensor::FromValues(DType::kFloat64, shape, values);
}

TEST(LeakyReluTest, ForwardDefaultAlpha) {
  // x for x > 0, 0.01 x otherwise, by hand.
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {5}, {-2, -0.5, 0, 0.5, 3});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("LeakyReLU", {}, {x}));
  ExpectTensorNear(out[0], {5}, {-0.02, -0.005, 0, 0.5, 3});
}

TEST(LeakyReluTest, ForwardWithAlpha) {
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {5}, {-2, -0.5, 0, 0.5, 3});
  ASSERT_OK_AND_ASSIGN(auto out,
                       RunOp("LeakyReLU", {{"alpha", MakeAttr(0.2)}}, {x}));
  ExpectTensorNear(out[0], {5}, {-0.4, -0.1, 0, 0.5, 3});
  // A negative slope is allowed: -0.5 x for x <= 0.
  ASSERT_OK_AND_ASSIGN(out,
                       RunOp("LeakyReLU", {{"alpha", MakeAttr(-0.5)}}, {x}));
  ExpectTensorNear(out[0], {5}, {1, 0.25, 0, 0.5, 3});
}

TEST(LeakyReluTest, Gradient) {
  EXPECT_OK(CheckGradient("LeakyReLU", {}, {AwayFromKink({3, 4}, 1)}));
  EXPECT_OK(CheckGradient("LeakyReLU", {{"alpha", MakeAttr(0.3)}},
                          {AwayFromKink({3, 4}, 2)}));
}

// dy/dx is 1 for x > 0 and alpha otherwise, including at 0.
TEST(LeakyReluTest, GradientByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {3}, {-1, 0, 2});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {3}, {5, 6, 7});
  ASSERT_OK_AND_ASSIGN(
      auto grads,
      RunOpGradient("LeakyReLU", {{"alpha", MakeAttr(0.5)}}, {x}, {dy}));
  ExpectTensorNear(grads[0], {3}, {2.5, 3, 7});
}

TEST(LeakyReluTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "LeakyReLU", {{"alpha", MakeAttr(0.1)}},
      {RandomTensor(DType::kFloat64, {10}, 3, -5, 5)}));
}

TEST(LeakyReluTest, FiniteForLargeInputs) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const Tensor x = Tensor::FromValues(dtype, {4}, {-1e30, -100, 100, 1e30});
    const Tensor dy = Tensor::FromValues(dtype, {4}, {1, 1, 1, 1});
    ASSERT_OK_AND_ASSIGN(auto out, RunOp("LeakyReLU", {}, {x}));
    ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("LeakyReLU", {}, {x}, {dy}));
    for (int i = 0; i < 4; ++i) {
      EXPECT_TRUE(std::isfinite(out[0].ValueAt(i))) << i;
      EXPECT_TRUE(std::isfinite(grads[0].ValueAt(i))) << i;
    }
  }
}

TEST(LeakyReluTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("LeakyReLU", {}, {{-1, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 7}));
}

TEST(LeakyReluTest, RefusesNonFiniteAlpha) {
  EXPECT_STATUS(
      RunOpShape("LeakyReLU",
                 {{"alpha", MakeAttr(std::numeric_limits<double>::infinity())}},
                 {{2}}),
      absl::StatusCode::kInvalidArgument,
      "attribute 'alpha' must be a finite number, got inf");
  EXPECT_STATUS(
      RunOpShape(
          "LeakyReLU",
          {{"alpha", MakeAttr(std::numeric_limits<double>::quiet_NaN())}},
          {{2}}),
      absl::StatusCode::kInvalidArgument,
      "attribute 'alpha' must be a finite number, got nan");
}

}  // namespace
}  // namespace nabla
