// Helpers for the data source tests: files in TEST_TMPDIR, attribute maps,
// making and loading a source through the registry, and reading back what a
// Dataset feeds each placeholder.
#ifndef NABLA_TESTS_PLUGINS_DATA_SOURCES_DATA_SOURCE_TEST_UTIL_H_
#define NABLA_TESTS_PLUGINS_DATA_SOURCES_DATA_SOURCE_TEST_UTIL_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/attrs.h"
#include "core/data_source.h"
#include "core/dataset.h"
#include "core/session.h"
#include "core/tensor.h"
#include "google/protobuf/map.h"
#include "gtest/gtest.h"
#include "proto/graph.pb.h"

namespace nabla {
namespace data_source_test {

using AttrMap = google::protobuf::Map<std::string, AttrValue>;

// The test's scratch directory.
inline std::string TestDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

inline std::string TestPath(absl::string_view name) {
  return absl::StrCat(TestDir(), "/", name);
}

// Writes `bytes` to `path`, replacing it; a failure fails the test.
inline void WriteFile(const std::string& path, absl::string_view bytes) {
  FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << "cannot write " << path;
  ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), file), bytes.size());
  ASSERT_EQ(std::fclose(file), 0);
}

// An attribute map from (name, value) pairs.
inline AttrMap Attrs(
    const std::vector<std::pair<std::string, AttrValue>>& pairs) {
  AttrMap attrs;
  for (const auto& [name, value] : pairs) attrs[name] = value;
  return attrs;
}

inline AttrValue Str(const std::string& value) { return MakeAttr(value); }

inline AttrValue StrList(const std::vector<std::string>& values) {
  AttrValue value;
  value.mutable_list();
  for (const std::string& s : values) value.mutable_list()->add_s(s);
  return value;
}

inline AttrValue IntList(const std::vector<int64_t>& values) {
  return MakeIntListAttr(values);
}

// Makes the source `name` from `attrs` and loads it with `base_dir`.
inline absl::StatusOr<std::vector<DataColumn>> MakeAndLoad(
    absl::string_view name, const AttrMap& attrs, const std::string& base_dir) {
  auto source = DataSourceRegistry::Global().Make(name, attrs);
  if (!source.ok()) return source.status();
  DataSourceContext context;
  context.base_dir = base_dir;
  return (*source)->Load(context);
}

// "OK" or "INVALID_ARGUMENT: message": the code and the whole message.
template <typename T>
std::string StatusText(const absl::StatusOr<T>& result) {
  return result.status().ToString();
}

// Each value rounded to float32, widened back: what a float32 tensor holds.
inline std::vector<double> AsFloat32(const std::vector<double>& values) {
  std::vector<double> rounded;
  for (double v : values) rounded.push_back(static_cast<float>(v));
  return rounded;
}

// What a dataset feeds each placeholder: every sample, in order.
inline std::map<std::string, Tensor> FedTensors(const Dataset& data) {
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < data.num_samples(); ++i) rows.push_back(i);
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  data.FillBatch(rows, &batch, &feeds);
  std::map<std::string, Tensor> fed;
  for (const Feed& feed : feeds)
    fed[std::string(feed.placeholder)] = *feed.tensor;
  return fed;
}

}  // namespace data_source_test
}  // namespace nabla

#endif  // NABLA_TESTS_PLUGINS_DATA_SOURCES_DATA_SOURCE_TEST_UTIL_H_
