// The main() of the op suites run against plugin libraries: it loads each
// library named on the command line (after GoogleTest's own flags) before
// the tests run, so that the suites of tests/plugins/activations and
// tests/plugins/losses, written for the built-in ops, check the same sources
// built as plugins (//plugins/activations:plugins) in their place.
#include <cstdio>
#include <string>

#include "core/op_registry.h"
#include "core/plugin_loader.h"
#include "core/registry.h"
#include "gtest/gtest.h"

namespace {

// Every activation and loss must come from a library: one linked in would
// make the suites test the built-ins instead.
bool NoBuiltInActivationsOrLosses() {
  bool none = true;
  for (const auto& entry : nabla::OpRegistry::Global().Entries()) {
    const nabla::OpCategory category = entry.def->category();
    if (category != nabla::OpCategory::kOp && entry.origin == nabla::kBuiltIn) {
      std::fprintf(stderr, "%s '%s' is built in: link the suites without it\n",
                   nabla::OpCategoryName(category), entry.def->name().c_str());
      none = false;
    }
  }
  return none;
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  if (!NoBuiltInActivationsOrLosses()) return 1;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s [gtest flags] PLUGIN.so...\n", argv[0]);
    return 1;
  }
  for (int i = 1; i < argc; ++i) {
    const absl::Status loaded = nabla::LoadPlugin(argv[i]);
    if (!loaded.ok()) {
      std::fprintf(stderr, "%s\n", std::string(loaded.message()).c_str());
      return 1;
    }
  }
  return RUN_ALL_TESTS();
}
