// Conversions between the public Values and nabla's Tensors, and the
// feeds an app gives a Model: checked, converted to the placeholders'
// dtypes and normalised.
#ifndef NABLA_CORE_API_TENSOR_VALUES_H_
#define NABLA_CORE_API_TENSOR_VALUES_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/graph.h"
#include "core/normalization.h"
#include "core/session.h"
#include "core/tensor.h"
#include "nabla/values.h"

namespace nabla {

Values ToValues(const Tensor& tensor);

// `values` as a tensor of `dtype`. InvalidArgument naming `what` when a
// dimension is negative, the size is too large, the number of values does
// not match the shape, or a value does not fit in float32.
[[nodiscard]] absl::StatusOr<Tensor> ToTensor(const Values& values, DType dtype,
                                              absl::string_view what);

// Tensors for `feeds` (each naming a Placeholder of `graph`), normalised
// as `normalizer` says, and the Feeds that point at them; `tensors` must
// outlive `out`.
[[nodiscard]] absl::Status MakeFeeds(const Graph& graph,
                                     const Normalizer& normalizer,
                                     const std::vector<NamedValues>& feeds,
                                     std::vector<Tensor>* tensors,
                                     std::vector<Feed>* out);

}  // namespace nabla

#endif  // NABLA_CORE_API_TENSOR_VALUES_H_
