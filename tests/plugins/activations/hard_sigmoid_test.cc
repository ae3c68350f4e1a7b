#include <cmath>

#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(HardSigmoidTest, Forward) {
  // PyTorch's definition clamp(x/6 + 1/2, 0, 1), by hand. (Keras 2's
  // 0.2 x + 0.5 would give 0.2 at -1.5 and 0.7 at 1.)
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {7}, {-4, -3, -1.5, 0, 1, 3, 5});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("HardSigmoid", {}, {x}));
  ExpectTensorNear(out[0], {7}, {0, 0, 0.25, 0.5, 2.0 / 3, 1, 1});
}

TEST(HardSigmoidTest, Gradient) {
  // Inputs in [-5, 5), at least 0.1 away from the kinks at ±3.
  std::vector<double> values =
      RandomTensor(DType::kFloat64, {3, 4}, 1, -5, 5).ToDoubles();
  for (double& v : values) {
    if (std::abs(std::abs(v) - 3) < 0.1) v += 0.2;
  }
  EXPECT_OK(
      CheckGradient("HardSigmoid", {},
                    {Tensor::FromValues(DType::kFloat64, {3, 4}, values)}));
}

// dy/dx = 1/6 on (-3, 3), 0 outside and at the kinks ±3.
TEST(HardSigmoidTest, GradientByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {5}, {-4, -3, 0, 3, 4});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {5}, {6, 6, 6, 6, 6});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("HardSigmoid", {}, {x}, {dy}));
  ExpectTensorNear(grads[0], {5}, {0, 0, 1, 0, 0});
}

TEST(HardSigmoidTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "HardSigmoid", {}, {RandomTensor(DType::kFloat64, {10}, 2, -5, 5)}));
}

TEST(HardSigmoidTest, FiniteForLargeInputs) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const Tensor x = Tensor::FromValues(dtype, {4}, {-1e30, -1000, 1000, 1e30});
    const Tensor dy = Tensor::FromValues(dtype, {4}, {1, 1, 1, 1});
    ASSERT_OK_AND_ASSIGN(auto out, RunOp("HardSigmoid", {}, {x}));
    ASSERT_OK_AND_ASSIGN(auto grads,
                         RunOpGradient("HardSigmoid", {}, {x}, {dy}));
    ExpectTensorNear(out[0], {4}, {0, 0, 1, 1});
    ExpectTensorNear(grads[0], {4}, {0, 0, 0, 0});
  }
}

TEST(HardSigmoidTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("HardSigmoid", {}, {{-1, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 7}));
}

}  // namespace
}  // namespace nabla
