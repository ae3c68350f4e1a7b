// Tensor expectations and thread-count control for op tests.
#ifndef NABLA_TESTS_OP_TEST_UTIL_H_
#define NABLA_TESTS_OP_TEST_UTIL_H_

#include <cstring>
#include <vector>

#include "core/tensor.h"
#include "gtest/gtest.h"
#include "tbb/task_arena.h"

namespace nabla {

// Expects `t` to have `shape` and, elementwise, `values` within `tol`.
inline void ExpectTensorNear(const Tensor& t, const Shape& shape,
                             const std::vector<double>& values,
                             double tol = 1e-12) {
  ASSERT_EQ(t.shape(), shape)
      << t.shape().ToString() << " vs " << shape.ToString();
  ASSERT_EQ(t.num_elements(), static_cast<int64_t>(values.size()));
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    EXPECT_NEAR(t.ValueAt(i), values[i], tol) << "element " << i;
  }
}

// Expects the same dtype, shape and bytes.
inline void ExpectBitIdentical(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.dtype(), b.dtype());
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(std::memcmp(a.raw_data(), b.raw_data(), a.num_bytes()), 0)
      << "tensors of shape " << a.shape().ToString() << " differ";
}

// Runs fn() inside a TBB arena of `threads` threads and returns its result.
template <typename Fn>
auto RunWithThreads(int threads, const Fn& fn) {
  tbb::task_arena arena(threads);
  return arena.execute(fn);
}

}  // namespace nabla

#endif  // NABLA_TESTS_OP_TEST_UTIL_H_
