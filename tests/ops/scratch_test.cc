// ops/scratch: buffers in use at once are distinct, a buffer handed back is
// handed out again (no allocation once the pool is warm), and a buffer
// grows when asked for more than it has; a kernel's scratch is the
// planned memory when that is large enough, and a buffer of its own
// otherwise.
#include "ops/scratch.h"

#include <cstdint>
#include <cstring>

#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "tests/allocation_counter.h"

namespace nabla {
namespace {

TEST(ScratchBufferTest, BuffersInUseAtOnceAreDistinctAndAligned) {
  ScratchBuffer a(1000), b(1000);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(a.data<char>(), b.data<char>());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data<char>()) % 64, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data<char>()) % 64, 0u);
  // Both whole: writing one leaves the other alone.
  std::memset(a.data<char>(), 1, 1000);
  std::memset(b.data<char>(), 2, 1000);
  EXPECT_EQ(a.data<char>()[999], 1);
}

TEST(ScratchBufferTest, AWarmPoolAllocatesNothing) {
  { ScratchBuffer warm(4096); }
  const long before = AllocationCount();
  for (int i = 0; i < 10; ++i) {
    ScratchBuffer again(4096);
    ASSERT_TRUE(again.ok());
    again.data<char>()[4095] = 1;
  }
  EXPECT_EQ(AllocationCount(), before);
}

TEST(ScratchBufferTest, GrowsWhenAskedForMore) {
  { ScratchBuffer small(16); }
  ScratchBuffer big(1 << 20);
  ASSERT_TRUE(big.ok());
  std::memset(big.data<char>(), 3, 1 << 20);
  EXPECT_EQ(big.data<char>()[(1 << 20) - 1], 3);
}

TEST(KernelScratchTest, UsesThePlannedMemoryWhenItIsLargeEnough) {
  alignas(64) char planned[256];
  { ScratchBuffer warm(4096); }
  const long before = AllocationCount();
  const KernelScratch scratch(absl::Span<char>(planned, 256), 256);
  EXPECT_EQ(AllocationCount(), before);
  ASSERT_TRUE(scratch.ok());
  EXPECT_EQ(scratch.at<char>(0), planned);
  EXPECT_EQ(scratch.at<char>(64), planned + 64);
}

TEST(KernelScratchTest, TakesItsOwnWhenThePlannedMemoryIsTooSmall) {
  alignas(64) char planned[128];
  for (absl::Span<char> given :
       {absl::Span<char>(planned, 128), absl::Span<char>()}) {
    const KernelScratch scratch(given, 4096);
    ASSERT_TRUE(scratch.ok());
    char* data = scratch.at<char>(0);
    EXPECT_TRUE(data < planned || data >= planned + 128);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % 64, 0u);
    std::memset(data, 5, 4096);
    EXPECT_EQ(data[4095], 5);
  }
}

}  // namespace
}  // namespace nabla
