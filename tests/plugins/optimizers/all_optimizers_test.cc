// What every built-in optimizer owes the session: it is registered, its
// update does not depend on how ParallelFor's chunks are scheduled, and
// Apply() allocates nothing.
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/optimizer.h"
#include "gtest/gtest.h"
#include "tbb/task_arena.h"
#include "tests/allocation_counter.h"
#include "tests/plugins/optimizers/optimizer_test_util.h"

namespace nabla {
namespace {

struct Case {
  std::string label;
  OptimizerConfig config;
};

// Each optimizer with the settings that give it all its slots.
std::vector<Case> AllCases() {
  return {
      {"SGD", Config("SGD", {{"momentum", MakeAttr(0.9)},
                             {"nesterov", MakeAttr(true)},
                             {"weight_decay", MakeAttr(0.01)}})},
      {"Adam", Config("Adam", {{"amsgrad", MakeAttr(true)},
                               {"weight_decay", MakeAttr(0.01)}})},
      {"AdamW", Config("AdamW", {{"amsgrad", MakeAttr(true)}})},
      {"Adamax", Config("Adamax", {{"weight_decay", MakeAttr(0.01)}})},
      {"RMSProp", Config("RMSProp", {{"momentum", MakeAttr(0.9)},
                                     {"centered", MakeAttr(true)},
                                     {"weight_decay", MakeAttr(0.01)}})},
      {"AdaGrad",
       Config("AdaGrad", {{"initial_accumulator_value", MakeAttr(0.1)},
                          {"weight_decay", MakeAttr(0.01)}})},
      {"AdaDelta", Config("AdaDelta", {{"weight_decay", MakeAttr(0.01)}})},
  };
}

TEST(AllOptimizersTest, Registered) {
  const OptimizerRegistry& registry = OptimizerRegistry::Global();
  for (const Case& c : AllCases()) {
    EXPECT_TRUE(registry.Contains(c.config.name())) << c.config.name();
  }
}

class OptimizerTest : public ::testing::TestWithParam<Case> {};

TEST_P(OptimizerTest, SameResultForAnyThreadCount) {
  std::unique_ptr<Optimizer> optimizer = MakeFromConfig(GetParam().config);
  ASSERT_NE(optimizer, nullptr);
  // Large enough that every optimizer's ParallelFor makes many chunks.
  const Scenario scenario = LargeScenario(200003);
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    RunResult serial, parallel;
    tbb::task_arena(1).execute(
        [&] { serial = RunOptimizer(*optimizer, dtype, scenario); });
    tbb::task_arena(4).execute(
        [&] { parallel = RunOptimizer(*optimizer, dtype, scenario); });
    EXPECT_NE(serial.values, scenario.initial) << DTypeName(dtype);
    EXPECT_EQ(serial.values, parallel.values) << DTypeName(dtype);
    EXPECT_EQ(serial.slots, parallel.slots) << DTypeName(dtype);
  }
}

TEST_P(OptimizerTest, ApplyAllocatesNothing) {
  std::unique_ptr<Optimizer> optimizer = MakeFromConfig(GetParam().config);
  ASSERT_NE(optimizer, nullptr);
  const Shape shape = {100000};
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    Tensor value(dtype, shape), grad(dtype, shape);
    std::vector<double> ones(shape.num_elements(), 1.0);
    grad = Tensor::FromValues(dtype, shape, ones);
    std::vector<Tensor> slots;
    for (size_t s = 0; s < optimizer->SlotNames().size(); ++s) {
      slots.emplace_back(dtype, shape);
    }
    std::vector<Tensor*> slot_pointers;
    for (Tensor& slot : slots) slot_pointers.push_back(&slot);
    tbb::task_arena arena(2);
    long allocations = 0;
    arena.execute([&] {
      // The first updates warm up TBB's task pools.
      for (int64_t step = 1; step <= 3; ++step) {
        optimizer->Apply({step, 0.01}, value, grad, slot_pointers);
      }
      const long before = AllocationCount();
      for (int64_t step = 4; step <= 20; ++step) {
        optimizer->Apply({step, 0.01}, value, grad, slot_pointers);
      }
      allocations = AllocationCount() - before;
    });
    EXPECT_EQ(allocations, 0) << DTypeName(dtype);
  }
}

INSTANTIATE_TEST_SUITE_P(All, OptimizerTest, ::testing::ValuesIn(AllCases()),
                         [](const auto& info) { return info.param.label; });

}  // namespace
}  // namespace nabla
