#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/plugins/losses/loss_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// Values from the naive formulas in python3 (plain floats, math module):
//   softmax_c = exp(x_c) / fsum(exp(x)),  v_n = -log softmax_k,
//   dv/dx_c = softmax_c - [c = k].
std::vector<Tensor> Inputs() {
  return {T64({2, 3}, {1, 2, 3, 0.5, -1, 2}), T64({2}, {2, 0})};
}
const std::vector<double> kPerSample = {0.4076059644443803, 1.7413112966571571};
constexpr double kSum = 2.1489172611015372;
constexpr double kMean = 1.0744586305507686;  // over the N = 2 samples

TEST(SparseSoftmaxCrossEntropyTest, ForwardAndReductions) {
  ASSERT_OK_AND_ASSIGN(auto mean,
                       RunOp("SparseSoftmaxCrossEntropy", {}, Inputs()));
  ExpectTensorNear(mean[0], {}, {kMean});
  ASSERT_OK_AND_ASSIGN(
      auto sum, RunOp("SparseSoftmaxCrossEntropy", LossAttrs("sum"), Inputs()));
  ExpectTensorNear(sum[0], {}, {kSum});
  ASSERT_OK_AND_ASSIGN(auto none, RunOp("SparseSoftmaxCrossEntropy",
                                        LossAttrs("none", 2), Inputs()));
  ExpectTensorNear(none[0], {2}, {2 * kPerSample[0], 2 * kPerSample[1]});
}

// The same loss as SoftmaxCrossEntropy with one-hot labels.
TEST(SparseSoftmaxCrossEntropyTest, MatchesOneHotSoftmaxCrossEntropy) {
  const Tensor x = RandomTensor(DType::kFloat64, {4, 5}, 7, -3, 3);
  const Tensor k = T64({4}, {4, 0, 2, 2});
  const Tensor one_hot =
      T64({4, 5}, {0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0});
  ASSERT_OK_AND_ASSIGN(auto sparse, RunOp("SparseSoftmaxCrossEntropy",
                                          LossAttrs("none"), {x, k}));
  ASSERT_OK_AND_ASSIGN(auto dense, RunOp("SoftmaxCrossEntropy",
                                         LossAttrs("none"), {x, one_hot}));
  ExpectTensorNear(sparse[0], {4}, dense[0].ToDoubles());
}

TEST(SparseSoftmaxCrossEntropyTest, GradientByHand) {
  ASSERT_OK_AND_ASSIGN(
      auto grads, RunOpGradient("SparseSoftmaxCrossEntropy", LossAttrs("none"),
                                Inputs(), {T64({2}, {1, 0.5})}));
  ExpectTensorNear(grads[0], {2, 3},
                   {0.09003057317038045, 0.24472847105479764,
                    -0.3347590442251781, 0.5 * -0.8247096078599633,
                    0.5 * 0.039112573270687456, 0.5 * 0.7855970345892759});
  EXPECT_EQ(grads[1].num_elements(), 0);  // labels: no gradient
}

TEST(SparseSoftmaxCrossEntropyTest, Gradient) {
  const Tensor k = T64({3}, {3, 0, 1});
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    EXPECT_OK(
        CheckGradient("SparseSoftmaxCrossEntropy", LossAttrs(reduction, 0.7),
                      {RandomTensor(DType::kFloat64, {3, 4}, 1, -3, 3), k}));
  }
}

TEST(SparseSoftmaxCrossEntropyTest, Float32MatchesFloat64) {
  const Tensor k = T64({4}, {3, 0, 1, 4});
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    EXPECT_OK(CheckFloat32MatchesFloat64(
        "SparseSoftmaxCrossEntropy", LossAttrs(reduction),
        {RandomTensor(DType::kFloat64, {4, 5}, 1, -3, 3), k}));
  }
}

