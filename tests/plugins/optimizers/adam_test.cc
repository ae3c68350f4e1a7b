// Adam against the published rule (Kingma & Ba, 2015; AMSGrad from Reddi et
// al., 2018) with PyTorch's coupled L2 weight decay.
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

// g += wd * w; m, v moving averages of g and g^2 (v_max their maximum with
// amsgrad); w -= lr * m_hat / (sqrt(v_hat) + eps), both hats bias-corrected.
ReferenceRule AdamReference(double beta1, double beta2, double epsilon,
                            double weight_decay, bool amsgrad) {
  return [=](int64_t step, double lr, double g, ElementState& e) {
    double& m = e.slots[0];
    double& v = e.slots[1];
    g += weight_decay * e.w;
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    double second = v;
    if (amsgrad) second = e.slots[2] = std::max(e.slots[2], v);
    const double m_hat = m / (1 - std::pow(beta1, step));
    const double v_hat = second / (1 - std::pow(beta2, step));
    e.w -= lr * m_hat / (std::sqrt(v_hat) + epsilon);
  };
}

TEST(AdamTest, Defaults) {
  ExpectMatchesReference(Config("Adam", {}),
                         AdamReference(0.9, 0.999, 1e-8, 0, false),
                         {"first_moment", "second_moment"});
  ASSERT_OK_AND_ASSIGN(MadeOptimizer made, MakeOptimizer(Config("Adam", {})));
  EXPECT_EQ(made.learning_rate, 0.001);
}

TEST(AdamTest, SettingsAndWeightDecay) {
  ExpectMatchesReference(Config("Adam", {{"beta1", MakeAttr(0.5)},
                                         {"beta2", MakeAttr(0.75)},
                                         {"epsilon", MakeAttr(1e-3)},
                                         {"weight_decay", MakeAttr(0.1)}}),
                         AdamReference(0.5, 0.75, 1e-3, 0.1, false),
                         {"first_moment", "second_moment"});
}

TEST(AdamTest, AmsGrad) {
  const OptimizerConfig config =
      Config("Adam", {{"beta2", MakeAttr(0.5)}, {"amsgrad", MakeAttr(true)}});
  ExpectMatchesReference(
      config, AdamReference(0.9, 0.5, 1e-8, 0, true),
      {"first_moment", "second_moment", "max_second_moment"});
  // The maximum matters in this scenario: v fell below its peak somewhere.
  auto adam = MakeFromConfig(config);
  ASSERT_NE(adam, nullptr);
  const RunResult run = RunOptimizer(*adam, DType::kFloat64, SmallScenario());
  EXPECT_NE(run.slots[1], run.slots[2]);
}

// With a constant gradient g the bias-corrected moments are exactly g and
// g^2 at every step, so each step moves w by lr * g / (|g| + eps): here
// 5 steps of 0.01 * 0.5 / (0.5 + 1e-8). Without the corrections the first
// steps would be far smaller.
TEST(AdamTest, BiasCorrectionAfterSeveralSteps) {
  Scenario scenario{{1.0}, {}, {}};
  for (int k = 0; k < 5; ++k) {
    scenario.grads.push_back({0.5});
    scenario.rates.push_back(0.01);
  }
  auto adam = MakeFromConfig(Config("Adam", {}));
  ASSERT_NE(adam, nullptr);
  const RunResult run = RunOptimizer(*adam, DType::kFloat64, scenario);
  EXPECT_NEAR(run.values[0], 1.0 - 5 * 0.01 * 0.5 / (0.5 + 1e-8), 1e-14);
  // m = (1 - 0.9^5) * 0.5, v = (1 - 0.999^5) * 0.25.
  EXPECT_NEAR(run.slots[0][0], (1 - std::pow(0.9, 5)) * 0.5, 1e-15);
  EXPECT_NEAR(run.slots[1][0], (1 - std::pow(0.999, 5)) * 0.25, 1e-15);
}

TEST(AdamTest, RefusesBadSettings) {
  const auto code = absl::StatusCode::kInvalidArgument;
  EXPECT_STATUS(MakeUpdateRule(Config("Adam", {{"beta1", MakeAttr(1.0)}})),
                code, "optimizer 'Adam': beta1 must be in [0, 1), got 1");
  EXPECT_STATUS(MakeUpdateRule(Config("Adam", {{"beta2", MakeAttr(-0.1)}})),
                code, "optimizer 'Adam': beta2 must be in [0, 1), got -0.1");
  EXPECT_STATUS(MakeUpdateRule(Config("Adam", {{"epsilon", MakeAttr(0.0)}})),
                code, "optimizer 'Adam': epsilon must be > 0, got 0");
  EXPECT_STATUS(
      MakeUpdateRule(Config("Adam", {{"weight_decay", MakeAttr(-0.01)}})), code,
      "optimizer 'Adam': weight_decay must be >= 0, got -0.01");
  EXPECT_STATUS(MakeUpdateRule(Config("Adam", {{"amsgrad", MakeAttr(1.0)}})),
                code, "attribute 'amsgrad' must be bool");
}

}  // namespace
}  // namespace nabla
