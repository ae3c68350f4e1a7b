// AdaGrad against the published rule (Duchi et al., 2011) as PyTorch's
// torch.optim.Adagrad writes it, including initial_accumulator_value.
#include <cmath>
#include <memory>

#include "absl/status/status.h"
#include "core/optimizer.h"
#include "core/update_rule.h"
#include "gtest/gtest.h"
#include "tests/plugins/optimizers/optimizer_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// PyTorch's state is S = s0 + (sum of g^2); the slot holds the sum alone.
// S <- S + g^2; w <- w - lr * g / (sqrt(S) + eps).
ReferenceRule AdaGradReference(double epsilon, double initial,
                               double weight_decay) {
  return [=](int64_t, double lr, double g, ElementState& e) {
    g += weight_decay * e.w;
    double& sum = e.slots[0];
    sum += g * g;
    const double state_sum = initial + sum;
    e.w -= lr * g / (std::sqrt(state_sum) + epsilon);
  };
}

TEST(AdaGradTest, Defaults) {
  ExpectMatchesReference(Config("AdaGrad", {}), AdaGradReference(1e-10, 0, 0),
                         {"sum_of_squares"});
  ASSERT_OK_AND_ASSIGN(MadeOptimizer made,
                       MakeOptimizer(Config("AdaGrad", {})));
  EXPECT_EQ(made.learning_rate, 0.01);
}

TEST(AdaGradTest, InitialAccumulatorAndWeightDecay) {
  ExpectMatchesReference(
      Config("AdaGrad", {{"epsilon", MakeAttr(1e-3)},
                         {"initial_accumulator_value", MakeAttr(0.5)},
                         {"weight_decay", MakeAttr(0.1)}}),
      AdaGradReference(1e-3, 0.5, 0.1), {"sum_of_squares"});
}

// By hand: w = 1, s0 = 3, lr 0.5, gradients 1 then 2 (epsilon 1e-10 is
// below the tolerance). S = 4, w = 1 - 0.5 * 1 / 2 = 0.75; S = 8,
// w = 0.75 - 0.5 * 2 / sqrt(8).
TEST(AdaGradTest, InitialAccumulatorByHand) {
  auto adagrad = MakeFromConfig(
      Config("AdaGrad", {{"initial_accumulator_value", MakeAttr(3.0)}}));
  ASSERT_NE(adagrad, nullptr);
  const RunResult run = RunOptimizer(*adagrad, DType::kFloat64,
                                     {{1.0}, {{1.0}, {2.0}}, {0.5, 0.5}});
  EXPECT_NEAR(run.values[0], 0.75 - 1 / std::sqrt(8.0), 1e-9);
  EXPECT_DOUBLE_EQ(run.slots[0][0], 5.0);  // 1^2 + 2^2, without s0
}

// The initial value is added where the sum is read, not on step 1: a run
// that starts at a later step (a session given AdaGrad mid-training) is
// the same.
TEST(AdaGradTest, NoStepIsSpecial) {
  auto adagrad = MakeFromConfig(
      Config("AdaGrad", {{"initial_accumulator_value", MakeAttr(0.25)}}));
  ASSERT_NE(adagrad, nullptr);
  const Shape shape = {1};
  auto run_from = [&](int64_t first_step) {
    Tensor w = Tensor::FromValues(DType::kFloat64, shape, {1.0});
    Tensor s(DType::kFloat64, shape);
    Tensor* slots[] = {&s};
    const Tensor g = Tensor::FromValues(DType::kFloat64, shape, {0.5});
    for (int64_t k = 0; k < 3; ++k) {
      adagrad->Apply({first_step + k, 0.1}, w, g, slots);
    }
    return w.ValueAt(0);
  };
  EXPECT_EQ(run_from(1), run_from(1001));
}

TEST(AdaGradTest, RefusesBadSettings) {
  const auto code = absl::StatusCode::kInvalidArgument;
  EXPECT_STATUS(MakeUpdateRule(Config("AdaGrad", {{"epsilon", MakeAttr(0.0)}})),
                code, "optimizer 'AdaGrad': epsilon must be > 0, got 0");
  EXPECT_STATUS(
      MakeUpdateRule(
          Config("AdaGrad", {{"initial_accumulator_value", MakeAttr(-0.1)}})),
      code,
      "optimizer 'AdaGrad': initial_accumulator_value must be >= 0, got -0.1");
  EXPECT_STATUS(
      MakeUpdateRule(Config("AdaGrad", {{"weight_decay", MakeAttr(-2.0)}})),
      code, "optimizer 'AdaGrad': weight_decay must be >= 0, got -2");
}

}  // namespace
}  // namespace nabla
