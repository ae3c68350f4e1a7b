#include "core/buffer_layout.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace nabla {
namespace {

size_t Aligned(size_t bytes) {
  return (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
}

// The offset for a buffer of `bytes` among `taken` ([begin, end) ranges of
// buffers alive at the same time): the smallest gap that fits, else the
// end of the highest.
size_t BestGap(std::vector<std::pair<size_t, size_t>>& taken, size_t bytes) {
  std::sort(taken.begin(), taken.end());
  size_t best = 0, best_size = 0, cursor = 0;
  bool found = false;
  for (const auto& [begin, end] : taken) {
    if (begin > cursor) {
      const size_t gap = begin - cursor;
      if (gap >= bytes && (!found || gap < best_size)) {
        best = cursor;
        best_size = gap;
        found = true;
      }
    }
    cursor = std::max(cursor, end);
  }
  return found ? best : cursor;
}

}  // namespace

BufferLayout LayOutBuffers(absl::Span<const BufferLifetime> buffers,
                           bool share) {
  BufferLayout layout;
  const size_t n = buffers.size();
  layout.offsets.assign(n, 0);
  if (!share) {
    for (size_t i = 0; i < n; ++i) {
      layout.offsets[i] = layout.arena_bytes;
      layout.arena_bytes += Aligned(buffers[i].bytes);
    }
    return layout;
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  // Largest first; among equal sizes, in order of first use, which for
  // buffers of one size needs no more room than the most alive at once.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const size_t size_a = Aligned(buffers[a].bytes);
    const size_t size_b = Aligned(buffers[b].bytes);
    if (size_a != size_b) return size_a > size_b;
    return buffers[a].first < buffers[b].first;
  });
  std::vector<size_t> placed;
  std::vector<std::pair<size_t, size_t>> taken;
  for (size_t b : order) {
    const size_t bytes = Aligned(buffers[b].bytes);
    taken.clear();
    for (size_t p : placed) {
      if (LifetimesOverlap(buffers[b], buffers[p])) {
        taken.emplace_back(layout.offsets[p],
                           layout.offsets[p] + Aligned(buffers[p].bytes));
      }
    }
    layout.offsets[b] = BestGap(taken, bytes);
    layout.arena_bytes =
        std::max(layout.arena_bytes, layout.offsets[b] + bytes);
    placed.push_back(b);
  }
  return layout;
}

}  // namespace nabla
