#include "core/api/tensor_values.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"

namespace nabla {

Values ToValues(const Tensor& tensor) {
  const Shape& shape = tensor.shape();
  std::vector<int64_t> dims(shape.rank());
  for (int d = 0; d < shape.rank(); ++d) dims[d] = shape.dim(d);
  return Values(std::move(dims), tensor.ToDoubles());
}

[[nodiscard]] absl::StatusOr<Tensor> ToTensor(const Values& values, DType dtype,
                                              absl::string_view what) {
  for (int64_t dim : values.shape) {
    if (dim < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": shape ", values.ShapeString(), " has a negative dimension"));
    }
  }
  const Shape shape(values.shape);
  NABLA_RETURN_IF_ERROR(CheckTensorSize(shape, what));
  if (static_cast<int64_t>(values.data.size()) != shape.num_elements()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": shape ", values.ShapeString(), " holds ", shape.num_elements(),
        " values, but ", values.data.size(), " are given"));
  }
  if (dtype == DType::kFloat32) {
    constexpr double kMax = std::numeric_limits<float>::max();
    for (size_t i = 0; i < values.data.size(); ++i) {
      const double v = values.data[i];
      if (std::isfinite(v) && std::abs(v) > kMax) {
        return absl::InvalidArgumentError(absl::StrCat(
            what, ": value ", i, " (", v, ") is out of the range of float32"));
      }
    }
  }
  return Tensor::FromValues(dtype, shape, values.data);
}

[[nodiscard]] absl::Status MakeFeeds(const Graph& graph,
                                     const Normalizer& normalizer,
                                     const std::vector<NamedValues>& feeds,
                                     std::vector<Tensor>* tensors,
                                     std::vector<Feed>* out) {
  tensors->clear();
  tensors->reserve(feeds.size());
  out->clear();
  for (const NamedValues& feed : feeds) {
    const std::string what = absl::StrCat("feed '", feed.name, "'");
    auto node = graph.FindNode(feed.name);
    if (!node.ok()) {
      return absl::Status(node.status().code(),
                          absl::StrCat(what, ": ", node.status().message()));
    }
    if (graph.node(*node).op->role() != OpRole::kPlaceholder) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": ", graph.Describe(*node), " is not a Placeholder"));
    }
    NABLA_ASSIGN_OR_RETURN(
        Tensor tensor,
        ToTensor(feed.values, graph.node(*node).output_dtypes[0], what));
    NABLA_RETURN_IF_ERROR(normalizer.Apply(feed.name, tensor));
    tensors->push_back(std::move(tensor));
  }
  // Named by the graph's own strings: `feeds` may be a temporary.
  for (size_t i = 0; i < feeds.size(); ++i) {
    out->push_back(
        {graph.node(*graph.FindNode(feeds[i].name)).name, &(*tensors)[i]});
  }
  return absl::OkStatus();
}

}  // namespace nabla