// Exact values as in softmax_cross_entropy_test: 0 for the largest logit
// by far, 1e4 for one 1e4 below it, log 2 for one of two tied logits 1e30
// (softmax [1/2, 0, 1/2]).
TEST(SparseSoftmaxCrossEntropyTest, HugeLogitsStayFinite) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const Tensor x = Tensor::FromValues(
        dtype, {3, 3}, {1000, 0, -1000, -1e4, 1e4, 0, 1e30, -1e30, 1e30});
    const Tensor k = Tensor::FromValues(dtype, {3}, {0, 2, 2});
    ASSERT_OK_AND_ASSIGN(auto none, RunOp("SparseSoftmaxCrossEntropy",
                                          LossAttrs("none"), {x, k}));
    ExpectAllFinite(none[0]);
    EXPECT_NEAR(none[0].ValueAt(0), 0, 1e-9);
    EXPECT_NEAR(none[0].ValueAt(1), 1e4, 1e-9);
    EXPECT_NEAR(none[0].ValueAt(2), std::log(2.0), 1e-6);
    ASSERT_OK_AND_ASSIGN(
        auto grads,
        RunOpGradient("SparseSoftmaxCrossEntropy", LossAttrs("sum"), {x, k},
                      {Tensor::FromValues(dtype, {}, {1})}));
    ExpectTensorNear(grads[0], {3, 3}, {0, 0, 0, 0, 1, -1, 0.5, 0, -0.5}, 1e-7);
  }
}

TEST(SparseSoftmaxCrossEntropyTest, LabelErrors) {
  const Tensor x = T64({3, 4}, std::vector<double>(12, 0.0));
  const char* kRule = "; labels must be integer class indices in [0, 4)";
  EXPECT_STATUS(
      RunOp("SparseSoftmaxCrossEntropy", {}, {x, T64({3}, {0, 2.5, 1})}),
      absl::StatusCode::kInvalidArgument,
      absl::StrCat("SparseSoftmaxCrossEntropy: label of sample 1 is "
                   "2.5",
                   kRule));
  EXPECT_STATUS(
      RunOp("SparseSoftmaxCrossEntropy", {}, {x, T64({3}, {0, 1, 4})}),
      absl::StatusCode::kInvalidArgument,
      absl::StrCat("label of sample 2 is 4", kRule));
  EXPECT_STATUS(
      RunOp("SparseSoftmaxCrossEntropy", {}, {x, T64({3}, {-1, 1, 1})}),
      absl::StatusCode::kInvalidArgument, "label of sample 0 is -1;");
  EXPECT_STATUS(
      RunOp("SparseSoftmaxCrossEntropy", {}, {x, T64({3}, {0, NAN, 1})}),
      absl::StatusCode::kInvalidArgument, "label of sample 1 is nan;");
  EXPECT_STATUS(
      RunOpGradient("SparseSoftmaxCrossEntropy", {},
                    {T32({1, 2}, {0, 0}), T32({1}, {2})}, {T32({}, {1})}),
      absl::StatusCode::kInvalidArgument,
      "label of sample 0 is 2; labels must be integer class indices "
      "in [0, 2)");
}

TEST(SparseSoftmaxCrossEntropyTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(
      auto shapes, RunOpShape("SparseSoftmaxCrossEntropy", LossAttrs("none"),
                              {{-1, 10}, {8}}));
  EXPECT_EQ(shapes[0], Shape({8}));
  ASSERT_OK_AND_ASSIGN(
      shapes, RunOpShape("SparseSoftmaxCrossEntropy", {}, {{-1, 10}, {-1}}));
  EXPECT_EQ(shapes[0], Shape({}));
}

TEST(SparseSoftmaxCrossEntropyTest, ShapeErrors) {
  EXPECT_STATUS(RunOpShape("SparseSoftmaxCrossEntropy", {}, {{2, 3}, {3}}),
                absl::StatusCode::kInvalidArgument,
                "labels must have shape [N] for logits [N, C]: logits is "
                "[2, 3], labels is [3]");
  EXPECT_STATUS(RunOpShape("SparseSoftmaxCrossEntropy", {}, {{2, 3}, {2, 3}}),
                absl::StatusCode::kInvalidArgument, "labels is [2, 3]");
  EXPECT_STATUS(RunOpShape("SparseSoftmaxCrossEntropy", {}, {{2, 3, 1}, {2}}),
                absl::StatusCode::kInvalidArgument,
                "logits must have rank 2 [N, C], got [2, 3, 1]");
  EXPECT_STATUS(RunOpShape("SparseSoftmaxCrossEntropy", {}, {{2, 3}, {2}},
                           {DType::kFloat32, DType::kFloat64}),
                absl::StatusCode::kInvalidArgument,
                "logits is float32, labels is float64");
  EXPECT_STATUS(RunOpShape("SparseSoftmaxCrossEntropy",
                           LossAttrs("mean", INFINITY), {{2, 3}, {2}}),
                absl::StatusCode::kInvalidArgument, "attribute 'weight'");
}

}  // namespace
}  // namespace nabla
