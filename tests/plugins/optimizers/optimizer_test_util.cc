#include "tests/plugins/optimizers/optimizer_test_util.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace nabla {

OptimizerConfig Config(absl::string_view name, const Settings& settings) {
  OptimizerConfig config;
  config.set_name(std::string(name));
  for (const auto& [key, value] : settings)
    (*config.mutable_attr())[key] = value;
  return config;
}

std::unique_ptr<Optimizer> MakeFromConfig(const OptimizerConfig& config) {
  auto made = MakeOptimizer(config);
  EXPECT_TRUE(made.ok()) << made.status();
  return made.ok() ? std::move(made->optimizer) : nullptr;
}

Scenario SmallScenario() {
  return {
      .initial = {0.5, -1.25, 2.0, 0.0, -0.75},
      .grads = {{0.25, -0.5, 1.5, -2.0, 0.0},
                {-0.125, -0.75, 1.0, 0.5, 0.375},
                {0.5, 0.25, -1.5, 1.0, -0.0625},
                {0.75, -1.0, 0.125, -0.25, 2.5}},
      .rates = {0.1, 0.05, 0.2, 0.125},
  };
}

Scenario LargeScenario(int64_t n) {
  Scenario s;
  s.rates = SmallScenario().rates;
  for (int64_t i = 0; i < n; ++i) {
    s.initial.push_back(static_cast<double>((i * 37) % 64 - 32) / 16);
  }
  for (size_t k = 0; k < s.rates.size(); ++k) {
    std::vector<double> grad;
    for (int64_t i = 0; i < n; ++i) {
      grad.push_back(static_cast<double>((i * 13 + k * 7) % 64 - 32) / 32);
    }
    s.grads.push_back(std::move(grad));
  }
  return s;
}

RunResult RunOptimizer(const Optimizer& optimizer, DType dtype,
                       const Scenario& scenario) {
  const Shape shape = {static_cast<int64_t>(scenario.initial.size())};
  Tensor value = Tensor::FromValues(dtype, shape, scenario.initial);
  std::vector<Tensor> slots;
  for (size_t s = 0; s < optimizer.SlotNames().size(); ++s) {
    slots.emplace_back(dtype, shape);
  }
  std::vector<Tensor*> slot_pointers;
  for (Tensor& slot : slots) slot_pointers.push_back(&slot);
  for (size_t k = 0; k < scenario.grads.size(); ++k) {
    const Tensor grad = Tensor::FromValues(dtype, shape, scenario.grads[k]);
    const UpdateContext update{static_cast<int64_t>(k + 1), scenario.rates[k]};
    optimizer.Apply(update, value, grad, slot_pointers);
  }
  RunResult result{value.ToDoubles(), {}};
  for (const Tensor& slot : slots) result.slots.push_back(slot.ToDoubles());
  return result;
}

RunResult RunReference(const ReferenceRule& rule, int num_slots,
                       const Scenario& scenario) {
  RunResult result;
  result.slots.assign(num_slots, {});
  for (size_t i = 0; i < scenario.initial.size(); ++i) {
    ElementState e{scenario.initial[i], std::vector<double>(num_slots, 0.0)};
    for (size_t k = 0; k < scenario.grads.size(); ++k) {
      rule(static_cast<int64_t>(k + 1), scenario.rates[k], scenario.grads[k][i],
           e);
    }
    result.values.push_back(e.w);
    for (int s = 0; s < num_slots; ++s) result.slots[s].push_back(e.slots[s]);
  }
  return result;
}

namespace {

void ExpectNear(const std::vector<double>& actual,
                const std::vector<double>& expected, double tolerance,
                absl::string_view what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  int reported = 0;
  for (size_t i = 0; i < actual.size() && reported < 5; ++i) {
    const double bound = tolerance * std::max(1.0, std::abs(expected[i]));
    if (!(std::abs(actual[i] - expected[i]) <= bound)) {
      ADD_FAILURE() << what << "[" << i << "] is " << actual[i] << ", expected "
                    << expected[i] << " within " << bound;
      ++reported;
    }
  }
}

}  // namespace

void ExpectRunsNear(const RunResult& actual, const RunResult& expected,
                    double tolerance) {
  ExpectNear(actual.values, expected.values, tolerance, "value");
  ASSERT_EQ(actual.slots.size(), expected.slots.size());
  for (size_t s = 0; s < actual.slots.size(); ++s) {
    ExpectNear(actual.slots[s], expected.slots[s], tolerance,
               absl::StrCat("slot ", s));
  }
}

void ExpectMatchesReference(const OptimizerConfig& config,
                            const ReferenceRule& rule,
                            const std::vector<std::string>& slot_names) {
  std::unique_ptr<Optimizer> optimizer = MakeFromConfig(config);
  ASSERT_NE(optimizer, nullptr);
  EXPECT_EQ(optimizer->SlotNames(), slot_names);
  const Scenario scenario = SmallScenario();
  const RunResult expected = RunReference(
      rule, static_cast<int>(optimizer->SlotNames().size()), scenario);
  {
    SCOPED_TRACE("float64");
    ExpectRunsNear(RunOptimizer(*optimizer, DType::kFloat64, scenario),
                   expected, 1e-12);
  }
  {
    SCOPED_TRACE("float32");
    ExpectRunsNear(RunOptimizer(*optimizer, DType::kFloat32, scenario),
                   expected, 1e-5);
  }
}

}  // namespace nabla
