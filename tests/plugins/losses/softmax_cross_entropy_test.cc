#include <cmath>

#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/plugins/losses/loss_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// Values from the naive formulas in python3 (plain floats, math module):
//   softmax_c = exp(x_c) / fsum(exp(x)),  v_n = -fsum(y_c log softmax_c),
//   dv/dx_c = sum(y) softmax_c - y_c,      dv/dy_c = -log softmax_c.
// Row 0 is one-hot, row 1 a soft label.
std::vector<Tensor> Inputs() {
  return {T64({2, 3}, {1, 2, 3, 0.5, -1, 2}),
          T64({2, 3}, {0, 0, 1, 0.2, 0.3, 0.5})};
}
const std::vector<double> kPerSample = {0.4076059644443803, 1.441311296657157};
constexpr double kSum = 1.8489172611015374;
constexpr double kMean = 0.9244586305507687;  // over the N = 2 samples

TEST(SoftmaxCrossEntropyTest, ForwardAndReductions) {
  ASSERT_OK_AND_ASSIGN(auto mean, RunOp("SoftmaxCrossEntropy", {}, Inputs()));
  ExpectTensorNear(mean[0], {}, {kMean});
  ASSERT_OK_AND_ASSIGN(
      auto sum, RunOp("SoftmaxCrossEntropy", LossAttrs("sum"), Inputs()));
  ExpectTensorNear(sum[0], {}, {kSum});
  ASSERT_OK_AND_ASSIGN(
      auto none, RunOp("SoftmaxCrossEntropy", LossAttrs("none"), Inputs()));
  ExpectTensorNear(none[0], {2}, kPerSample);
  ASSERT_OK_AND_ASSIGN(auto weighted, RunOp("SoftmaxCrossEntropy",
                                            LossAttrs("mean", 0.25), Inputs()));
  ExpectTensorNear(weighted[0], {}, {0.25 * kMean});
}

// "sum" and dy = 1: the per-sample derivatives themselves.
TEST(SoftmaxCrossEntropyTest, GradientByHand) {
  ASSERT_OK_AND_ASSIGN(auto grads,
                       RunOpGradient("SoftmaxCrossEntropy", LossAttrs("sum"),
                                     Inputs(), {T64({}, {1})}));
  ExpectTensorNear(
      grads[0], {2, 3},
      {0.09003057317038045, 0.24472847105479764, -0.3347590442251781,
       -0.024709607859963317, -0.26088742672931253, 0.2855970345892759});
  ExpectTensorNear(
      grads[1], {2, 3},
      {2.4076059644443806, 1.4076059644443804, 0.4076059644443803,
       1.7413112966571571, 3.241311296657157, 0.24131129665715703});
}

TEST(SoftmaxCrossEntropyTest, Gradient) {
  // Soft labels that are not normalised, too: the gradient covers any y.
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    EXPECT_OK(CheckGradient("SoftmaxCrossEntropy", LossAttrs(reduction, 0.7),
                            {RandomTensor(DType::kFloat64, {3, 4}, 1, -3, 3),
                             RandomTensor(DType::kFloat64, {3, 4}, 2, 0, 1)}));
  }
  EXPECT_OK(CheckGradient("SoftmaxCrossEntropy", {},
                          {RandomTensor(DType::kFloat64, {1, 1}, 3),
                           RandomTensor(DType::kFloat64, {1, 1}, 4)}));
}

TEST(SoftmaxCrossEntropyTest, Float32MatchesFloat64) {
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    EXPECT_OK(CheckFloat32MatchesFloat64(
        "SoftmaxCrossEntropy", LossAttrs(reduction),
        {RandomTensor(DType::kFloat64, {4, 5}, 1, -3, 3),
         RandomTensor(DType::kFloat64, {4, 5}, 2, 0, 1)}));
  }
}

