// ops/kernel_isa: the choice of kernel set from NABLA_KERNELS. The BUILD
// runs this test three times: without the variable (the best set this CPU
// runs), with it naming a set (EXPECTED_KERNELS), and with a name that is
// no set (EXPECTED_ERROR, and the best set used anyway).
#include "ops/kernel_isa.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace nabla {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

TEST(KernelIsaTest, PortableIsAlwaysSupportedAndListedFirst) {
  const std::vector<KernelIsa> supported = SupportedKernelIsas();
  ASSERT_FALSE(supported.empty());
  EXPECT_EQ(supported.front(), KernelIsa::kPortable);
}

TEST(KernelIsaTest, NoForcedSetChoosesTheBest) {
  absl::StatusOr<KernelIsa> chosen = ChooseKernelIsa("");
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  EXPECT_EQ(*chosen, SupportedKernelIsas().back());
}

TEST(KernelIsaTest, EverySupportedSetCanBeForcedByName) {
  for (KernelIsa isa : SupportedKernelIsas()) {
    absl::StatusOr<KernelIsa> chosen = ChooseKernelIsa(KernelIsaName(isa));
    ASSERT_TRUE(chosen.ok()) << chosen.status();
    EXPECT_EQ(*chosen, isa);
  }
}

TEST(KernelIsaTest, UnknownNameIsRefusedWithTheChoices) {
  absl::StatusOr<KernelIsa> chosen = ChooseKernelIsa("AVX2");
  ASSERT_FALSE(chosen.ok());
  EXPECT_EQ(chosen.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(chosen.status().message())
                .rfind("NABLA_KERNELS=AVX2: not a kernel set (portable, avx2, "
                       "avx512); this CPU runs portable",
                       0),
            0u)
      << chosen.status();
}

TEST(KernelIsaTest, SetThisCpuLacksIsRefused) {
  const std::vector<KernelIsa> supported = SupportedKernelIsas();
  for (KernelIsa isa : {KernelIsa::kAvx2, KernelIsa::kAvx512}) {
    if (std::find(supported.begin(), supported.end(), isa) != supported.end()) {
      continue;
    }
    absl::StatusOr<KernelIsa> chosen = ChooseKernelIsa(KernelIsaName(isa));
    ASSERT_FALSE(chosen.ok());
    EXPECT_NE(std::string(chosen.status().message())
                  .find(": this CPU does not run those kernels"),
              std::string::npos)
        << chosen.status();
  }
}

TEST(KernelIsaTest, ActiveSetFollowsTheEnvironment) {
  const std::string expected = Env("EXPECTED_KERNELS");
  const std::string error = Env("EXPECTED_ERROR");
  std::printf("NABLA_KERNELS='%s': active set %s\n",
              Env("NABLA_KERNELS").c_str(),
              std::string(KernelIsaName(ActiveKernelIsa())).c_str());
  if (!error.empty()) {
    EXPECT_EQ(std::string(KernelIsaStatus().message()).rfind(error, 0), 0u)
        << KernelIsaStatus();
    EXPECT_EQ(ActiveKernelIsa(), SupportedKernelIsas().back());
  } else if (!expected.empty()) {
    EXPECT_TRUE(KernelIsaStatus().ok()) << KernelIsaStatus();
    EXPECT_EQ(KernelIsaName(ActiveKernelIsa()), expected);
  } else {
    ASSERT_EQ(Env("NABLA_KERNELS"), "");
    EXPECT_TRUE(KernelIsaStatus().ok()) << KernelIsaStatus();
    EXPECT_EQ(ActiveKernelIsa(), SupportedKernelIsas().back());
  }
}

TEST(KernelIsaTest, CpuDescriptionNamesTheExtensions) {
  const std::string description = CpuDescription();
  EXPECT_NE(description.find(" ("), std::string::npos) << description;
#if defined(__x86_64__)
  EXPECT_NE(description.find("sse2"), std::string::npos) << description;
#endif
}

}  // namespace
}  // namespace nabla
