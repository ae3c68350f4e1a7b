#include "core/data_source.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace nabla {

std::string SampleOrigin::Describe(int64_t sample) const {
  if (lines.empty()) return DescribeAtLine(sample, -1);
  if (sample < 0 || sample >= static_cast<int64_t>(lines.size())) return "";
  return DescribeAtLine(sample, lines[sample]);
}

std::string SampleOrigin::DescribeAtLine(int64_t sample, int64_t line) const {
  // The last file that starts at or before `sample`.
  auto after = std::upper_bound(
      files.begin(), files.end(), sample,
      [](int64_t s, const File& file) { return s < file.first_sample; });
  if (sample < 0 || after == files.begin()) return "";
  const File& file = *(after - 1);
  if (line < 0) {
    return absl::StrCat(file.name, ", sample ", sample - file.first_sample,
                        " (from 0)");
  }
  return absl::StrCat(file.name, ":", line);
}

absl::Status DataSource::Stream(const DataSourceContext& context,
                                int64_t chunk_samples,
                                const ChunkConsumer& consume) const {
  NABLA_ASSIGN_OR_RETURN(std::vector<DataColumn> columns, Load(context));
  if (columns.empty()) return absl::OkStatus();
  const int64_t n = columns[0].samples.shape().dim(0);
  chunk_samples = std::max<int64_t>(1, chunk_samples);
  for (int64_t begin = 0; begin < n; begin += chunk_samples) {
    const int64_t end = std::min(n, begin + chunk_samples);
    std::vector<DataColumn> chunk;
    for (const DataColumn& column : columns) {
      chunk.push_back(SliceSamples(column, begin, end));
    }
    NABLA_RETURN_IF_ERROR(consume(std::move(chunk)));
  }
  return absl::OkStatus();
}

DataColumn SliceSamples(const DataColumn& column, int64_t begin, int64_t end) {
  DataColumn part{column.placeholder, {}, column.class_names, {}};
  Shape shape = column.samples.shape();
  const int64_t n = shape.dim(0);
  const size_t per_sample = n > 0 ? column.samples.num_bytes() / n : 0;
  shape.set_dim(0, end - begin);
  part.samples = Tensor(column.samples.dtype(), shape);
  std::memcpy(
      part.samples.raw_data(),
      static_cast<const char*>(column.samples.raw_data()) + begin * per_sample,
      (end - begin) * per_sample);
  for (const SampleOrigin::File& file : column.origin.files) {
    if (file.first_sample >= end) break;
    // The file the slice starts in, and those after it.
    auto& files = part.origin.files;
    if (!files.empty() && file.first_sample <= begin) files.clear();
    files.push_back(
        {file.name, std::max<int64_t>(0, file.first_sample - begin)});
  }
  if (!column.origin.lines.empty()) {
    part.origin.lines.assign(column.origin.lines.begin() + begin,
                             column.origin.lines.begin() + end);
  }
  return part;
}

DataSourceRegistry& DataSourceRegistry::Global() {
  static DataSourceRegistry* registry = new DataSourceRegistry();
  return *registry;
}

DataSourceRegistrar::DataSourceRegistrar(const DataSourceDef& def) {
  if (!StaticRegistrationAllowed("data source", def.name())) return;
  CheckBuiltinRegistration(DataSourceRegistry::Global().Register(def));
}

}  // namespace nabla
