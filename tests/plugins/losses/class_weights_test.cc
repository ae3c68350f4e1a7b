// class_weights of the losses that take class labels: against PyTorch
// (testdata/class_weight_cases.py prints the values), against the
// unweighted per-sample losses, and against finite differences.
#include <cmath>
#include <vector>

#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/plugins/losses/loss_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

AttrValue Floats(const std::vector<double>& values) {
  AttrValue value;
  value.mutable_list();
  for (double v : values) value.mutable_list()->add_f(v);
  return value;
}

AttrMap Weighted(const char* reduction, const std::vector<double>& weights,
                 double weight = 1.0) {
  return LossAttrs(reduction, weight, {{"class_weights", Floats(weights)}});
}

const std::vector<double> kClassWeights = {0.5, 2, 1.5};
Tensor Logits() {
  return T64({4, 3}, {1, 2, 3, 0.5, -1, 2, -2, 0.25, 1, 3, -0.5, 0});
}
Tensor Labels() { return T64({4}, {2, 0, 1, 2}); }
Tensor OneHot() { return T64({4, 3}, {0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1}); }

TEST(ClassWeightsTest, SparseSoftmaxCrossEntropyMatchesPyTorch) {
  const std::vector<Tensor> inputs = {Logits(), Labels()};
  ASSERT_OK_AND_ASSIGN(auto mean,
                       RunOp("SparseSoftmaxCrossEntropy",
                             Weighted("mean", kClassWeights), inputs));
  ExpectTensorNear(mean[0], {}, {1.5341339887132845});
  ASSERT_OK_AND_ASSIGN(auto sum, RunOp("SparseSoftmaxCrossEntropy",
                                       Weighted("sum", kClassWeights), inputs));
  ExpectTensorNear(sum[0], {}, {8.437736937923065});
  ASSERT_OK_AND_ASSIGN(auto none,
                       RunOp("SparseSoftmaxCrossEntropy",
                             Weighted("none", kClassWeights), inputs));
  ExpectTensorNear(none[0], {4},
                   {0.6114089466665706, 0.8706556483285786, 2.3402523761150276,
                    4.615419966812889});
  ASSERT_OK_AND_ASSIGN(
      auto grads,
      RunOpGradient("SparseSoftmaxCrossEntropy",
                    Weighted("mean", kClassWeights), inputs, {T64({}, {1})}));
  ExpectTensorNear(
      grads[0], {4, 3},
      {0.024553792682831026, 0.06674412846949027, -0.09129792115232133,
       -0.07497360071454212, 0.0035556884791534044, 0.07141791223538872,
       0.01189392992030341, -0.25078989849636407, 0.23889596857606069,
       0.2525288880550085, 0.007625711657808838, -0.26015459971281735});
}

// One-hot labels give the sparse loss and its logits' gradient.
TEST(ClassWeightsTest, SoftmaxCrossEntropyWithOneHotLabelsIsTheSparseLoss) {
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    ASSERT_OK_AND_ASSIGN(auto sparse, RunOp("SparseSoftmaxCrossEntropy",
                                            Weighted(reduction, kClassWeights),
                                            {Logits(), Labels()}));
    ASSERT_OK_AND_ASSIGN(auto dense, RunOp("SoftmaxCrossEntropy",
                                           Weighted(reduction, kClassWeights),
                                           {Logits(), OneHot()}));
    ExpectTensorNear(dense[0], sparse[0].shape(), sparse[0].ToDoubles());
  }
  ASSERT_OK_AND_ASSIGN(auto sparse,
                       RunOpGradient("SparseSoftmaxCrossEntropy",
                                     Weighted("mean", kClassWeights),
                                     {Logits(), Labels()}, {T64({}, {1})}));
  ASSERT_OK_AND_ASSIGN(
      auto dense,
      RunOpGradient("SoftmaxCrossEntropy", Weighted("mean", kClassWeights),
                    {Logits(), OneHot()}, {T64({}, {1})}));
  ExpectTensorNear(dense[0], {4, 3}, sparse[0].ToDoubles());
}

TEST(ClassWeightsTest, SigmoidCrossEntropyMatchesPyTorch) {
  const std::vector<Tensor> inputs = {T64({4}, {0.3, -1.2, 2, 0.7}),
                                      T64({4}, {1, 0, 1, 0})};
  const AttrMap attrs = Weighted("mean", {3, 0.5});
  ASSERT_OK_AND_ASSIGN(auto mean, RunOp("SigmoidCrossEntropy", attrs, inputs));
  ExpectTensorNear(mean[0], {}, {0.634292453775174});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("SigmoidCrossEntropy", attrs,
                                                 inputs, {T64({}, {1})}));
  ExpectTensorNear(grads[0], {4},
                   {-0.030396963084881497, 0.09920366421470672,
                    -0.008514494430151263, 0.28636618807207115});
}

