#include <cmath>

#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/plugins/losses/loss_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// Values from the naive formula in python3 (plain floats, math module):
//   s = 1 / (1 + exp(-x)); v = -(z log s + (1 - z) log(1 - s))
// and gradients dx = (s - z) / N, dz = -x / N for "mean".
std::vector<Tensor> Inputs() {
  return {T64({5}, {-3, -0.5, 0, 0.7, 4}), T64({5}, {0, 1, 0.5, 1, 0.2})};
}
const std::vector<double> kPerElement = {
    0.04858735157374202, 0.9740769841801068, 0.6931471805599453,
    0.40318604888545784, 3.2181499279178105};
constexpr double kSum = 5.337147493117063;
constexpr double kMean = 1.0674294986234125;

TEST(SigmoidCrossEntropyTest, ForwardAndReductions) {
  ASSERT_OK_AND_ASSIGN(auto mean, RunOp("SigmoidCrossEntropy", {}, Inputs()));
  ExpectTensorNear(mean[0], {}, {kMean});
  ASSERT_OK_AND_ASSIGN(
      auto sum, RunOp("SigmoidCrossEntropy", LossAttrs("sum"), Inputs()));
  ExpectTensorNear(sum[0], {}, {kSum});
  ASSERT_OK_AND_ASSIGN(
      auto none, RunOp("SigmoidCrossEntropy", LossAttrs("none"), Inputs()));
  ExpectTensorNear(none[0], {5}, kPerElement);
  ASSERT_OK_AND_ASSIGN(auto weighted, RunOp("SigmoidCrossEntropy",
                                            LossAttrs("mean", 3), Inputs()));
  ExpectTensorNear(weighted[0], {}, {3 * kMean});
}

TEST(SigmoidCrossEntropyTest, GradientByHand) {
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("SigmoidCrossEntropy", {},
                                                 Inputs(), {T64({}, {1})}));
  ExpectTensorNear(grads[0], {5},
                   {0.009485174635513356, -0.12449186624037092, 0.0,
                    -0.06636244556636677, 0.1564027580075817});
  ExpectTensorNear(grads[1], {5}, {0.6, 0.1, 0, -0.14, -0.8});
}

TEST(SigmoidCrossEntropyTest, Gradient) {
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    EXPECT_OK(CheckGradient("SigmoidCrossEntropy", LossAttrs(reduction, 0.7),
                            {RandomTensor(DType::kFloat64, {3, 4}, 1, -5, 5),
                             RandomTensor(DType::kFloat64, {3, 4}, 2, 0, 1)}));
  }
}

TEST(SigmoidCrossEntropyTest, Float32MatchesFloat64) {
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    EXPECT_OK(CheckFloat32MatchesFloat64(
        "SigmoidCrossEntropy", LossAttrs(reduction),
        {RandomTensor(DType::kFloat64, {5, 2}, 1, -5, 5),
         RandomTensor(DType::kFloat64, {5, 2}, 2, 0, 1)}));
  }
}

// The naive formula gives inf or NaN here (log of a sigmoid that rounds to
// 0 or 1). Exact values: v = max(x, 0) - x z up to e^-|x| < 1e-300.
TEST(SigmoidCrossEntropyTest, HugeLogitsStayFinite) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const Tensor x =
        Tensor::FromValues(dtype, {6}, {1e4, -1e4, 800, -800, 1e30, -1e30});
    const Tensor z = Tensor::FromValues(dtype, {6}, {1, 0, 0, 1, 1, 0});
    ASSERT_OK_AND_ASSIGN(
        auto none, RunOp("SigmoidCrossEntropy", LossAttrs("none"), {x, z}));
    ExpectTensorNear(none[0], {6}, {0, 0, 800, 800, 0, 0});
    ASSERT_OK_AND_ASSIGN(auto grads,
                         RunOpGradient("SigmoidCrossEntropy", {}, {x, z},
                                       {Tensor::FromValues(dtype, {}, {1})}));
    // dx = (s - z) / 6: s is exactly 0 or 1 here.
    ExpectTensorNear(grads[0], {6}, {0, 0, 1.0 / 6, -1.0 / 6, 0, 0}, 1e-7);
    ExpectAllFinite(grads[1]);
  }
}

TEST(SigmoidCrossEntropyTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(
      auto shapes,
      RunOpShape("SigmoidCrossEntropy", LossAttrs("none"), {{-1, 3}, {4, 3}}));
  EXPECT_EQ(shapes[0], Shape({4, 3}));
  ASSERT_OK_AND_ASSIGN(shapes,
                       RunOpShape("SigmoidCrossEntropy", {}, {{4, 3}, {4, 3}}));
  EXPECT_EQ(shapes[0], Shape({}));
}

TEST(SigmoidCrossEntropyTest, ShapeErrors) {
  EXPECT_STATUS(RunOpShape("SigmoidCrossEntropy", {}, {{2, 3}, {2, 4}}),
                absl::StatusCode::kInvalidArgument,
                "logits and labels must have the same shape: logits is [2, 3], "
                "labels is [2, 4]");
  EXPECT_STATUS(RunOpShape("SigmoidCrossEntropy", {}, {{2}, {2}},
                           {DType::kFloat32, DType::kFloat64}),
                absl::StatusCode::kInvalidArgument,
                "logits is float32, labels is float64");
  EXPECT_STATUS(RunOpShape("SigmoidCrossEntropy", LossAttrs("none", -INFINITY),
                           {{2}, {2}}),
                absl::StatusCode::kInvalidArgument, "attribute 'weight'");
}

}  // namespace
}  // namespace nabla
