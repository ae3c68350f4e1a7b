// Fuzz target: the "csv" data source (plugins/data_sources/csv.cc). The
// first two bytes choose the source's settings, the rest is the file:
//
//   byte 0: bit 0 header, bit 1 labels "classes", bit 2 float64,
//           bits 3-4 the delimiter (, ; tab |), bit 5 gzip the file,
//           bits 6-7 with byte 1: which columns are features and targets
//   byte 1: bits 0-3 the normalisation and hold-out (data_fuzz_util.h),
//           bits 4-7 column indices
//
// A loaded file is then fed to placeholders as train_graph does.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/attrs.h"
#include "proto/model.pb.h"
#include "tests/fuzz/data_fuzz_util.h"
#include "tests/fuzz/fuzz_util.h"

namespace nabla {
namespace {

AttrValue Strings(const std::vector<std::string>& values) {
  AttrValue value;
  value.mutable_list();
  for (const std::string& s : values) value.mutable_list()->add_s(s);
  return value;
}

// The columns: by default (targets: every column but the first), by index,
// by header name (the names of examples/data/*.csv), or a class list.
void ChooseColumns(int how, uint8_t indices, bool classes,
                   google::protobuf::Map<std::string, AttrValue>& attrs) {
  const int64_t first = indices & 3;
  const int64_t second = (indices >> 2) & 3;
  switch (how) {
    case 0:
      attrs["feature_indices"] = MakeIntListAttr({0});
      break;
    case 1:
      attrs["target_indices"] = MakeIntListAttr({first});
      if (second != first) attrs["feature_indices"] = MakeIntListAttr({second});
      break;
    case 2:
      attrs["target_columns"] = Strings({classes ? "colour" : "y"});
      break;
    case 3:
      attrs["feature_columns"] = Strings({"a", "b"});
      attrs["target_columns"] = Strings({"colour"});
      if (classes) attrs["classes"] = Strings({"red", "green", "blue"});
      break;
  }
}

void RunCsv(const uint8_t* data, size_t size) {
  fuzz::InputReader input(data, size);
  const uint8_t settings = input.Byte();
  const uint8_t options = input.Byte();
  const bool classes = settings & 2;
  const absl::string_view file = input.Rest();
  const std::string path = (settings & 32)
                               ? fuzz::WriteGzipScratchFile("data.csv", file)
                               : fuzz::WriteScratchFile("data.csv", file);
  static const char* const kDelimiters[] = {",", ";", "\t", "|"};

  DataSourceConfig source;
  source.set_name("csv");
  auto& attrs = *source.mutable_attr();
  attrs["path"] = MakeAttr(path);
  attrs["header"] = MakeAttr((settings & 1) != 0);
  attrs["labels"] = MakeAttr(classes ? "classes" : "numbers");
  attrs["dtype"] = MakeAttr((settings & 4) ? "float64" : "float32");
  attrs["delimiter"] = MakeAttr(kDelimiters[(settings >> 3) & 3]);
  ChooseColumns(settings >> 6, options >> 4, classes, attrs);
  fuzz::LoadSource(source, options & 15);
}

}  // namespace
}  // namespace nabla

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nabla::RunCsv(data, size);
  return 0;
}
