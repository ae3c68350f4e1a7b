// AdamW against the published rule (Loshchilov & Hutter, 2019) as PyTorch
// applies it: w *= 1 - lr * wd, then the Adam step without decay.
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

ReferenceRule AdamWReference(double beta1, double beta2, double epsilon,
                             double weight_decay, bool amsgrad) {
  return [=](int64_t step, double lr, double g, ElementState& e) {
    double& m = e.slots[0];
    double& v = e.slots[1];
    e.w *= 1 - lr * weight_decay;
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    double second = v;
    if (amsgrad) second = e.slots[2] = std::max(e.slots[2], v);
    const double m_hat = m / (1 - std::pow(beta1, step));
    const double v_hat = second / (1 - std::pow(beta2, step));
    e.w -= lr * m_hat / (std::sqrt(v_hat) + epsilon);
  };
}

TEST(AdamWTest, Defaults) {
  ExpectMatchesReference(Config("AdamW", {}),
                         AdamWReference(0.9, 0.999, 1e-8, 0.01, false),
                         {"first_moment", "second_moment"});
  ASSERT_OK_AND_ASSIGN(MadeOptimizer made, MakeOptimizer(Config("AdamW", {})));
  EXPECT_EQ(made.learning_rate, 0.001);
}

TEST(AdamWTest, SettingsAndAmsGrad) {
  ExpectMatchesReference(
      Config("AdamW", {{"beta1", MakeAttr(0.5)},
                       {"beta2", MakeAttr(0.5)},
                       {"epsilon", MakeAttr(1e-4)},
                       {"weight_decay", MakeAttr(0.5)},
                       {"amsgrad", MakeAttr(true)}}),
      AdamWReference(0.5, 0.5, 1e-4, 0.5, true),
      {"first_moment", "second_moment", "max_second_moment"});
}

// The decay is decoupled: with the same weight_decay, Adam (decay in the
// gradient, normalised away by the second moment) ends elsewhere.
TEST(AdamWTest, DiffersFromAdamWithL2) {
  const Settings settings = {{"weight_decay", MakeAttr(0.5)}};
  auto adamw = MakeFromConfig(Config("AdamW", settings));
  auto adam = MakeFromConfig(Config("Adam", settings));
  ASSERT_NE(adamw, nullptr);
  ASSERT_NE(adam, nullptr);
  EXPECT_NE(RunOptimizer(*adamw, DType::kFloat64, SmallScenario()).values,
            RunOptimizer(*adam, DType::kFloat64, SmallScenario()).values);
}

TEST(AdamWTest, RefusesBadSettings) {
  const auto code = absl::StatusCode::kInvalidArgument;
  EXPECT_STATUS(MakeUpdateRule(Config("AdamW", {{"beta1", MakeAttr(-1.0)}})),
                code, "optimizer 'AdamW': beta1 must be in [0, 1), got -1");
  EXPECT_STATUS(MakeUpdateRule(Config("AdamW", {{"beta2", MakeAttr(1.0)}})),
                code, "optimizer 'AdamW': beta2 must be in [0, 1), got 1");
  EXPECT_STATUS(MakeUpdateRule(Config("AdamW", {{"epsilon", MakeAttr(-1e-8)}})),
                code, "optimizer 'AdamW': epsilon must be > 0, got -1e-08");
  EXPECT_STATUS(
      MakeUpdateRule(Config("AdamW", {{"weight_decay", MakeAttr(-0.5)}})), code,
      "optimizer 'AdamW': weight_decay must be >= 0, got -0.5");
}

}  // namespace
}  // namespace nabla
