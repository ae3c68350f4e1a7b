#include "core/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <new>
#include <numeric>
#include <random>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/random.h"
#include "core/status_macros.h"
#include "core/training_samples.h"

namespace nabla {
namespace {

// "a", "b", "c"
std::string QuoteJoin(const std::vector<std::string>& names) {
  return absl::StrCat("\"", absl::StrJoin(names, "\", \""), "\"");
}

// Samples of as many values as the placeholder's sample shape (fully
// known) take that shape: [N, 784] from an IDX file or a CSV file feeds
// [-1, 1, 28, 28], in row-major order.
void TakePerSampleShape(const Shape& declared, Tensor& value) {
  const Shape& shape = value.shape();
  if (shape.rank() < 1 || declared.rank() < 1 || shape == declared) return;
  std::vector<int64_t> dims = {shape.dim(0)};
  int64_t total = shape.dim(0);
  for (int i = 1; i < declared.rank(); ++i) {
    // Unknown, or more elements than int64 holds: the shapes do not fit,
    // as the check after this says.
    if (declared.dim(i) < 0 ||
        __builtin_mul_overflow(total, declared.dim(i), &total)) {
      return;
    }
    dims.push_back(declared.dim(i));
  }
  if (total != shape.num_elements()) return;
  value.Reshape(Shape(dims));
}

// A source's Load(); running out of memory is an error (the caller names
// the source) with the way around it, instead of the end of the process.
[[nodiscard]] absl::StatusOr<std::vector<DataColumn>> LoadNamingMemory(
    const DataSource& source, const DataSourceContext& context) {
  try {
    return source.Load(context);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        "out of memory reading the data into memory (data.stream trains "
        "from disk instead)");
  }
}

}  // namespace

absl::Status Dataset::AddColumn(const Graph& graph,
                                const std::string& placeholder_name,
                                absl::string_view where, Tensor value,
                                std::vector<std::string> class_names,
                                SampleOrigin origin) {
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
  TakePerSampleShape(declared, value);
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
  class_names_.push_back(std::move(class_names));
  origins_.push_back(std::move(origin));
  return absl::OkStatus();
}

absl::StatusOr<Dataset> Dataset::FromParts(
    const Graph& graph,
    const google::protobuf::RepeatedPtrField<FeedDef>& feeds,
    const google::protobuf::RepeatedPtrField<DataSourceConfig>& sources,
    absl::string_view source, const DataSourceContext& context) {
  Dataset data;
  for (const FeedDef& feed : feeds) {
    const std::string where =
        absl::StrCat(source, ": data feed for '", feed.placeholder(), "'");
    auto node = graph.FindNode(feed.placeholder());
    // An unknown placeholder is reported by AddColumn; its dtype is needed
    // only to read the feed.
    const DType dtype =
        node.ok() ? graph.node(*node).output_dtypes[0] : DType::kFloat32;
    NABLA_ASSIGN_OR_RETURN(Tensor value,
                           TensorFromProto(feed.tensor(), where, dtype));
    NABLA_RETURN_IF_ERROR(data.AddColumn(graph, feed.placeholder(), where,
                                         std::move(value), {},
                                         SampleOrigin::OneFile(where)));
  }
  for (int i = 0; i < sources.size(); ++i) {
    const DataSourceConfig& source_config = sources.Get(i);
    const std::string where = absl::StrCat(source, ": data source ", i + 1,
                                           " ('", source_config.name(), "')");
    auto made = DataSourceRegistry::Global().Make(source_config.name(),
                                                  source_config.attr());
    if (!made.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", made.status().message()));
    }
    absl::StatusOr<std::vector<DataColumn>> columns =
        LoadNamingMemory(**made, context);
    if (!columns.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", columns.status().message()));
    }
    NABLA_RETURN_IF_ERROR(
        data.AddColumns(graph, *std::move(columns), where, context));
  }
  return data;
}

