// Indices held in floating-point tensors (nabla's tensors are float32 or
// float64): OneHot's and Gather's index inputs, checked when read.
#ifndef NABLA_OPS_INDEX_VALUES_H_
#define NABLA_OPS_INDEX_VALUES_H_

#include <cmath>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/bad_value.h"
#include "core/tensor.h"

namespace nabla {

// indices[i] as an index into a dimension of `size`, with negative values
// counting from the end when `negative_from_end`; InvalidArgument naming
// element i when it is not an integer in range (an InputValueError of
// input `input`, the kernel's input that holds the indices).
template <typename T>
[[nodiscard]] absl::Status ReadIndex(int input, const T* indices, int64_t i,
                                     int64_t size, bool negative_from_end,
                                     int64_t* index) {
  const T v = indices[i];
  const double lowest = negative_from_end ? -static_cast<double>(size) : 0;
  if (!(v >= lowest && v < static_cast<double>(size)) || std::trunc(v) != v) {
    return InputValueError(
        input, i,
        absl::StrCat("index ", v, " at element ", i,
                     " of the indices is not an integer in [", lowest, ", ",
                     size, ")"));
  }
  *index = static_cast<int64_t>(v);
  if (*index < 0) *index += size;
  return absl::OkStatus();
}

}  // namespace nabla

#endif  // NABLA_OPS_INDEX_VALUES_H_
