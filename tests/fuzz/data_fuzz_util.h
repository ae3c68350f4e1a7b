// What the csv and idx fuzz targets share: making a data source from
// attributes, loading it from the scratch directory, and, when it loads,
// feeding its columns to a model's placeholders as train_graph does
// (Dataset checks, a validation hold-out, normalisation fitted and
// applied).
#ifndef NABLA_TESTS_FUZZ_DATA_FUZZ_UTIL_H_
#define NABLA_TESTS_FUZZ_DATA_FUZZ_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/data_source.h"
#include "core/graph.h"
#include "core/model_data.h"
#include "core/streamed_data.h"
#include "core/tensor.h"
#include "proto/model.pb.h"
#include "tests/fuzz/fuzz_util.h"
#include "zlib.h"

namespace nabla {
namespace fuzz {

// Writes `bytes` gzip-compressed, as a data file may be.
inline std::string WriteGzipScratchFile(absl::string_view name,
                                        absl::string_view bytes) {
  const std::string path = absl::StrCat(ScratchDir(), "/", name);
  gzFile file = gzopen(path.c_str(), "wb");
  if (file == nullptr) std::abort();
  if (!bytes.empty() &&
      gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())) == 0) {
    std::abort();
  }
  if (gzclose(file) != Z_OK) std::abort();
  return path;
}

// A graph with one placeholder per loaded column: [-1, per-sample dims].
inline absl::StatusOr<Graph> GraphFor(const std::vector<DataColumn>& columns) {
  GraphDef def;
  for (const DataColumn& column : columns) {
    NodeDef* node = def.add_node();
    node->set_name(column.placeholder);
    node->set_op("Placeholder");
    Shape shape = column.samples.shape();
    if (shape.rank() > 0) shape.set_dim(0, Shape::kUnknown);
    (*node->mutable_attr())["shape"] = MakeAttr(shape);
    (*node->mutable_attr())["dtype"] =
        MakeAttr(std::string(DTypeName(column.samples.dtype())));
  }
  SourceInfo source;
  source.name = "fuzz.pbtxt";
  return Graph::Build(def, source);
}

// Makes `source` and loads it; when it loads, loads it again through
// LoadModelData with the settings `options` picks: normalisation of each
// column (none, STANDARDIZE, MIN_MAX, DIVIDE_BY_MAX; per column or all
// values) and a validation hold-out.
inline void StreamAsLoaded(const Graph& graph, const DataSourceConfig& source,
                           const DataSourceContext& context,
                           const std::vector<DataColumn>& loaded);

inline void LoadSource(const DataSourceConfig& source, uint8_t options) {
  auto made = DataSourceRegistry::Global().Make(source.name(), source.attr());
  Trace("make", made.status());
  if (!made.ok()) return;
  DataSourceContext context;
  context.base_dir = ScratchDir();
  auto columns = (*made)->Load(context);
  Trace("load", columns.status());
  if (!columns.ok()) return;
  auto graph = GraphFor(*columns);
  Trace("graph", graph.status());
  if (!graph.ok()) return;

  DataConfig config;
  *config.add_source() = source;
  const int method = options & 3;
  if (method != 0) {
    for (const DataColumn& column : *columns) {
      NormalizationDef* normalize = config.add_normalize();
      normalize->set_placeholder(column.placeholder);
      normalize->set_method(static_cast<NormalizationDef::Method>(method));
      normalize->set_all_values((options & 4) != 0);
    }
  }
  if (options & 8) config.set_validation_fraction(0.25);
  Trace("model data",
        LoadModelData(*graph, config, "fuzz.pbtxt", context).status());
  StreamAsLoaded(*graph, source, context, *columns);
}

// The source streamed (data.stream) in chunks of 3 and windows of 4 must
// give what it loaded: an epoch visits every sample once, with the loaded
// values. A difference is a bug, reported as a crash. One difference is
// allowed: with a `limit`, loading inflates a gzip file no further than
// the samples wanted, while zlib's streaming reader reads ahead and may
// meet a corrupt member (or checksum) past them, which it refuses.
inline void StreamAsLoaded(const Graph& graph, const DataSourceConfig& source,
                           const DataSourceContext& context,
                           const std::vector<DataColumn>& loaded) {
  StreamSettings settings;
  settings.window_samples = 4;
  settings.chunk_samples = 3;
  auto streamed =
      StreamedData::Build(graph, source, "fuzz", context, settings, nullptr);
  Trace("stream", streamed.status());
  const auto limit = source.attr().find("limit");
  if (!streamed.ok() && limit != source.attr().end() && limit->second.i() > 0) {
    return;
  }
  if (!streamed.ok()) {
    std::fprintf(stderr, "loaded, but the stream failed: %s\n",
                 streamed.status().ToString().c_str());
    std::abort();
  }
  const int64_t n = loaded[0].samples.shape().dim(0);
  if ((*streamed)->num_samples() != n) std::abort();
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  std::vector<int64_t> rows;
  std::vector<bool> seen(n, false);
  for (int64_t begin = 0; begin < n; begin += 5) {
    const int64_t count = std::min<int64_t>(5, n - begin);
    if (!(*streamed)
             ->FillBatch({1, true, 7}, begin, count, &batch, &feeds, &rows)
             .ok()) {
      std::abort();
    }
    for (size_t c = 0; c < loaded.size(); ++c) {
      const Tensor& all = loaded[c].samples;
      const int64_t per = all.num_elements() / std::max<int64_t>(1, n);
      for (int64_t i = 0; i < count; ++i) {
        if (seen[rows[i]] && c == 0) std::abort();
        if (c == 0) seen[rows[i]] = true;
        for (int64_t k = 0; k < per; ++k) {
          const double want = all.ValueAt(rows[i] * per + k);
          const double got = feeds[c].tensor->ValueAt(i * per + k);
          // Both in the placeholder's dtype; NaN never loads.
          if (static_cast<float>(want) != static_cast<float>(got)) {
            std::abort();
          }
        }
      }
    }
  }
}

}  // namespace fuzz
}  // namespace nabla

#endif  // NABLA_TESTS_FUZZ_DATA_FUZZ_UTIL_H_
