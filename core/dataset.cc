#include "core/dataset.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace nabla {

absl::StatusOr<Dataset> Dataset::FromConfig(const Graph& graph,
                                            const DataConfig& config,
                                            absl::string_view source) {
  Dataset data;
  for (const FeedDef& feed : config.feed()) {
    const std::string where =
        absl::StrCat(source, ": data feed for '", feed.placeholder(), "'");
    auto node = graph.FindNode(feed.placeholder());
    if (!node.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", node.status().message()));
    }
    const Node& placeholder = graph.node(*node);
    if (placeholder.op->role() != OpRole::kPlaceholder) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": ", graph.Describe(*node), " is not a Placeholder"));
    }
    const DType dtype = placeholder.output_dtypes[0];
    NABLA_ASSIGN_OR_RETURN(Tensor value,
                           TensorFromProto(feed.tensor(), where, dtype));
    const Shape& declared = placeholder.output_shapes[0];
    const Shape& shape = value.shape();
    if (shape.rank() < 1 || !declared.IsCompatibleWith(shape)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": shape ", shape.ToString(),
                       " does not fit the placeholder's ", declared.ToString(),
                       " (axis 0 counts samples)"));
    }
    if (!data.placeholders_.empty() && shape.dim(0) != data.num_samples_) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", shape.dim(0), " samples, but '",
                       data.placeholders_[0], "' has ", data.num_samples_));
    }
    for (const std::string& seen : data.placeholders_) {
      if (seen == feed.placeholder()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": fed twice"));
      }
    }
    // A feed that names its own dtype is converted once, here.
    if (value.dtype() != dtype) {
      value = Tensor::FromValues(dtype, shape, value.ToDoubles());
    }
    data.num_samples_ = shape.dim(0);
    data.placeholders_.push_back(feed.placeholder());
    data.samples_.push_back(std::move(value));
  }
  return data;
}

void Dataset::FillBatch(absl::Span<const int64_t> rows,
                        std::vector<Tensor>* batch,
                        std::vector<Feed>* feeds) const {
  batch->resize(samples_.size());
  feeds->resize(samples_.size());
  for (size_t f = 0; f < samples_.size(); ++f) {
    const Tensor& all = samples_[f];
    Shape shape = all.shape();
    shape.set_dim(0, static_cast<int64_t>(rows.size()));
    Tensor& out = (*batch)[f];
    if (out.shape() != shape || out.dtype() != all.dtype()) {
      out.Reset(all.dtype(), shape);
    }
    const size_t row_bytes =
        all.num_bytes() / std::max<int64_t>(1, all.shape().dim(0));
    const char* from = static_cast<const char*>(all.raw_data());
    char* to = static_cast<char*>(out.raw_data());
    for (size_t r = 0; r < rows.size(); ++r) {
      std::memcpy(to + r * row_bytes, from + rows[r] * row_bytes, row_bytes);
    }
    (*feeds)[f] = {placeholders_[f], &out};
  }
}

}  // namespace nabla