// exp(1000) overflows both float types; the loss must not. Exact values:
// row 0 picks the largest logit by far: v = log(1 + e^-1000 + e^-2000) = 0
// in floating point; row 1 picks a logit 1e4 below the largest: v = 1e4;
// row 2 has logits ±3e38, whose difference overflows float32 to inf, with
// a zero label on the small one (0 · inf would be NaN) and half on each
// large one: softmax [1/2, 0, 1/2] and v = log 2, which computing
// log softmax as x - logsumexp(x) would round away next to 3e38.
TEST(SoftmaxCrossEntropyTest, HugeLogitsStayFinite) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const Tensor x = Tensor::FromValues(
        dtype, {3, 3}, {1000, 0, -1000, -1e4, 1e4, 0, 3e38, -3e38, 3e38});
    const Tensor y =
        Tensor::FromValues(dtype, {3, 3}, {1, 0, 0, 0, 0, 1, 0.5, 0, 0.5});
    ASSERT_OK_AND_ASSIGN(
        auto none, RunOp("SoftmaxCrossEntropy", LossAttrs("none"), {x, y}));
    ExpectTensorNear(none[0], {3}, {0, 1e4, std::log(2.0)}, 1e-6);
    ASSERT_OK_AND_ASSIGN(
        auto grads,
        RunOpGradient("SoftmaxCrossEntropy", LossAttrs("sum"), {x, y},
                      {Tensor::FromValues(dtype, {}, {1})}));
    // softmax rows: [1, 0, 0], [0, 1, 0], [0.5, 0, 0.5].
    ExpectTensorNear(grads[0], {3, 3}, {0, 0, 0, 0, 1, -1, 0, 0, 0}, 1e-7);
  }
}

TEST(SoftmaxCrossEntropyTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(
      auto shapes, RunOpShape("SoftmaxCrossEntropy", {}, {{-1, 10}, {-1, 10}}));
  EXPECT_EQ(shapes[0], Shape({}));
  ASSERT_OK_AND_ASSIGN(shapes,
                       RunOpShape("SoftmaxCrossEntropy", LossAttrs("none"),
                                  {{-1, 10}, {32, -1}}));
  EXPECT_EQ(shapes[0], Shape({32}));
  ASSERT_OK_AND_ASSIGN(shapes,
                       RunOpShape("SoftmaxCrossEntropy", LossAttrs("none"),
                                  {{-1, 10}, {-1, 10}}));
  EXPECT_EQ(shapes[0], Shape({-1}));
}

TEST(SoftmaxCrossEntropyTest, ShapeErrors) {
  EXPECT_STATUS(RunOpShape("SoftmaxCrossEntropy", {}, {{6}, {6}}),
                absl::StatusCode::kInvalidArgument,
                "logits must have rank 2 [N, C], got [6]");
  EXPECT_STATUS(RunOpShape("SoftmaxCrossEntropy", {}, {{2, 0}, {2, 0}}),
                absl::StatusCode::kInvalidArgument,
                "logits must have at least one class, got [2, 0]");
  EXPECT_STATUS(RunOpShape("SoftmaxCrossEntropy", {}, {{2, 3}, {2, 4}}),
                absl::StatusCode::kInvalidArgument,
                "logits and labels must have the same shape [N, C]: logits is "
                "[2, 3], labels is [2, 4]");
  EXPECT_STATUS(RunOpShape("SoftmaxCrossEntropy", {}, {{2, 3}, {2, 3}},
                           {DType::kFloat64, DType::kFloat32}),
                absl::StatusCode::kInvalidArgument,
                "logits is float64, labels is float32");
  EXPECT_STATUS(
      RunOpShape("SoftmaxCrossEntropy", LossAttrs("batch"), {{2, 3}, {2, 3}}),
      absl::StatusCode::kInvalidArgument,
      "attribute 'reduction' must be \"mean\", \"sum\" or \"none\", got "
      "\"batch\"");
}

}  // namespace
}  // namespace nabla
