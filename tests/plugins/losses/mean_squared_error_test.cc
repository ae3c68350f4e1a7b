#include "gtest/gtest.h"
#include "tests/gradient_checker.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

Tensor T64(const Shape& shape, std::vector<double> values) {
  return Tensor::FromValues(DType::kFloat64, shape, values);
}

// p - l = [1, 0, -2, 3]; squares [1, 0, 4, 9]; mean 14 / 4 = 3.5.
TEST(MeanSquaredErrorTest, Forward) {
  ASSERT_OK_AND_ASSIGN(
      auto out, RunOp("MeanSquaredError", {},
                      {T64({2, 2}, {1, 2, 3, 4}), T64({2, 2}, {0, 2, 5, 1})}));
  ExpectTensorNear(out[0], {}, {3.5});
}

// dp = 2 (p - l) / N · dy = [1, 0, -2, 3] / 2 · 1; dl = -dp.
TEST(MeanSquaredErrorTest, GradientByHand) {
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("MeanSquaredError", {},
                                                 {T64({4}, {1, 2, 3, 4}),
                                                  T64({4}, {0, 2, 5, 1})},
                                                 {T64({}, {1})}));
  ExpectTensorNear(grads[0], {4}, {0.5, 0, -1, 1.5});
  ExpectTensorNear(grads[1], {4}, {-0.5, 0, 1, -1.5});
}

TEST(MeanSquaredErrorTest, Gradient) {
  EXPECT_OK(CheckGradient("MeanSquaredError", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 1),
                           RandomTensor(DType::kFloat64, {3, 4}, 2)}));
  EXPECT_OK(CheckGradient("MeanSquaredError", {},
                          {RandomTensor(DType::kFloat64, {}, 3),
                           RandomTensor(DType::kFloat64, {}, 4)}));
}

TEST(MeanSquaredErrorTest, Float32MatchesFloat64) {
  EXPECT_OK(
      CheckFloat32MatchesFloat64("MeanSquaredError", {},
                                 {RandomTensor(DType::kFloat64, {5, 2}, 1),
                                  RandomTensor(DType::kFloat64, {5, 2}, 2)}));
}

TEST(MeanSquaredErrorTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes,
                       RunOpShape("MeanSquaredError", {}, {{-1, 3}, {2, 3}}));
  EXPECT_EQ(shapes[0], Shape({}));
}

TEST(MeanSquaredErrorTest, ShapeErrors) {
  EXPECT_STATUS(RunOpShape("MeanSquaredError", {}, {{2, 3}, {3, 2}}),
                absl::StatusCode::kInvalidArgument,
                "predictions is [2, 3], labels is [3, 2]");
  EXPECT_STATUS(RunOpShape("MeanSquaredError", {}, {{2, 3}, {2, 3, 1}}),
                absl::StatusCode::kInvalidArgument, "labels is [2, 3, 1]");
  EXPECT_STATUS(RunOpShape("MeanSquaredError", {}, {{2}, {2}},
                           {DType::kFloat64, DType::kFloat32}),
                absl::StatusCode::kInvalidArgument,
                "predictions is float64, labels is float32");
}

}  // namespace
}  // namespace nabla
