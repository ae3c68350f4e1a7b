// Fuzz target: the "idx" data source (plugins/data_sources/idx.cc), with
// an images file and a labels file. The first four bytes choose the
// settings and split the rest into the two files:
//
//   byte 0: bit 0 gzip the images, bit 1 gzip the labels, bit 2 no labels
//           file, bit 3 flatten, bit 4 float64, bits 5-6 the limit
//           (0, 1, 2, 100), bit 7 scale 1/255 (else 1)
//   byte 1: the normalisation and hold-out (data_fuzz_util.h)
//   bytes 2-3: the size of the images file (little endian); the labels
//           file is the rest
//
// Loaded files are then fed to placeholders as train_graph does.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/attrs.h"
#include "proto/model.pb.h"
#include "tests/fuzz/data_fuzz_util.h"
#include "tests/fuzz/fuzz_util.h"

namespace nabla {
namespace {

std::string WriteFile(absl::string_view name, absl::string_view bytes,
                      bool gzip) {
  return gzip ? fuzz::WriteGzipScratchFile(name, bytes)
              : fuzz::WriteScratchFile(name, bytes);
}

void RunIdx(const uint8_t* data, size_t size) {
  fuzz::InputReader input(data, size);
  const uint8_t settings = input.Byte();
  const uint8_t options = input.Byte();
  size_t images_size = input.Byte();
  images_size |= static_cast<size_t>(input.Byte()) << 8;
  const absl::string_view images = input.Bytes(images_size);
  const absl::string_view labels = input.Rest();
  static const int64_t kLimits[] = {0, 1, 2, 100};

  DataSourceConfig source;
  source.set_name("idx");
  auto& attrs = *source.mutable_attr();
  attrs["images"] = MakeAttr(WriteFile("images.idx", images, settings & 1));
  if (!(settings & 4)) {
    attrs["labels"] = MakeAttr(WriteFile("labels.idx", labels, settings & 2));
  }
  attrs["flatten"] = MakeAttr((settings & 8) != 0);
  attrs["dtype"] = MakeAttr((settings & 16) ? "float64" : "float32");
  attrs["limit"] = MakeAttr(kLimits[(settings >> 5) & 3]);
  attrs["scale"] = MakeAttr((settings & 128) ? 1.0 / 255 : 1.0);
  fuzz::LoadSource(source, options);
}

}  // namespace
}  // namespace nabla

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nabla::RunIdx(data, size);
  return 0;
}
