#include <cmath>

#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/plugins/losses/loss_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

AttrMap Epsilon(double epsilon, const char* reduction = "mean") {
  return LossAttrs(reduction, 1.0, {{"epsilon", MakeAttr(epsilon)}});
}

// Values from the textbook formula in python3 (plain floats, math module):
//   v = -(l log p + (1 - l) log(1 - p)),
//   dp = (-l / p + (1 - l) / (1 - p)) / N,  dl = (log(1 - p) - log p) / N.
// No p here is clipped by the default epsilon 1e-7.
std::vector<Tensor> Inputs() {
  return {T64({5}, {0.1, 0.9, 0.5, 0.3, 0.999}), T64({5}, {0, 1, 1, 0.25, 0})};
}
const std::vector<double> kPerElement = {
    0.10536051565782628, 0.10536051565782628, 0.6931471805599453,
    0.5684994090355333, 6.907755278982136};
constexpr double kSum = 8.380122899893268;
constexpr double kMean = 1.6760245799786535;

TEST(BinaryCrossEntropyTest, ForwardAndReductions) {
  ASSERT_OK_AND_ASSIGN(auto mean, RunOp("BinaryCrossEntropy", {}, Inputs()));
  ExpectTensorNear(mean[0], {}, {kMean});
  ASSERT_OK_AND_ASSIGN(auto sum,
                       RunOp("BinaryCrossEntropy", LossAttrs("sum"), Inputs()));
  ExpectTensorNear(sum[0], {}, {kSum});
  ASSERT_OK_AND_ASSIGN(
      auto none, RunOp("BinaryCrossEntropy", LossAttrs("none"), Inputs()));
  ExpectTensorNear(none[0], {5}, kPerElement);
  ASSERT_OK_AND_ASSIGN(auto weighted, RunOp("BinaryCrossEntropy",
                                            LossAttrs("sum", 0.5), Inputs()));
  ExpectTensorNear(weighted[0], {}, {0.5 * kSum});
}

TEST(BinaryCrossEntropyTest, GradientByHand) {
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("BinaryCrossEntropy", {},
                                                 Inputs(), {T64({}, {1})}));
  ExpectTensorNear(grads[0], {5},
                   {0.22222222222222224, -0.22222222222222224, -0.4,
                    0.0476190476190476, 199.99999999999983},
                   1e-10);
  ExpectTensorNear(grads[1], {5},
                   {0.43944491546724385, -0.4394449154672439, 0.0,
                    0.16945957207744072, -1.3813509557297103});
}

// p = 0, 1 and 1e-9 are clipped to q = 1e-7, 1 - 1e-7, 1e-7 (python3 as
// above with q for p). The loss is flat in p there: dp = 0; dl is
// log(1 - q) - log q.
TEST(BinaryCrossEntropyTest, ClippedPredictions) {
  const std::vector<Tensor> inputs = {T64({3}, {0, 1, 1e-9}),
                                      T64({3}, {1, 0, 0.5})};
  ASSERT_OK_AND_ASSIGN(auto none,
                       RunOp("BinaryCrossEntropy", LossAttrs("none"), inputs));
  ExpectTensorNear(none[0], {3},
                   {16.11809565095832, 16.118095651484676, 8.059047875479163},
                   1e-9);
  ASSERT_OK_AND_ASSIGN(
      auto grads, RunOpGradient("BinaryCrossEntropy", LossAttrs("none"), inputs,
                                {T64({3}, {1, 1, 1})}));
  ExpectTensorNear(grads[0], {3}, {0, 0, 0});
  ExpectTensorNear(grads[1], {3},
                   {16.118095550958316, -16.11809555148467, 16.118095550958316},
                   1e-9);
}

// epsilon 0.1: p = [0.05, 0.5, 0.95] becomes q = [0.1, 0.5, 0.9]; python3
// gives v = [-log 0.1, -log 0.5, -log 0.1] for l = [1, 1, 0].
TEST(BinaryCrossEntropyTest, EpsilonAttr) {
  ASSERT_OK_AND_ASSIGN(
      auto none, RunOp("BinaryCrossEntropy", Epsilon(0.1, "none"),
                       {T64({3}, {0.05, 0.5, 0.95}), T64({3}, {1, 1, 0})}));
  ExpectTensorNear(none[0], {3},
                   {2.3025850929940455, 0.6931471805599453, 2.302585092994046});
}

