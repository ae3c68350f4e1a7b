// Every activation is registered (a dropped file in BUILD or a lost
// alwayslink fails here), as an activation, with a one-line doc.
#include <string>
#include <vector>

#include "core/op_registry.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(ActivationsRegistryTest, HoldsEveryActivation) {
  const std::vector<std::string> expected = {
      "Sigmoid", "Tanh",     "ReLU",        "LeakyReLU", "ELU",
      "SELU",    "Softplus", "Softsign",    "GELU",      "Swish",
      "SiLU",    "Mish",     "HardSigmoid", "Softmax",   "LogSoftmax"};
  for (const std::string& name : expected) {
    auto def = OpRegistry::Global().Find(name);
    ASSERT_OK(def);
    EXPECT_EQ((*def)->name(), name);
    EXPECT_OK((*def)->Validate());
    EXPECT_EQ((*def)->category(), OpCategory::kActivation) << name;
    EXPECT_TRUE((*def)->has_gradient()) << name;
    EXPECT_FALSE((*def)->doc().empty()) << name;
    EXPECT_EQ((*def)->doc().find('\n'), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace nabla
