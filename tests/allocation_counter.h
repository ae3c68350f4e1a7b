// Counts heap allocations for tests that a steady-state step makes none.
//
//   const long before = AllocationCount();
//   session->TrainStep(feeds);
//   EXPECT_EQ(AllocationCount() - before, 0);
//
// Linking //tests:allocation_counter interposes malloc, calloc and realloc
// over glibc's, so operator new, TBB and Abseil are all counted. Under
// AddressSanitizer or ThreadSanitizer it counts through the sanitizer's
// allocation hook instead.
#ifndef NABLA_TESTS_ALLOCATION_COUNTER_H_
#define NABLA_TESTS_ALLOCATION_COUNTER_H_

namespace nabla {

// Allocations made by the whole process so far.
long AllocationCount();

}  // namespace nabla

#endif  // NABLA_TESTS_ALLOCATION_COUNTER_H_
