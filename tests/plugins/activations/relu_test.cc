#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(ReluTest, Forward) {
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {2, 2}, {-1.5, 0, 2, 0.25});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("ReLU", {}, {x}));
  ExpectTensorNear(out[0], {2, 2}, {0, 0, 2, 0.25});
}

TEST(ReluTest, Gradient) {
  // Inputs at least 0.1 away from the kink (TensorFlow's nn_grad_test does
  // the same); the checker's kink handling is tested on its own.
  std::vector<double> values =
      RandomTensor(DType::kFloat64, {12}, 1).ToDoubles();
  for (double& v : values) v += v >= 0 ? 0.1 : -0.1;
  EXPECT_OK(CheckGradient(
      "ReLU", {}, {Tensor::FromValues(DType::kFloat64, {3, 4}, values)}));
}

// dy/dx is 1 for x > 0 and 0 otherwise, including at 0.
TEST(ReluTest, GradientByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {3}, {-1, 0, 2});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {3}, {5, 6, 7});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("ReLU", {}, {x}, {dy}));
  ExpectTensorNear(grads[0], {3}, {0, 0, 7});
}

TEST(ReluTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "ReLU", {}, {RandomTensor(DType::kFloat64, {10}, 2)}));
}

TEST(ReluTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("ReLU", {}, {{-1, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 7}));
}

}  // namespace
}  // namespace nabla
