// LayOutBuffers: aligned offsets, buffers alive at the same step never
// overlap in bytes, buffers with disjoint lifetimes share, and the arena's
// size on examples counted by hand.
#include "core/buffer_layout.h"

#include <algorithm>
#include <cstddef>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace nabla {
namespace {

size_t Aligned(size_t bytes) {
  return (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
}

// Checks what every layout must hold: aligned offsets, every buffer inside
// the arena, and no two buffers alive at one step sharing a byte.
void ExpectValidLayout(const std::vector<BufferLifetime>& buffers,
                       const BufferLayout& layout) {
  ASSERT_EQ(layout.offsets.size(), buffers.size());
  for (size_t i = 0; i < buffers.size(); ++i) {
    EXPECT_EQ(layout.offsets[i] % kBufferAlignment, 0) << "buffer " << i;
    EXPECT_LE(layout.offsets[i] + buffers[i].bytes, layout.arena_bytes)
        << "buffer " << i;
  }
  for (size_t a = 0; a < buffers.size(); ++a) {
    for (size_t b = a + 1; b < buffers.size(); ++b) {
      if (buffers[a].bytes == 0 || buffers[b].bytes == 0) continue;
      if (!LifetimesOverlap(buffers[a], buffers[b])) continue;
      const size_t a_begin = layout.offsets[a], b_begin = layout.offsets[b];
      const bool disjoint = a_begin + buffers[a].bytes <= b_begin ||
                            b_begin + buffers[b].bytes <= a_begin;
      EXPECT_TRUE(disjoint)
          << "buffers " << a << " [" << buffers[a].first << ", "
          << buffers[a].last << "] and " << b << " [" << buffers[b].first
          << ", " << buffers[b].last << "] are alive together at offsets "
          << a_begin << " and " << b_begin;
    }
  }
}

TEST(LifetimesOverlapTest, SharingAStepIsOverlapping) {
  EXPECT_TRUE(LifetimesOverlap({8, 0, 2}, {8, 2, 5}));  // both at step 2
  EXPECT_TRUE(LifetimesOverlap({8, 0, 9}, {8, 3, 4}));  // one inside
  EXPECT_FALSE(LifetimesOverlap({8, 0, 2}, {8, 3, 5}));
  EXPECT_FALSE(LifetimesOverlap({8, 3, 5}, {8, 0, 2}));
  EXPECT_TRUE(LifetimesOverlap({8, kBeforeRun, kAfterRun}, {8, 4, 4}));
}

TEST(LayOutBuffersTest, NoBuffersNoArena) {
  const BufferLayout layout = LayOutBuffers({}, true);
  EXPECT_TRUE(layout.offsets.empty());
  EXPECT_EQ(layout.arena_bytes, 0);
}

TEST(LayOutBuffersTest, OffsetsAreMultiplesOfTheAlignment) {
  // Sizes that are not multiples of 64, all alive together.
  const std::vector<BufferLifetime> buffers = {
      {1, 0, 3}, {65, 0, 3}, {100, 1, 2}, {3, 0, 3}, {128, 2, 3}};
  for (bool share : {true, false}) {
    SCOPED_TRACE(share ? "shared" : "unshared");
    const BufferLayout layout = LayOutBuffers(buffers, share);
    ExpectValidLayout(buffers, layout);
    // All five are alive at step 2: 64 + 128 + 128 + 64 + 128.
    EXPECT_EQ(layout.arena_bytes, 512);
  }
}

TEST(LayOutBuffersTest, DisjointLifetimesShareOneBuffer) {
  const std::vector<BufferLifetime> buffers = {
      {256, 0, 1}, {256, 2, 3}, {200, 4, 4}, {256, 5, kAfterRun}};
  const BufferLayout layout = LayOutBuffers(buffers, true);
  ExpectValidLayout(buffers, layout);
  EXPECT_EQ(layout.offsets, (std::vector<size_t>{0, 0, 0, 0}));
  EXPECT_EQ(layout.arena_bytes, 256);
}

TEST(LayOutBuffersTest, OverlappingLifetimesDoNotShare) {
  // Each overlaps the next at one step.
  const std::vector<BufferLifetime> buffers = {
      {128, kBeforeRun, 1}, {128, 1, 3}, {128, 3, kAfterRun}};
  const BufferLayout layout = LayOutBuffers(buffers, true);
  ExpectValidLayout(buffers, layout);
  EXPECT_NE(layout.offsets[0], layout.offsets[1]);
  EXPECT_NE(layout.offsets[1], layout.offsets[2]);
  // The first and the last never meet: two buffers' worth suffices.
  EXPECT_EQ(layout.offsets[0], layout.offsets[2]);
  EXPECT_EQ(layout.arena_bytes, 256);
}

TEST(LayOutBuffersTest, WithoutSharingEachBufferHasItsOwnBytes) {
  const std::vector<BufferLifetime> buffers = {
      {256, 0, 1}, {10, 2, 3}, {64, 4, 4}, {65, 5, 6}};
  const BufferLayout layout = LayOutBuffers(buffers, false);
  ExpectValidLayout(buffers, layout);
  // In the order given, each after the aligned size of the one before:
  // 256, 64, 64, 128.
  EXPECT_EQ(layout.offsets, (std::vector<size_t>{0, 256, 320, 384}));
  EXPECT_EQ(layout.arena_bytes, 256 + 64 + 64 + 128);
  size_t sum = 0;
  for (const BufferLifetime& b : buffers) sum += Aligned(b.bytes);
  EXPECT_EQ(layout.arena_bytes, sum);
}

TEST(LayOutBuffersTest, EqualSizesNeedTheMostAliveAtOnce) {
  // Eight buffers of 100 bytes (128 aligned) over steps 0..9:
  //
  //   step   0 1 2 3 4 5 6 7 8 9
  //   b0     x x x
  //   b1       x x x x
  //   b2         x
  //   b3           x x x x x x
  //   b4             x x
  //   b5               x x x x
  //   b6                     x x
  //   b7     x
  //
  // Alive at once: step 0: b0 b7 (2); 1: b0 b1 (2); 2: b0 b1 b2 (3);
  // 3: b1 b3 (2); 4: b1 b3 b4 (3); 5: b3 b4 b5 (3); 6, 7: b3 b5 (2);
  // 8: b3 b5 b6 (3); 9: b6 (1). At most 3, so 3 * 128 bytes.
  const std::vector<BufferLifetime> buffers = {
      {100, 0, 2}, {100, 1, 4}, {100, 2, 2}, {100, 3, 8},
      {100, 4, 5}, {100, 5, 8}, {100, 8, 9}, {100, 0, 0}};
  const BufferLayout layout = LayOutBuffers(buffers, true);
  ExpectValidLayout(buffers, layout);
  EXPECT_EQ(layout.arena_bytes, 3 * 128);
  EXPECT_EQ(LayOutBuffers(buffers, false).arena_bytes, 8 * 128);
}

TEST(LayOutBuffersTest, ABufferFillsAGapLeftByOneThatDied) {
  // a, b and c (256 bytes each) are placed in that order at 0, 256, 512.
  // b dies at step 4; d (128 bytes, from step 5) fits in its gap between
  // a and c instead of going on top.
  const std::vector<BufferLifetime> buffers = {
      {256, 0, 9}, {256, 0, 4}, {256, 0, 9}, {128, 5, 9}};
  const BufferLayout layout = LayOutBuffers(buffers, true);
  ExpectValidLayout(buffers, layout);
  EXPECT_EQ(layout.offsets, (std::vector<size_t>{0, 256, 512, 256}));
  EXPECT_EQ(layout.arena_bytes, 3 * 256);
}

TEST(LayOutBuffersTest, ABufferTakesTheSmallestGapThatFits) {
  // Largest first, then by first use: a at 0, b at 256, c at 512 (256
  // bytes each), d at 768 and e at 896 (128 each), all alive at step 1.
  // b and d are dead by step 5, leaving gaps of 256 and 128 bytes; f (64
  // bytes, from step 5) fits both and takes the smaller, d's.
  const std::vector<BufferLifetime> buffers = {{256, 0, 9}, {256, 0, 4},
                                               {256, 0, 9}, {128, 0, 4},
                                               {128, 1, 9}, {64, 5, 9}};
  const BufferLayout layout = LayOutBuffers(buffers, true);
  ExpectValidLayout(buffers, layout);
  EXPECT_EQ(layout.offsets, (std::vector<size_t>{0, 256, 512, 768, 896, 768}));
  EXPECT_EQ(layout.arena_bytes, 1024);
}

TEST(LayOutBuffersTest, ZeroByteBuffersTakeNoRoom) {
  const std::vector<BufferLifetime> buffers = {
      {0, 0, 5}, {64, 0, 5}, {0, 2, 3}};
  const BufferLayout layout = LayOutBuffers(buffers, true);
  ExpectValidLayout(buffers, layout);
  EXPECT_EQ(layout.arena_bytes, 64);
}

std::vector<BufferLifetime> RandomLifetimes(std::mt19937& rng, int count,
                                            int steps) {
  std::vector<BufferLifetime> buffers;
  for (int i = 0; i < count; ++i) {
    const int a = static_cast<int>(rng() % (steps + 2)) - 1;
    const int b = static_cast<int>(rng() % (steps + 2)) - 1;
    BufferLifetime life;
    life.first = std::min(a, b) < 0 ? kBeforeRun : std::min(a, b);
    life.last = std::max(a, b) >= steps ? kAfterRun : std::max(a, b);
    // Mostly small, sometimes large, sometimes of equal sizes.
    switch (rng() % 4) {
      case 0:
        life.bytes = 64 * (1 + rng() % 4);
        break;
      case 1:
        life.bytes = 1 + rng() % 5000;
        break;
      case 2:
        life.bytes = 1 + rng() % 100;
        break;
      default:
        life.bytes = 4096;
        break;
    }
    buffers.push_back(life);
  }
  return buffers;
}

// The most bytes alive at one step: no layout can use less.
size_t PeakAliveBytes(const std::vector<BufferLifetime>& buffers, int steps) {
  size_t peak = 0;
  for (int step : {kBeforeRun, kAfterRun}) {
    size_t alive = 0;
    for (const BufferLifetime& b : buffers) {
      if (b.first <= step && step <= b.last) alive += Aligned(b.bytes);
    }
    peak = std::max(peak, alive);
  }
  for (int step = 0; step < steps; ++step) {
    size_t alive = 0;
    for (const BufferLifetime& b : buffers) {
      if (b.first <= step && step <= b.last) alive += Aligned(b.bytes);
    }
    peak = std::max(peak, alive);
  }
  return peak;
}

TEST(LayOutBuffersTest, RandomLifetimesNeverOverlapWhileAlive) {
  std::mt19937 rng(20240601);
  for (int trial = 0; trial < 300; ++trial) {
    SCOPED_TRACE(absl::StrCat("trial ", trial));
    const int steps = 1 + static_cast<int>(rng() % 60);
    const int count = 1 + static_cast<int>(rng() % 120);
    const std::vector<BufferLifetime> buffers =
        RandomLifetimes(rng, count, steps);
    const BufferLayout shared = LayOutBuffers(buffers, true);
    ExpectValidLayout(buffers, shared);
    const BufferLayout unshared = LayOutBuffers(buffers, false);
    ExpectValidLayout(buffers, unshared);
    // Sharing never costs more than not sharing, and no layout beats the
    // bytes alive at the busiest step.
    EXPECT_LE(shared.arena_bytes, unshared.arena_bytes);
    EXPECT_GE(shared.arena_bytes, PeakAliveBytes(buffers, steps));
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(LayOutBuffersTest, RandomEqualSizesNeedExactlyTheMostAliveAtOnce) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    SCOPED_TRACE(absl::StrCat("trial ", trial));
    const int steps = 1 + static_cast<int>(rng() % 40);
    std::vector<BufferLifetime> buffers =
        RandomLifetimes(rng, 1 + static_cast<int>(rng() % 80), steps);
    for (BufferLifetime& b : buffers) b.bytes = 192;
    const BufferLayout layout = LayOutBuffers(buffers, true);
    ExpectValidLayout(buffers, layout);
    EXPECT_EQ(layout.arena_bytes, PeakAliveBytes(buffers, steps));
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(LayOutBuffersTest, TheSameLifetimesGiveTheSameLayout) {
  std::mt19937 rng(99);
  for (int trial = 0; trial < 20; ++trial) {
    const std::vector<BufferLifetime> buffers = RandomLifetimes(rng, 100, 30);
    const BufferLayout first = LayOutBuffers(buffers, true);
    for (int again = 0; again < 3; ++again) {
      const BufferLayout other = LayOutBuffers(buffers, true);
      EXPECT_EQ(other.offsets, first.offsets);
      EXPECT_EQ(other.arena_bytes, first.arena_bytes);
    }
  }
}

}  // namespace
}  // namespace nabla