// Clipped and unclipped elements together; the checker confirms dp = 0 is
// the derivative where p is outside [epsilon, 1 - epsilon].
TEST(BinaryCrossEntropyTest, Gradient) {
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    EXPECT_OK(
        CheckGradient("BinaryCrossEntropy", LossAttrs(reduction, 0.7),
                      {RandomTensor(DType::kFloat64, {3, 4}, 1, 0.05, 0.95),
                       RandomTensor(DType::kFloat64, {3, 4}, 2, 0, 1)}));
  }
  EXPECT_OK(CheckGradient("BinaryCrossEntropy", Epsilon(0.2, "none"),
                          {T64({6}, {0.01, 0.1, 0.3, 0.5, 0.7, 0.95}),
                           T64({6}, {1, 0.5, 0, 1, 0.2, 0})}));
}

TEST(BinaryCrossEntropyTest, Float32MatchesFloat64) {
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    EXPECT_OK(CheckFloat32MatchesFloat64(
        "BinaryCrossEntropy", LossAttrs(reduction),
        {RandomTensor(DType::kFloat64, {5, 2}, 1, 0.05, 0.95),
         RandomTensor(DType::kFloat64, {5, 2}, 2, 0, 1)}));
  }
}

// Probabilities of exactly 0 and 1, in float32 too (where 1 - 1e-7 must
// not round to 1), and an epsilon below float32's resolution.
TEST(BinaryCrossEntropyTest, SaturatedProbabilitiesStayFinite) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    for (double epsilon : {1e-7, 1e-30}) {
      const Tensor p = Tensor::FromValues(dtype, {4}, {0, 1, 0, 1});
      const Tensor l = Tensor::FromValues(dtype, {4}, {1, 0, 0, 1});
      ASSERT_OK_AND_ASSIGN(auto none, RunOp("BinaryCrossEntropy",
                                            Epsilon(epsilon, "none"), {p, l}));
      ExpectAllFinite(none[0]);
      EXPECT_GT(none[0].ValueAt(0), 15);
      EXPECT_LT(none[0].ValueAt(2), 1e-6);
      ASSERT_OK_AND_ASSIGN(
          auto grads,
          RunOpGradient("BinaryCrossEntropy", Epsilon(epsilon), {p, l},
                        {Tensor::FromValues(dtype, {}, {1})}));
      ExpectAllFinite(grads[0]);
      ExpectAllFinite(grads[1]);
    }
  }
}

TEST(BinaryCrossEntropyTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(
      auto shapes,
      RunOpShape("BinaryCrossEntropy", LossAttrs("none"), {{-1, 1}, {8, 1}}));
  EXPECT_EQ(shapes[0], Shape({8, 1}));
}

TEST(BinaryCrossEntropyTest, ShapeErrors) {
  for (double bad : {0.0, -0.1, 0.5, 0.7, double{NAN}}) {
    EXPECT_STATUS(RunOpShape("BinaryCrossEntropy", Epsilon(bad), {{2}, {2}}),
                  absl::StatusCode::kInvalidArgument,
                  "attribute 'epsilon' must be in (0, 0.5), got");
  }
  EXPECT_STATUS(RunOpShape("BinaryCrossEntropy", Epsilon(0.7), {{2}, {2}}),
                absl::StatusCode::kInvalidArgument, "got 0.7");
  EXPECT_STATUS(RunOpShape("BinaryCrossEntropy", {}, {{2, 1}, {2}}),
                absl::StatusCode::kInvalidArgument,
                "predictions is [2, 1], labels is [2]");
  EXPECT_STATUS(RunOpShape("BinaryCrossEntropy", LossAttrs(""), {{2}, {2}}),
                absl::StatusCode::kInvalidArgument, "got \"\"");
}

}  // namespace
}  // namespace nabla