absl::Status Dataset::AddColumns(const Graph& graph,
                                 std::vector<DataColumn> columns,
                                 absl::string_view where,
                                 const DataSourceContext& context) {
  for (DataColumn& column : columns) {
    // A source that set its own classes must agree with training's.
    const std::vector<std::string>* trained =
        context.TrainingClasses(column.placeholder);
    if (trained != nullptr && !column.class_names.empty() &&
        column.class_names != *trained) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": the classes of '", column.placeholder, "' (",
          QuoteJoin(column.class_names), ") are not the training data's (",
          QuoteJoin(*trained), ")"));
    }
    NABLA_RETURN_IF_ERROR(
        AddColumn(graph, column.placeholder, where, std::move(column.samples),
                  std::move(column.class_names), std::move(column.origin)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Dataset> Dataset::FromColumns(const Graph& graph,
                                             std::vector<DataColumn> columns,
                                             absl::string_view where,
                                             const DataSourceContext& context) {
  Dataset data;
  NABLA_RETURN_IF_ERROR(
      data.AddColumns(graph, std::move(columns), where, context));
  return data;
}

absl::StatusOr<Dataset> Dataset::FromConfig(const Graph& graph,
                                            const DataConfig& config,
                                            absl::string_view source,
                                            const DataSourceContext& context) {
  return FromParts(graph, config.feed(), config.source(), source, context);
}

absl::StatusOr<Dataset> Dataset::FromSplit(const Graph& graph,
                                           const DataSplit& data,
                                           absl::string_view source,
                                           absl::string_view split,
                                           const DataSourceContext& context) {
  return FromParts(graph, data.feed(), data.source(),
                   absl::StrCat(source, ": ", split), context);
}

std::vector<std::string> Dataset::class_names(
    absl::string_view placeholder) const {
  for (size_t i = 0; i < placeholders_.size(); ++i) {
    if (placeholders_[i] == placeholder) return class_names_[i];
  }
  return {};
}

const Tensor* Dataset::samples(absl::string_view placeholder) const {
  for (size_t i = 0; i < placeholders_.size(); ++i) {
    if (placeholders_[i] == placeholder) return &samples_[i];
  }
  return nullptr;
}

Tensor* Dataset::mutable_samples(absl::string_view placeholder) {
  return const_cast<Tensor*>(std::as_const(*this).samples(placeholder));
}

Dataset Dataset::Rows(absl::Span<const int64_t> rows) const {
  Dataset out;
  out.placeholders_ = placeholders_;
  out.class_names_ = class_names_;
  out.origins_ = origins_;
  out.loaded_rows_.reserve(rows.size());
  for (int64_t row : rows) out.loaded_rows_.push_back(LoadedRow(row));
  std::vector<Feed> feeds;
  FillBatch(rows, &out.samples_, &feeds);
  out.num_samples_ = static_cast<int64_t>(rows.size());
  return out;
}

namespace {

// Fisher-Yates with the project's UniformIndex: the same order on every
// platform.
void Shuffle(std::vector<int64_t>& rows, std::mt19937_64& rng) {
  for (int64_t i = static_cast<int64_t>(rows.size()) - 1; i > 0; --i) {
    std::swap(rows[i], rows[UniformIndex(rng, i + 1)]);
  }
}

}  // namespace

Dataset Dataset::HoldOut(int64_t count, uint64_t seed,
                         absl::string_view strata) {
  std::mt19937_64 rng(seed);
  std::vector<int64_t> held_rows;
  const Tensor* labels = strata.empty() ? nullptr : samples(strata);
  if (labels == nullptr || labels->shape().rank() != 1) {
    std::vector<int64_t> order(num_samples_);
    std::iota(order.begin(), order.end(), 0);
    Shuffle(order, rng);
    held_rows.assign(order.begin(), order.begin() + count);
  } else {
    // Rows by label, in row order; then each class's share of `count`.
    std::map<double, std::vector<int64_t>> classes;
    const std::vector<double> values = labels->ToDoubles();
    for (int64_t row = 0; row < num_samples_; ++row) {
      classes[values[row]].push_back(row);
    }
    std::vector<int64_t> share;
    std::vector<std::pair<double, size_t>> remainders;  // (-fraction, class)
    int64_t given = 0;
    for (const auto& [label, rows] : classes) {
      const double exact = static_cast<double>(count) *
                           static_cast<double>(rows.size()) /
                           static_cast<double>(num_samples_);
      share.push_back(static_cast<int64_t>(std::floor(exact)));
      given += share.back();
      remainders.push_back({-(exact - std::floor(exact)), share.size() - 1});
    }
    std::sort(remainders.begin(), remainders.end());
    for (size_t i = 0; given < count && i < remainders.size(); ++i, ++given) {
      ++share[remainders[i].second];
    }
    size_t c = 0;
    for (auto& [label, rows] : classes) {
      Shuffle(rows, rng);
      held_rows.insert(held_rows.end(), rows.begin(), rows.begin() + share[c]);
      ++c;
    }
  }
  std::sort(held_rows.begin(), held_rows.end());
  std::vector<int64_t> kept_rows;
  for (int64_t row = 0, h = 0; row < num_samples_; ++row) {
    if (h < static_cast<int64_t>(held_rows.size()) && held_rows[h] == row) {
      ++h;
    } else {
      kept_rows.push_back(row);
    }
  }
  Dataset held = Rows(held_rows);
  *this = Rows(kept_rows);
  return held;
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

absl::Status Dataset::WithSampleOrigin(absl::Status status,
                                       absl::Span<const int64_t> rows) const {
  const std::optional<BadSample> bad =
      FindBadSample(status, placeholders_, rows);
  if (!bad.has_value()) return status;
  const std::string where = origins_[bad->column].Describe(LoadedRow(bad->row));
  if (where.empty()) return status;
  // A label read as a class name: the name too.
  const Tensor& samples = samples_[bad->column];
  const double value =
      samples.num_elements() == num_samples_ ? samples.ValueAt(bad->row) : -1;
  return WithSampleWhere(status, *bad, where, value, class_names_[bad->column]);
}

}  // namespace nabla
