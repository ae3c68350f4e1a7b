// Helpers shared by the loss op tests.
#ifndef NABLA_TESTS_PLUGINS_LOSSES_LOSS_TEST_UTIL_H_
#define NABLA_TESTS_PLUGINS_LOSSES_LOSS_TEST_UTIL_H_

#include <cmath>
#include <vector>

#include "core/attrs.h"
#include "core/gradient_check.h"
#include "core/tensor.h"
#include "gtest/gtest.h"

namespace nabla {

inline Tensor T64(const Shape& shape, const std::vector<double>& values) {
  return Tensor::FromValues(DType::kFloat64, shape, values);
}
inline Tensor T32(const Shape& shape, const std::vector<double>& values) {
  return Tensor::FromValues(DType::kFloat32, shape, values);
}

// The `reduction` and `weight` attributes every loss takes, plus `extra`.
inline AttrMap LossAttrs(const char* reduction, double weight = 1.0,
                         AttrMap extra = {}) {
  extra["reduction"] = MakeAttr(reduction);
  extra["weight"] = MakeAttr(weight);
  return extra;
}

// Expects every element of `t` to be finite.
inline void ExpectAllFinite(const Tensor& t) {
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    EXPECT_TRUE(std::isfinite(t.ValueAt(i)))
        << "element " << i << " is " << t.ValueAt(i);
  }
}

}  // namespace nabla

#endif  // NABLA_TESTS_PLUGINS_LOSSES_LOSS_TEST_UTIL_H_
