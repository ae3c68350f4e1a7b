#include <cmath>
#include <vector>

#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

Tensor T64(const Shape& shape, const std::vector<double>& values) {
  return Tensor::FromValues(DType::kFloat64, shape, values);
}

// (0.5·2 + 2·1 + 0·7 + 1.5·4) / (0.5 + 2 + 0 + 1.5) = 9 / 4.
TEST(WeightedMeanOpTest, ForwardAndGradientByHand) {
  const std::vector<Tensor> inputs = {T64({2, 2}, {2, 1, 7, 4}),
                                      T64({2, 2}, {0.5, 2, 0, 1.5})};
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("WeightedMean", {}, inputs));
  ExpectTensorNear(out[0], {}, {2.25});
  ASSERT_OK_AND_ASSIGN(
      auto grads, RunOpGradient("WeightedMean", {}, inputs, {T64({}, {2})}));
  ExpectTensorNear(grads[0], {2, 2}, {0.25, 1, 0, 0.75});
  EXPECT_EQ(grads[1].num_elements(), 0);  // weights: no gradient
}

// Equal weights give the plain mean.
TEST(WeightedMeanOpTest, EqualWeightsAreTheMean) {
  const Tensor x = RandomTensor(DType::kFloat64, {5}, 2, -3, 3);
  ASSERT_OK_AND_ASSIGN(
      auto weighted, RunOp("WeightedMean", {}, {x, T64({5}, {3, 3, 3, 3, 3})}));
  ASSERT_OK_AND_ASSIGN(auto mean, RunOp("ReduceMean", {}, {x}));
  EXPECT_NEAR(weighted[0].ValueAt(0), mean[0].ValueAt(0), 1e-15);
}

TEST(WeightedMeanOpTest, Gradient) {
  EXPECT_OK(CheckGradient("WeightedMean", {},
                          {RandomTensor(DType::kFloat64, {3, 2}, 5, -2, 2),
                           T64({3, 2}, {0.1, 2, 0, 1, 3, 0.5})}));
}

TEST(WeightedMeanOpTest, Float32MatchesFloat64) {
  const std::vector<double> x = {0.1, -2.5, 3.25, 7};
  const std::vector<double> w = {1, 0.3, 2, 0.7};
  ASSERT_OK_AND_ASSIGN(auto f64,
                       RunOp("WeightedMean", {}, {T64({4}, x), T64({4}, w)}));
  ASSERT_OK_AND_ASSIGN(auto f32,
                       RunOp("WeightedMean", {},
                             {Tensor::FromValues(DType::kFloat32, {4}, x),
                              Tensor::FromValues(DType::kFloat32, {4}, w)}));
  EXPECT_NEAR(f32[0].ValueAt(0), f64[0].ValueAt(0), 1e-6);
}

TEST(WeightedMeanOpTest, ZeroWeightsGiveNaN) {
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("WeightedMean", {},
                                       {T64({2}, {1, 2}), T64({2}, {0, 0})}));
  EXPECT_TRUE(std::isnan(out[0].ValueAt(0)));
}

TEST(WeightedMeanOpTest, Errors) {
  EXPECT_STATUS(
      RunOp("WeightedMean", {}, {T64({2}, {1, 2}), T64({2}, {1, -1})}),
      absl::StatusCode::kInvalidArgument,
      "WeightedMean: weight -1 at element 1; weights must be finite "
      "and >= 0");
  EXPECT_STATUS(
      RunOp("WeightedMean", {}, {T64({2}, {1, 2}), T64({2}, {NAN, 1})}),
      absl::StatusCode::kInvalidArgument, "weight nan at element 0");
  EXPECT_STATUS(RunOpShape("WeightedMean", {}, {{4, 1}, {4}}),
                absl::StatusCode::kInvalidArgument,
                "weights must have the shape of x: x is [4, 1], weights is "
                "[4]");
  ASSERT_OK_AND_ASSIGN(auto shapes,
                       RunOpShape("WeightedMean", {}, {{-1}, {4}}));
  EXPECT_EQ(shapes[0], Shape{});
}

}  // namespace
}  // namespace nabla