// The weighted mean from the unweighted per-element losses: sum w v / sum w,
// the class of a -1/1 or soft label being 1 above 0.5.
TEST(ClassWeightsTest, BinaryLossesWeightEachElementByItsClass) {
  struct Case {
    const char* op;
    Tensor predictions, labels;
  };
  const std::vector<Case> cases = {
      {"BinaryCrossEntropy", T64({2, 2}, {0.9, 0.2, 0.6, 0.4}),
       T64({2, 2}, {1, 0, 0.7, 0.2})},
      {"Hinge", T64({3}, {0.5, -2, 0.1}), T64({3}, {1, -1, -1})},
      {"SigmoidCrossEntropy", T64({3}, {1, -1, 3}), T64({3}, {0, 0.6, 1})},
  };
  const std::vector<double> class_weights = {0.25, 4};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.op);
    ASSERT_OK_AND_ASSIGN(
        auto none, RunOp(c.op, LossAttrs("none"), {c.predictions, c.labels}));
    double weighted = 0, total = 0;
    for (int64_t i = 0; i < c.labels.num_elements(); ++i) {
      const double w = class_weights[c.labels.ValueAt(i) > 0.5 ? 1 : 0];
      weighted += w * none[0].ValueAt(i);
      total += w;
    }
    ASSERT_OK_AND_ASSIGN(auto mean, RunOp(c.op, Weighted("mean", class_weights),
                                          {c.predictions, c.labels}));
    ExpectTensorNear(mean[0], {}, {weighted / total});
    ASSERT_OK_AND_ASSIGN(auto sum, RunOp(c.op, Weighted("sum", class_weights),
                                         {c.predictions, c.labels}));
    ExpectTensorNear(sum[0], {}, {weighted});
  }
}

TEST(ClassWeightsTest, GradientsAgainstFiniteDifferences) {
  const Tensor logits = RandomTensor(DType::kFloat64, {5, 3}, 3, -2, 2);
  const Tensor labels = T64({5}, {0, 2, 2, 1, 0});
  const Tensor soft = T64({5, 3}, {0.7, 0.2, 0.1, 0, 0.1, 0.9, 0.2, 0.2, 0.6,
                                   0.1, 0.8, 0.1, 1, 0, 0});
  const Tensor z = RandomTensor(DType::kFloat64, {6}, 4, -2, 2);
  const Tensor bits = T64({6}, {1, 0, 0, 1, 1, 0});
  const Tensor probabilities = T64({6}, {0.8, 0.3, 0.45, 0.6, 0.1, 0.7});
  const Tensor signs = T64({6}, {1, -1, -1, 1, 1, -1});
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    EXPECT_OK(CheckGradient("SparseSoftmaxCrossEntropy",
                            Weighted(reduction, kClassWeights, 0.7),
                            {logits, labels}));
    EXPECT_OK(CheckGradient("SoftmaxCrossEntropy",
                            Weighted(reduction, kClassWeights),
                            {logits, soft}));
    EXPECT_OK(CheckGradient("SigmoidCrossEntropy",
                            Weighted(reduction, {2, 0.5}), {z, bits}));
    EXPECT_OK(CheckGradient("BinaryCrossEntropy", Weighted(reduction, {2, 0.5}),
                            {probabilities, bits}));
    EXPECT_OK(
        CheckGradient("Hinge", Weighted(reduction, {2, 0.5}), {z, signs}));
  }
}

TEST(ClassWeightsTest, Float32MatchesFloat64) {
  ASSERT_OK_AND_ASSIGN(
      auto f64, RunOp("SparseSoftmaxCrossEntropy",
                      Weighted("mean", kClassWeights), {Logits(), Labels()}));
  ASSERT_OK_AND_ASSIGN(
      auto f32,
      RunOp("SparseSoftmaxCrossEntropy", Weighted("mean", kClassWeights),
            {T32({4, 3}, Logits().ToDoubles()), T32({4}, {2, 0, 1, 2})}));
  EXPECT_NEAR(f32[0].ValueAt(0), f64[0].ValueAt(0), 1e-6);
}

// All weight on a class the batch lacks: 0 / 0, as in PyTorch.
TEST(ClassWeightsTest, WeightsSummingToZeroGiveNaN) {
  ASSERT_OK_AND_ASSIGN(
      auto mean, RunOp("SparseSoftmaxCrossEntropy", Weighted("mean", {0, 0, 1}),
                       {T64({1, 3}, {1, 2, 3}), T64({1}, {0})}));
  EXPECT_TRUE(std::isnan(mean[0].ValueAt(0)));
}

TEST(ClassWeightsTest, BadWeightsAreRefusedByTheShapeFunction) {
  EXPECT_STATUS(RunOpShape("SparseSoftmaxCrossEntropy",
                           Weighted("mean", {1, 2}), {{4, 3}, {4}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'class_weights' has 2 weights, but there are 3 "
                "classes: give one per class");
  EXPECT_STATUS(RunOpShape("SoftmaxCrossEntropy", Weighted("mean", {1, -2, 1}),
                           {{4, 3}, {4, 3}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'class_weights' holds -2 for class 1; weights must "
                "be finite and >= 0");
  EXPECT_STATUS(RunOpShape("SigmoidCrossEntropy", Weighted("mean", {1, 2, 3}),
                           {{4}, {4}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'class_weights' has 3 weights, but there are 2 "
                "classes: give one per class");
  EXPECT_STATUS(RunOpShape("Hinge", Weighted("mean", {1, NAN}), {{4}, {4}}),
                absl::StatusCode::kInvalidArgument, "holds nan for class 1");
  // Unknown classes are checked once the logits' width is known.
  ASSERT_OK(RunOpShape("SparseSoftmaxCrossEntropy", Weighted("mean", {1, 2}),
                       {{4, -1}, {4}})
                .status());
  // Losses of no classes do not take the attribute.
  EXPECT_STATUS(
      RunOpShape("MeanSquaredError", Weighted("mean", {1, 2}), {{4}, {4}}),
      absl::StatusCode::kInvalidArgument, "class_weights");
}

}  // namespace
}  // namespace nabla
