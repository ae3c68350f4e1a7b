// The public registry listing holds every kind of built-in entry.
#include "nabla/registry.h"

#include <algorithm>

#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

const RegistryEntry* Find(const std::vector<RegistryEntry>& entries,
                          const std::string& kind, const std::string& name) {
  for (const RegistryEntry& entry : entries) {
    if (entry.kind == kind && entry.name == name) return &entry;
  }
  return nullptr;
}

TEST(RegistryTest, ListsEveryKindOfBuiltInEntry) {
  const std::vector<RegistryEntry> entries = ListRegistry();
  const RegistryEntry* sigmoid = Find(entries, "activation", "Sigmoid");
  ASSERT_NE(sigmoid, nullptr);
  EXPECT_EQ(sigmoid->signature, "Sigmoid(x) -> (y)");
  EXPECT_EQ(sigmoid->origin, "built in");
  const RegistryEntry* matmul = Find(entries, "op", "MatMul");
  ASSERT_NE(matmul, nullptr);
  EXPECT_EQ(matmul->settings, "transpose_a=false, transpose_b=false");
  EXPECT_NE(Find(entries, "loss", "MeanSquaredError"), nullptr);
  EXPECT_NE(Find(entries, "layer", "Dense"), nullptr);
  EXPECT_NE(Find(entries, "optimizer", "SGD"), nullptr);
  EXPECT_NE(Find(entries, "schedule", "cosine_restarts"), nullptr);
  EXPECT_NE(Find(entries, "data source", "csv"), nullptr);
  const std::string listing = DescribeRegistry();
  EXPECT_NE(listing.find("activations:\n  ELU(x) -> (y)  alpha=1  [built in]"),
            std::string::npos)
      << listing;
}

TEST(RegistryTest, PluginErrorsNameTheLibrary) {
  EXPECT_STATUS(LoadPlugin("/no/such/libplugin.so"),
                absl::StatusCode::kNotFound, "/no/such/libplugin.so");
}

}  // namespace
}  // namespace nabla
