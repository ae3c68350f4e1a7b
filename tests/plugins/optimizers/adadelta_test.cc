// AdaDelta against the published rule (Zeiler, 2012) as PyTorch's
// torch.optim.Adadelta writes it, with a learning rate.
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

// s <- rho s + (1 - rho) g^2; d = sqrt(u + eps) / sqrt(s + eps) * g;
// u <- rho u + (1 - rho) d^2; w <- w - lr * d.
ReferenceRule AdaDeltaReference(double rho, double epsilon,
                                double weight_decay) {
  return [=](int64_t, double lr, double g, ElementState& e) {
    double& s = e.slots[0];
    double& u = e.slots[1];
    g += weight_decay * e.w;
    s = rho * s + (1 - rho) * g * g;
    const double d = std::sqrt(u + epsilon) / std::sqrt(s + epsilon) * g;
    u = rho * u + (1 - rho) * d * d;
    e.w -= lr * d;
  };
}

TEST(AdaDeltaTest, Defaults) {
  ExpectMatchesReference(Config("AdaDelta", {}),
                         AdaDeltaReference(0.9, 1e-6, 0),
                         {"mean_square", "mean_square_update"});
  ASSERT_OK_AND_ASSIGN(MadeOptimizer made,
                       MakeOptimizer(Config("AdaDelta", {})));
  EXPECT_EQ(made.learning_rate, 1.0);
}

TEST(AdaDeltaTest, SettingsAndWeightDecay) {
  ExpectMatchesReference(Config("AdaDelta", {{"rho", MakeAttr(0.5)},
                                             {"epsilon", MakeAttr(1e-3)},
                                             {"weight_decay", MakeAttr(0.1)}}),
                         AdaDeltaReference(0.5, 1e-3, 0.1),
                         {"mean_square", "mean_square_update"});
}

TEST(AdaDeltaTest, RefusesBadSettings) {
  const auto code = absl::StatusCode::kInvalidArgument;
  EXPECT_STATUS(MakeUpdateRule(Config("AdaDelta", {{"rho", MakeAttr(1.0)}})),
                code, "optimizer 'AdaDelta': rho must be in [0, 1), got 1");
  EXPECT_STATUS(
      MakeUpdateRule(Config("AdaDelta", {{"epsilon", MakeAttr(0.0)}})), code,
      "optimizer 'AdaDelta': epsilon must be > 0, got 0");
  EXPECT_STATUS(
      MakeUpdateRule(Config("AdaDelta", {{"weight_decay", MakeAttr(-1.0)}})),
      code, "optimizer 'AdaDelta': weight_decay must be >= 0, got -1");
}

}  // namespace
}  // namespace nabla
