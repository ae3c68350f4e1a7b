// Checking an optimizer from the registry against a scalar reference of its
// published update rule, written in each test in plain double code:
//
//   ReferenceRule sgd = [](int64_t step, double lr, double g,
//                          ElementState& e) { e.w -= lr * g; };
//   ExpectMatchesReference(Config("SGD", {}), sgd, {});
//
// Runs use a few steps with gradients and learning rates that change every
// step, on float64 (tight tolerance) and float32 (loose tolerance), and
// compare the variable and every slot after the last step.
#ifndef NABLA_TESTS_PLUGINS_OPTIMIZERS_OPTIMIZER_TEST_UTIL_H_
#define NABLA_TESTS_PLUGINS_OPTIMIZERS_OPTIMIZER_TEST_UTIL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/optimizer.h"
#include "core/tensor.h"
#include "proto/model.pb.h"

namespace nabla {

// Settings by name, e.g. {{"beta1", MakeAttr(0.5)}}.
using Settings = std::vector<std::pair<std::string, AttrValue>>;

OptimizerConfig Config(absl::string_view name, const Settings& settings);

// The optimizer `config` describes, made by the registry as MakeUpdateRule
// makes it; null (and a test failure) when it is refused.
std::unique_ptr<Optimizer> MakeFromConfig(const OptimizerConfig& config);

// One element in the reference: the variable and its slots, in the
// optimizer's SlotNames() order, all zero-started like the session's.
struct ElementState {
  double w = 0;
  std::vector<double> slots;
};

// One update of one element: 1-based step, learning rate, gradient.
using ReferenceRule =
    std::function<void(int64_t step, double lr, double g, ElementState& e)>;

// Initial values, then one gradient vector and one learning rate per step.
struct Scenario {
  std::vector<double> initial;
  std::vector<std::vector<double>> grads;
  std::vector<double> rates;
};

// 5 elements, 4 steps. Every number is exact in float32, so float32 runs
// differ from the reference by rounding in the arithmetic only.
Scenario SmallScenario();
// `n` elements with the same 4 rates: big enough for ParallelFor to split.
Scenario LargeScenario(int64_t n);

// The variable and each slot after the last step, as doubles.
struct RunResult {
  std::vector<double> values;
  std::vector<std::vector<double>> slots;
};

RunResult RunOptimizer(const Optimizer& optimizer, DType dtype,
                       const Scenario& scenario);
RunResult RunReference(const ReferenceRule& rule, int num_slots,
                       const Scenario& scenario);

// Every value and slot element within tolerance * max(1, |expected|).
void ExpectRunsNear(const RunResult& actual, const RunResult& expected,
                    double tolerance);

// Checks slot names, then the small scenario in float64 (1e-12) and
// float32 (1e-5) against the reference.
void ExpectMatchesReference(const OptimizerConfig& config,
                            const ReferenceRule& rule,
                            const std::vector<std::string>& slot_names);

}  // namespace nabla

#endif  // NABLA_TESTS_PLUGINS_OPTIMIZERS_OPTIMIZER_TEST_UTIL_H_
