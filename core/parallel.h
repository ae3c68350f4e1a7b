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
#include "tbb/task_group.h"

namespace nabla {
namespace parallel_internal {

// ThreadSanitizer cannot see the synchronization inside libtbb.so when TBB
// is built without it, as Debian's is: that what a thread did before it
// spawned a task happens before the task runs, and that a task happens
// before the wait for it returns. These two calls tell it so, through the
// address of an object the spawner and the task share; without TSan
// (libstdc++ sets _GLIBCXX_TSAN under it) they are empty.
#if _GLIBCXX_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
inline void HappensBefore(const void* token) {
  __tsan_release(const_cast<void*>(token));
}
inline void HappensAfter(const void* token) {
  __tsan_acquire(const_cast<void*>(token));
}
#else
inline void HappensBefore(const void*) {}
inline void HappensAfter(const void*) {}
#endif

}  // namespace parallel_internal

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
  // The chunks run with the caller's floating-point mode, on whichever
  // thread takes them: the context captures it (TBB gives a task its
  // context's mode), so flushing denormals (core/denormals.h) holds on
  // every thread and results do not depend on the thread count.
  tbb::task_group_context context(tbb::task_group_context::bound,
                                  tbb::task_group_context::default_traits |
                                      tbb::task_group_context::fp_settings);
  const char started = 0, finished = 0;
  parallel_internal::HappensBefore(&started);
  tbb::parallel_for(
      tbb::blocked_range<int64_t>(0, chunks, 1),
      [&](const tbb::blocked_range<int64_t>& range) {
        parallel_internal::HappensAfter(&started);
        for (int64_t c = range.begin(); c < range.end(); ++c) {
          fn(c * grain, std::min(n, (c + 1) * grain));
        }
        parallel_internal::HappensBefore(&finished);
      },
      tbb::simple_partitioner(), context);
  parallel_internal::HappensAfter(&finished);
}

// A grain that gives each chunk about `work_per_chunk` units of work when
// each element costs `work_per_element`: big enough that scheduling costs
// little next to the arithmetic.
inline int64_t GrainFor(int64_t work_per_element,
                        int64_t work_per_chunk = 32768) {
  return std::max<int64_t>(
      1, work_per_chunk / std::max<int64_t>(1, work_per_element));
}

}  // namespace nabla

#endif  // NABLA_CORE_PARALLEL_H_
