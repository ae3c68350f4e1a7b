// Where a plan's buffers live in its one arena.
//
// Each buffer is alive from the first step that touches it to the last
// (both inclusive, in the order the plan lists its steps). Buffers alive
// at the same time get disjoint bytes; the others may share. The planner
// adds the dependencies that keep a shared buffer's users in order when
// steps run in parallel (core/plan.cc).
#ifndef NABLA_CORE_BUFFER_LAYOUT_H_
#define NABLA_CORE_BUFFER_LAYOUT_H_

#include <cstddef>
#include <vector>

#include "absl/types/span.h"

namespace nabla {

struct BufferLifetime {
  size_t bytes = 0;
  // Steps, in plan order; a buffer set before the run starts at
  // kBeforeRun, one read after it ends at kAfterRun.
  int first = 0;
  int last = 0;
};

inline constexpr int kBeforeRun = -1;
inline constexpr int kAfterRun = 1 << 30;

struct BufferLayout {
  // Per buffer, in the order given; multiples of kBufferAlignment.
  std::vector<size_t> offsets;
  // The arena that holds them all.
  size_t arena_bytes = 0;
};

// Every offset, and so every buffer, starts on this boundary: kernels see
// the same alignment as in tensors of their own (Tensor::kAlignment), so
// the SIMD paths they take, and their results, do not depend on where a
// buffer was placed.
inline constexpr size_t kBufferAlignment = 64;

// With `share`, buffers whose lifetimes overlap get disjoint bytes and the
// others may share, placed greedily: the largest first (equal sizes in
// order of first use), each into the smallest gap that fits among those it
// overlaps in time (ties to the lowest offset). Deterministic: the same
// lifetimes give the same layout. Without `share`, each buffer gets bytes of
// its own.
BufferLayout LayOutBuffers(absl::Span<const BufferLifetime> buffers,
                           bool share);

// True when two lifetimes have a step in common.
inline bool LifetimesOverlap(const BufferLifetime& a, const BufferLifetime& b) {
  return a.first <= b.last && b.first <= a.last;
}

}  // namespace nabla

#endif  // NABLA_CORE_BUFFER_LAYOUT_H_
