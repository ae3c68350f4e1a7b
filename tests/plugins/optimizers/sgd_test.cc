// SGD against PyTorch's torch.optim.SGD rule (dampening 0), with plain,
// heavy-ball and Nesterov momentum and L2 weight decay.
#include <memory>

#include "absl/status/status.h"
#include "core/optimizer.h"
#include "core/update_rule.h"
#include "gtest/gtest.h"
#include "tests/plugins/optimizers/optimizer_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// b <- mu * b + (g + wd * w); d = g + mu * b (nesterov) or b; w <- w - lr * d.
ReferenceRule SgdReference(double momentum, bool nesterov,
                           double weight_decay) {
  return [=](int64_t, double lr, double g, ElementState& e) {
    g += weight_decay * e.w;
    if (momentum > 0) {
      double& b = e.slots[0];
      b = momentum * b + g;
      g = nesterov ? g + momentum * b : b;
    }
    e.w -= lr * g;
  };
}

TEST(SgdTest, PlainByDefault) {
  ExpectMatchesReference(Config("SGD", {}), SgdReference(0, false, 0), {});
  ASSERT_OK_AND_ASSIGN(MadeOptimizer made, MakeOptimizer(Config("SGD", {})));
  EXPECT_EQ(made.learning_rate, 0.01);
}

TEST(SgdTest, Momentum) {
  ExpectMatchesReference(Config("SGD", {{"momentum", MakeAttr(0.9)}}),
                         SgdReference(0.9, false, 0), {"momentum"});
}

TEST(SgdTest, NesterovMomentum) {
  ExpectMatchesReference(Config("SGD", {{"momentum", MakeAttr(0.9)},
                                        {"nesterov", MakeAttr(true)}}),
                         SgdReference(0.9, true, 0), {"momentum"});
}

TEST(SgdTest, WeightDecayWithNesterovMomentum) {
  ExpectMatchesReference(Config("SGD", {{"momentum", MakeAttr(0.5)},
                                        {"nesterov", MakeAttr(true)},
                                        {"weight_decay", MakeAttr(0.1)}}),
                         SgdReference(0.5, true, 0.1), {"momentum"});
}

TEST(SgdTest, WeightDecayWithoutMomentum) {
  ExpectMatchesReference(Config("SGD", {{"weight_decay", MakeAttr(0.25)}}),
                         SgdReference(0, false, 0.25), {});
}

// Two steps by hand: w = 1, gradients 1 then 2, lr 0.1, momentum 0.5.
TEST(SgdTest, MomentumByHand) {
  const Scenario scenario{{1.0}, {{1.0}, {2.0}}, {0.1, 0.1}};
  {
    // b = 1, w = 1 - 0.1 * 1 = 0.9; b = 0.5 * 1 + 2 = 2.5,
    // w = 0.9 - 0.1 * 2.5 = 0.65.
    auto sgd = MakeFromConfig(Config("SGD", {{"momentum", MakeAttr(0.5)}}));
    ASSERT_NE(sgd, nullptr);
    const RunResult run = RunOptimizer(*sgd, DType::kFloat64, scenario);
    EXPECT_DOUBLE_EQ(run.values[0], 0.65);
    EXPECT_DOUBLE_EQ(run.slots[0][0], 2.5);
  }
  {
    // b = 1, d = 1 + 0.5 * 1 = 1.5, w = 1 - 0.15 = 0.85; b = 2.5,
    // d = 2 + 0.5 * 2.5 = 3.25, w = 0.85 - 0.325 = 0.525.
    auto nesterov = MakeFromConfig(Config(
        "SGD", {{"momentum", MakeAttr(0.5)}, {"nesterov", MakeAttr(true)}}));
    ASSERT_NE(nesterov, nullptr);
    const RunResult run = RunOptimizer(*nesterov, DType::kFloat64, scenario);
    EXPECT_DOUBLE_EQ(run.values[0], 0.525);
    EXPECT_DOUBLE_EQ(run.slots[0][0], 2.5);
  }
}

TEST(SgdTest, RefusesBadSettings) {
  const auto code = absl::StatusCode::kInvalidArgument;
  EXPECT_STATUS(MakeUpdateRule(Config("SGD", {{"momentum", MakeAttr(-0.5)}})),
                code, "optimizer 'SGD': momentum must be >= 0, got -0.5");
  EXPECT_STATUS(
      MakeUpdateRule(Config("SGD", {{"momentum", MakeAttr(std::nan(""))}})),
      code, "momentum must be >= 0, got nan");
  EXPECT_STATUS(
      MakeUpdateRule(Config("SGD", {{"weight_decay", MakeAttr(-1.0)}})), code,
      "optimizer 'SGD': weight_decay must be >= 0, got -1");
  EXPECT_STATUS(MakeUpdateRule(Config("SGD", {{"nesterov", MakeAttr(true)}})),
                code, "optimizer 'SGD': nesterov needs momentum > 0");
  EXPECT_STATUS(
      MakeUpdateRule(Config("SGD", {{"learning_rate", MakeAttr(0.0)}})), code,
      "optimizer 'SGD': learning_rate must be a positive number, got 0");
}

}  // namespace
}  // namespace nabla
