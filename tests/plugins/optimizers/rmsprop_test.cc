// RMSProp against the published rule as PyTorch's torch.optim.RMSprop
// writes it (rho is its alpha), plain, centered and with momentum.
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

struct RmsPropSettings {
  double rho = 0.99;
  double epsilon = 1e-8;
  double momentum = 0;
  bool centered = false;
  double weight_decay = 0;
};

// s <- rho s + (1 - rho) g^2; a <- rho a + (1 - rho) g (centered);
// d = sqrt(s - a^2) + eps or sqrt(s) + eps; b <- mu b + g / d, w -= lr b
// (momentum) or w -= lr g / d. Slots: s, then a, then b.
ReferenceRule RmsPropReference(RmsPropSettings p) {
  return [=](int64_t, double lr, double g, ElementState& e) {
    g += p.weight_decay * e.w;
    double& s = e.slots[0];
    s = p.rho * s + (1 - p.rho) * g * g;
    double d = std::sqrt(s) + p.epsilon;
    if (p.centered) {
      double& a = e.slots[1];
      a = p.rho * a + (1 - p.rho) * g;
      d = std::sqrt(s - a * a) + p.epsilon;
    }
    if (p.momentum > 0) {
      double& b = e.slots[p.centered ? 2 : 1];
      b = p.momentum * b + g / d;
      e.w -= lr * b;
    } else {
      e.w -= lr * g / d;
    }
  };
}

TEST(RmsPropTest, Defaults) {
  ExpectMatchesReference(Config("RMSProp", {}), RmsPropReference({}),
                         {"mean_square"});
  ASSERT_OK_AND_ASSIGN(MadeOptimizer made,
                       MakeOptimizer(Config("RMSProp", {})));
  EXPECT_EQ(made.learning_rate, 0.01);
}

TEST(RmsPropTest, Centered) {
  ExpectMatchesReference(
      Config("RMSProp", {{"rho", MakeAttr(0.5)}, {"centered", MakeAttr(true)}}),
      RmsPropReference({.rho = 0.5, .centered = true}),
      {"mean_square", "mean_gradient"});
}

TEST(RmsPropTest, Momentum) {
  ExpectMatchesReference(Config("RMSProp", {{"momentum", MakeAttr(0.9)},
                                            {"epsilon", MakeAttr(1e-3)}}),
                         RmsPropReference({.epsilon = 1e-3, .momentum = 0.9}),
                         {"mean_square", "momentum"});
}

TEST(RmsPropTest, CenteredMomentumAndWeightDecay) {
  ExpectMatchesReference(Config("RMSProp", {{"rho", MakeAttr(0.75)},
                                            {"momentum", MakeAttr(0.5)},
                                            {"centered", MakeAttr(true)},
                                            {"weight_decay", MakeAttr(0.1)}}),
                         RmsPropReference({.rho = 0.75,
                                           .momentum = 0.5,
                                           .centered = true,
                                           .weight_decay = 0.1}),
                         {"mean_square", "mean_gradient", "momentum"});
}

TEST(RmsPropTest, RefusesBadSettings) {
  const auto code = absl::StatusCode::kInvalidArgument;
  EXPECT_STATUS(MakeUpdateRule(Config("RMSProp", {{"rho", MakeAttr(1.0)}})),
                code, "optimizer 'RMSProp': rho must be in [0, 1), got 1");
  EXPECT_STATUS(MakeUpdateRule(Config("RMSProp", {{"rho", MakeAttr(-0.5)}})),
                code, "optimizer 'RMSProp': rho must be in [0, 1), got -0.5");
  EXPECT_STATUS(
      MakeUpdateRule(Config("RMSProp", {{"epsilon", MakeAttr(-1.0)}})), code,
      "optimizer 'RMSProp': epsilon must be > 0, got -1");
  EXPECT_STATUS(
      MakeUpdateRule(Config("RMSProp", {{"momentum", MakeAttr(-0.9)}})), code,
      "optimizer 'RMSProp': momentum must be >= 0, got -0.9");
  EXPECT_STATUS(
      MakeUpdateRule(Config("RMSProp", {{"weight_decay", MakeAttr(-1.0)}})),
      code, "optimizer 'RMSProp': weight_decay must be >= 0, got -1");
}

}  // namespace
}  // namespace nabla
