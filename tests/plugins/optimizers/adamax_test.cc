// Adamax against the published rule (Kingma & Ba, 2015, section 7.1) as
// PyTorch writes it, with |g| + eps inside the maximum.
#include <algorithm>
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

// m <- b1 m + (1 - b1) g; u <- max(b2 u, |g| + eps);
// w <- w - lr / (1 - b1^t) * m / u.
ReferenceRule AdamaxReference(double beta1, double beta2, double epsilon,
                              double weight_decay) {
  return [=](int64_t step, double lr, double g, ElementState& e) {
    double& m = e.slots[0];
    double& u = e.slots[1];
    g += weight_decay * e.w;
    m = beta1 * m + (1 - beta1) * g;
    u = std::max(beta2 * u, std::abs(g) + epsilon);
    e.w -= lr / (1 - std::pow(beta1, step)) * m / u;
  };
}

TEST(AdamaxTest, Defaults) {
  ExpectMatchesReference(Config("Adamax", {}),
                         AdamaxReference(0.9, 0.999, 1e-8, 0),
                         {"first_moment", "infinity_norm"});
  ASSERT_OK_AND_ASSIGN(MadeOptimizer made, MakeOptimizer(Config("Adamax", {})));
  EXPECT_EQ(made.learning_rate, 0.002);
}

TEST(AdamaxTest, SettingsAndWeightDecay) {
  ExpectMatchesReference(Config("Adamax", {{"beta1", MakeAttr(0.5)},
                                           {"beta2", MakeAttr(0.25)},
                                           {"epsilon", MakeAttr(1e-3)},
                                           {"weight_decay", MakeAttr(0.1)}}),
                         AdamaxReference(0.5, 0.25, 1e-3, 0.1),
                         {"first_moment", "infinity_norm"});
}

// One step by hand: g = -0.5, lr 0.1, defaults: m = 0.1 * -0.5 = -0.05,
// u = 0.5 + 1e-8, w = 2 - 0.1 / 0.1 * -0.05 / (0.5 + 1e-8).
TEST(AdamaxTest, FirstStepByHand) {
  auto adamax = MakeFromConfig(Config("Adamax", {}));
  ASSERT_NE(adamax, nullptr);
  const RunResult run =
      RunOptimizer(*adamax, DType::kFloat64, {{2.0}, {{-0.5}}, {0.1}});
  EXPECT_NEAR(run.values[0], 2 + 0.05 / (0.5 + 1e-8), 1e-15);
  EXPECT_NEAR(run.slots[0][0], -0.05, 1e-16);
  EXPECT_DOUBLE_EQ(run.slots[1][0], 0.5 + 1e-8);
}

TEST(AdamaxTest, RefusesBadSettings) {
  const auto code = absl::StatusCode::kInvalidArgument;
  EXPECT_STATUS(MakeUpdateRule(Config("Adamax", {{"beta1", MakeAttr(1.5)}})),
                code, "optimizer 'Adamax': beta1 must be in [0, 1), got 1.5");
  EXPECT_STATUS(MakeUpdateRule(Config("Adamax", {{"beta2", MakeAttr(1.0)}})),
                code, "optimizer 'Adamax': beta2 must be in [0, 1), got 1");
  EXPECT_STATUS(MakeUpdateRule(Config("Adamax", {{"epsilon", MakeAttr(0.0)}})),
                code, "optimizer 'Adamax': epsilon must be > 0, got 0");
  EXPECT_STATUS(
      MakeUpdateRule(Config("Adamax", {{"weight_decay", MakeAttr(-1.0)}})),
      code, "optimizer 'Adamax': weight_decay must be >= 0, got -1");
}

}  // namespace
}  // namespace nabla
