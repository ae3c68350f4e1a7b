// Data sources: where a model's training samples come from besides the
// feeds written in the model file (CSV files, IDX files, generators), and
// the registry that holds them.
//
//   NABLA_REGISTER_DATA_SOURCE("csv")
//       .RequiredAttr("path", AttrType::kString)
//       .Factory(MakeCsvSource);
//
// A model names a source in its data section:
//
//   data { source { name: "csv" attr { key: "path" value { s: "a.csv" } } } }
//
// Load() returns samples for one or more placeholders. The dataset checks
// them against the placeholders exactly as it checks inline feeds.
#ifndef NABLA_CORE_DATA_SOURCE_H_
#define NABLA_CORE_DATA_SOURCE_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/factory_registry.h"
#include "core/plugin_build.h"
#include "core/tensor.h"

namespace nabla {

// Where a column's samples were read, for messages about one sample (a
// label out of range is reported with its file and line).
struct SampleOrigin {
  // A file (or what else holds samples) and the first of its samples.
  struct File {
    std::string name;
    int64_t first_sample = 0;
  };
  // In sample order; empty when unknown. Shards are several files.
  std::vector<File> files;
  // For text files, the line each sample starts on in its file; empty when
  // the samples are counted in their file instead (an IDX file).
  std::vector<int64_t> lines;

  // All the samples from one file.
  static SampleOrigin OneFile(std::string name,
                              std::vector<int64_t> lines = {}) {
    return {{{std::move(name), 0}}, std::move(lines)};
  }

  // "iris.csv:57", or "labels.idx, sample 57 (from 0)" (counted in its
  // file); empty when unknown.
  std::string Describe(int64_t sample) const;
  // The same with the sample's line given (-1: counted) instead of lines.
  std::string DescribeAtLine(int64_t sample, int64_t line) const;
};

// Samples for one placeholder, along axis 0.
struct DataColumn {
  std::string placeholder;
  Tensor samples;
  // For class labels read as names: the name of each class index.
  std::vector<std::string> class_names;
  SampleOrigin origin;
};

struct DataSourceContext {
  // Directory of the model file: relative paths are resolved against it.
  std::string base_dir;
  // For validation and test data: the classes the training data's labels
  // were read as (DataColumn::class_names), by placeholder. A source that
  // reads labels as names indexes them the same way, so a split that lacks
  // a class does not shift the others, and refuses a label training never
  // had.
  std::map<std::string, std::vector<std::string>> training_classes;
  // When set, the built-in sources add each file they read (so a tool can
  // keep its outputs off them).
  std::vector<std::string>* files_read = nullptr;

  // training_classes' entry for `placeholder`, or null.
  const std::vector<std::string>* TrainingClasses(
      const std::string& placeholder) const {
    auto it = training_classes.find(placeholder);
    return it == training_classes.end() ? nullptr : &it->second;
  }
};

// Samples [begin, end) of `column`, with their origin counted from begin.
DataColumn SliceSamples(const DataColumn& column, int64_t begin, int64_t end);

// Takes one chunk of streamed samples (DataSource::Stream).
using ChunkConsumer =
    std::function<absl::Status(std::vector<DataColumn> chunk)>;

class DataSource {
 public:
  virtual ~DataSource() = default;

  // Reads every sample. Errors name the file (and line, where there is one).
  [[nodiscard]] virtual absl::StatusOr<std::vector<DataColumn>> Load(
      const DataSourceContext& context) const = 0;

  // For data larger than memory (data.stream): gives `consume` the samples
  // in order, in chunks of about `chunk_samples` (the last may be smaller),
  // each with the same columns and classes, its origin counted from its
  // first sample. A source that can holds no more than a chunk in memory
  // (the csv source does); by default the samples are loaded whole and cut.
  [[nodiscard]] virtual absl::Status Stream(const DataSourceContext& context,
                                            int64_t chunk_samples,
                                            const ChunkConsumer& consume) const;
};

using DataSourceDef = FactoryDef<DataSource>;

class DataSourceRegistry : public FactoryRegistry<DataSource> {
 public:
  static DataSourceRegistry& Global();

  DataSourceRegistry() : FactoryRegistry<DataSource>("data source") {}
};

class DataSourceRegistrar {
 public:
  DataSourceRegistrar(const DataSourceDef& def);  // NOLINT: macro chain.
};

#define NABLA_REGISTER_DATA_SOURCE(name) \
  NABLA_REGISTER_DATA_SOURCE_IMPL_(__COUNTER__, name)
#define NABLA_REGISTER_DATA_SOURCE_IMPL_(counter, name) \
  NABLA_REGISTER_DATA_SOURCE_IMPL2_(counter, name)
#define NABLA_REGISTER_DATA_SOURCE_IMPL2_(counter, name)                    \
  [[maybe_unused]] static const NABLA_STATIC_REGISTRAR_(                    \
      ::nabla::DataSourceRegistrar) nabla_data_source_registrar_##counter = \
      ::nabla::DataSourceDef(name)

}  // namespace nabla

#endif  // NABLA_CORE_DATA_SOURCE_H_
