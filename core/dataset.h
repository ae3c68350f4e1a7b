// Dataset: the samples a model trains on, one tensor per placeholder with
// samples along axis 0, and the batches cut from them.
#ifndef NABLA_CORE_DATASET_H_
#define NABLA_CORE_DATASET_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/data_source.h"
#include "core/graph.h"
#include "core/session.h"
#include "proto/model.pb.h"

namespace nabla {

class Dataset {
 public:
  // Reads the inline feeds, then loads each data source, and checks every
  // column against its placeholder: the node exists and is a Placeholder,
  // the value count fits the shape, the per-sample shape equals the
  // placeholder's, no placeholder is fed twice, and every column has the
  // same number of samples. Values are converted to the placeholder's
  // dtype. Errors name `source` (the model file) and the feed or data
  // source.
  [[nodiscard]] static absl::StatusOr<Dataset> FromConfig(
      const Graph& graph, const DataConfig& config, absl::string_view source,
      const DataSourceContext& context = {});
  // The columns a data source gave (all of them, or a chunk of streamed
  // ones), checked as FromConfig checks them; `where` names the source.
  [[nodiscard]] static absl::StatusOr<Dataset> FromColumns(
      const Graph& graph, std::vector<DataColumn> columns,
      absl::string_view where, const DataSourceContext& context = {});
  // The same for validation or test data; `split` names it in messages.
  [[nodiscard]] static absl::StatusOr<Dataset> FromSplit(
      const Graph& graph, const DataSplit& data, absl::string_view source,
      absl::string_view split, const DataSourceContext& context);

  int64_t num_samples() const { return num_samples_; }
  bool empty() const { return num_samples_ == 0; }
  const std::vector<std::string>& placeholders() const { return placeholders_; }
  // The class names a data source gave for `placeholder`'s labels; empty
  // when it gave none.
  std::vector<std::string> class_names(absl::string_view placeholder) const;

  // All samples fed to `placeholder`, or null when it is not fed.
  const Tensor* samples(absl::string_view placeholder) const;
  Tensor* mutable_samples(absl::string_view placeholder);

  // Moves `count` samples (0 < count < num_samples()), chosen by a
  // generator seeded with `seed`, into the returned data set, both parts
  // in their original order. With `strata`, the placeholder of class
  // labels (one per sample), each class gives its share of `count`
  // (largest remainders, ties to the smaller label), so every part keeps
  // the classes' proportions.
  Dataset HoldOut(int64_t count, uint64_t seed, absl::string_view strata = "");

  // The samples `rows`, in that order, as a new data set.
  Dataset Rows(absl::Span<const int64_t> rows) const;

  // Copies the samples `rows` (in that order) into per-placeholder batch
  // tensors, reusing their storage, and points `feeds` at them.
  void FillBatch(absl::Span<const int64_t> rows, std::vector<Tensor>* batch,
                 std::vector<Feed>* feeds) const;

  // `status` of a step run on the batch of samples `rows`. When a kernel
  // found a bad value in one sample fed from this data (core/bad_value.h),
  // the message gains where that sample was read, and its class:
  //   "...; sample 3 of the batch is 'y' at iris.csv:57 (class \"virginica\")"
  [[nodiscard]] absl::Status WithSampleOrigin(
      absl::Status status, absl::Span<const int64_t> rows) const;

 private:
  [[nodiscard]] static absl::StatusOr<Dataset> FromParts(
      const Graph& graph,
      const google::protobuf::RepeatedPtrField<FeedDef>& feeds,
      const google::protobuf::RepeatedPtrField<DataSourceConfig>& sources,
      absl::string_view where, const DataSourceContext& context);
  // Adds a source's columns (FromColumns).
  [[nodiscard]] absl::Status AddColumns(const Graph& graph,
                                        std::vector<DataColumn> columns,
                                        absl::string_view where,
                                        const DataSourceContext& context);
  [[nodiscard]] absl::Status AddColumn(const Graph& graph,
                                       const std::string& placeholder_name,
                                       absl::string_view where, Tensor value,
                                       std::vector<std::string> class_names,
                                       SampleOrigin origin);

  int64_t LoadedRow(int64_t row) const {
    return loaded_rows_.empty() ? row : loaded_rows_[row];
  }

  std::vector<std::string> placeholders_;
  std::vector<Tensor> samples_;
  // By placeholder, as placeholders_.
  std::vector<std::vector<std::string>> class_names_;
  std::vector<SampleOrigin> origins_;
  // The sample as loaded (its index in origins_) of each row; empty while
  // they are the same.
  std::vector<int64_t> loaded_rows_;
  int64_t num_samples_ = 0;
};

}  // namespace nabla

#endif  // NABLA_CORE_DATASET_H_
