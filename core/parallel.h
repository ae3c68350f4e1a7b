// Intra-op parallelism with a fixed partition of the work.
//
// ParallelFor cuts [0, n) into chunks of `grain` elements. The cut depends
// only on n and grain, never on the thread count or on scheduling, so a
// kernel that writes each element from one chunk (and sums inside a chunk in
// index order) gives bit-identical results for any thread count. It runs on
// the caller's TBB task_arena: the executor's, sized by the thread setting.
#ifndef NABLA_CORE_PARALLEL_H_
#define NABLA_CORE_PARALLEL_H_

#include <algorithm>
#include <cstdint>

#include "tbb/blocked_range.h"
#include "tbb/parallel_for.h"
#include "tbb/partitioner.h"
#include "tbb/task_arena.h"

namespace nabla {

// Calls fn(begin, end) for each chunk of [0, n). Chunks may run in any order
// and at the same time.
template <typename Fn>
void ParallelFor(int64_t n, int64_t grain, const Fn& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int64_t chunks = (n + grain - 1) / grain;
  if (chunks == 1 || tbb::this_task_arena::max_concurrency() == 1) {
    for (int64_t c = 0; c < chunks; ++c) {
      fn(c * grain, std::min(n, (c + 1) * grain));
    }
    return;
  }
  tbb::parallel_for(
      tbb::blocked_range<int64_t>(0, chunks, 1),
      [&](const tbb::blocked_range<int64_t>& range) {
        for (int64_t c = range.begin(); c < range.end(); ++c) {
          fn(c * grain, std::min(n, (c + 1) * grain));
        }
      },
      tbb::simple_partitioner());
}

// A grain that gives each chunk about `work_per_chunk` units of work when
// each element costs `work_per_element`: big enough that scheduling costs
// little next to the arithmetic.
inline int64_t GrainFor(int64_t work_per_element,
                        int64_t work_per_chunk = 32768) {
  return std::max<int64_t>(1, work_per_chunk / std::max<int64_t>(1, work_per_element));
}

}  // namespace nabla

#endif  // NABLA_CORE_PARALLEL_H_
