#include "core/dataset.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace nabla {

absl::Status Dataset::AddColumn(const Graph& graph,
                                const std::string& placeholder_name,
                                absl::string_view where, Tensor value) {
  auto node = graph.FindNode(placeholder_name);
  if (!node.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", node.status().message()));
  }
  const Node& placeholder = graph.node(*node);
  if (placeholder.op->role() != OpRole::kPlaceholder) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": ", graph.Describe(*node), " is not a Placeholder"));
  }
  const Shape& declared = placeholder.output_shapes[0];
  const Shape& shape = value.shape();
  if (shape.rank() < 1 || !declared.IsCompatibleWith(shape)) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": shape ", shape.ToString(), " does not fit the placeholder's ",
        declared.ToString(), " (axis 0 counts samples)"));
  }
  if (!placeholders_.empty() && shape.dim(0) != num_samples_) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", shape.dim(0), " samples, but '",
                     placeholders_[0], "' has ", num_samples_));
  }
  for (const std::string& seen : placeholders_) {
    if (seen == placeholder_name) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": '", placeholder_name, "' is already fed"));
    }
  }
  // Samples that come in another dtype are converted once, here.
  const DType dtype = placeholder.output_dtypes[0];
  if (value.dtype() != dtype) {
    value = Tensor::FromValues(dtype, shape, value.ToDoubles());
  }
  num_samples_ = shape.dim(0);
  placeholders_.push_back(placeholder_name);
  samples_.push_back(std::move(value));
  return absl::OkStatus();
}

absl::StatusOr<Dataset> Dataset::FromConfig(const Graph& graph,
                                            const DataConfig& config,
                                            absl::string_view source,
                                            const DataSourceContext& context) {
  Dataset data;
  for (const FeedDef& feed : config.feed()) {
    const std::string where =
        absl::StrCat(source, ": data feed for '", feed.placeholder(), "'");
    auto node = graph.FindNode(feed.placeholder());
    // An unknown placeholder is reported by AddColumn; its dtype is needed
    // only to read the feed.
    const DType dtype =
        node.ok() ? graph.node(*node).output_dtypes[0] : DType::kFloat32;
    NABLA_ASSIGN_OR_RETURN(Tensor value,
                           TensorFromProto(feed.tensor(), where, dtype));
    NABLA_RETURN_IF_ERROR(
        data.AddColumn(graph, feed.placeholder(), where, std::move(value)));
  }
  for (int i = 0; i < config.source_size(); ++i) {
    const DataSourceConfig& source_config = config.source(i);
    const std::string where = absl::StrCat(source, ": data source ", i + 1,
                                           " ('", source_config.name(), "')");
    auto made = DataSourceRegistry::Global().Make(source_config.name(),
                                                  source_config.attr());
    if (!made.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", made.status().message()));
    }
    auto columns = (*made)->Load(context);
    if (!columns.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", columns.status().message()));
    }
    for (DataColumn& column : *columns) {
      NABLA_RETURN_IF_ERROR(data.AddColumn(graph, column.placeholder, where,
                                           std::move(column.samples)));
    }
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
