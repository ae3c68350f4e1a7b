// Tests of the "idx" data source: every element type, every attribute,
// gzip-compressed files written with zlib, every error with its whole
// message, a Fashion-MNIST-sized file, and columns reaching a graph's
// placeholders through Dataset::FromConfig.
#include <sys/stat.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/data_source.h"
#include "core/dataset.h"
#include "core/model_parser.h"
#include "core/tensor.h"
#include "gtest/gtest.h"
#include "tests/model_test_util.h"
#include "tests/plugins/data_sources/data_source_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

using data_source_test::AsFloat32;
using data_source_test::AttrMap;
using data_source_test::Attrs;
using data_source_test::FedTensors;
using data_source_test::MakeAndLoad;
using data_source_test::StatusText;
using data_source_test::Str;
using data_source_test::TestDir;
using data_source_test::TestPath;
using data_source_test::WriteFile;

// ----- writing IDX files --------------------------------------------------

std::string BigEndian(uint64_t value, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
  return out;
}

std::string Header(uint8_t type, const std::vector<uint32_t>& dims) {
  std::string out = {0, 0, static_cast<char>(type),
                     static_cast<char>(dims.size())};
  for (uint32_t d : dims) out += BigEndian(d, 4);
  return out;
}

std::string Bytes(const std::vector<int>& values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

std::string Shorts(const std::vector<int16_t>& values) {
  std::string out;
  for (int16_t v : values) out += BigEndian(static_cast<uint16_t>(v), 2);
  return out;
}

std::string Ints(const std::vector<int32_t>& values) {
  std::string out;
  for (int32_t v : values) out += BigEndian(static_cast<uint32_t>(v), 4);
  return out;
}

std::string Float32s(const std::vector<float>& values) {
  std::string out;
  for (float v : values) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    out += BigEndian(bits, 4);
  }
  return out;
}

std::string Float64s(const std::vector<double>& values) {
  std::string out;
  for (double v : values) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    out += BigEndian(bits, 8);
  }
  return out;
}

// Writes `bytes` gzip-compressed through zlib's gzip file interface.
void WriteGzip(const std::string& path, const std::string& bytes,
               const char* mode = "wb") {
  gzFile file = gzopen(path.c_str(), mode);
  ASSERT_NE(file, nullptr) << path;
  ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(file), Z_OK);
}

std::string ReadBack(const std::string& path) {
  std::string bytes;
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return bytes;
  char buffer[4096];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    bytes.append(buffer, got);
  }
  std::fclose(file);
  return bytes;
}

// Three 2x2 images and their labels.
const std::vector<int> kPixels = {0,  1,  2,   3,   10,  20,
                                  30, 40, 128, 200, 254, 255};
const std::vector<int> kLabels = {3, 0, 9};

class IdxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(TestPath("images.idx"), Header(0x08, {3, 2, 2}) + Bytes(kPixels));
    WriteFile(TestPath("labels.idx"), Header(0x08, {3}) + Bytes(kLabels));
  }

  // Loads with `attrs`; images and labels are images.idx and labels.idx
  // unless given.
  static absl::StatusOr<std::vector<DataColumn>> Load(AttrMap attrs) {
    if (attrs.find("images") == attrs.end())
      attrs["images"] = Str("images.idx");
    if (attrs.find("labels") == attrs.end())
      attrs["labels"] = Str("labels.idx");
    return MakeAndLoad("idx", attrs, TestDir());
  }

  // The error of loading images from `images` (and labels.idx).
  static std::string ImagesError(const std::string& images) {
    WriteFile(TestPath("bad.idx"), images);
    return StatusText(Load(Attrs({{"images", Str("bad.idx")}})));
  }

  // The error of loading labels from `labels` (and images.idx).
  static std::string LabelsError(const std::string& labels) {
    WriteFile(TestPath("bad.idx"), labels);
    return StatusText(Load(Attrs({{"labels", Str("bad.idx")}})));
  }

  static std::string MakeError(AttrMap attrs) {
    if (attrs.find("images") == attrs.end())
      attrs["images"] = Str("images.idx");
    return DataSourceRegistry::Global().Make("idx", attrs).status().ToString();
  }

  static std::string Bad() {
    return absl::StrCat("INVALID_ARGUMENT: ", TestPath("bad.idx"));
  }
};

std::vector<double> Scaled(const std::vector<int>& values, double scale = 1) {
  std::vector<double> out;
  for (int v : values) out.push_back(v * scale);
  return out;
}

void ExpectColumn(const DataColumn& column, const std::string& placeholder,
                  DType dtype, const Shape& shape,
                  const std::vector<double>& values) {
  EXPECT_EQ(column.placeholder, placeholder);
  EXPECT_EQ(column.samples.dtype(), dtype);
  EXPECT_EQ(column.samples.shape(), shape) << column.samples.shape().ToString();
  EXPECT_EQ(column.samples.ToDoubles(), values);
}

// ----- registration -------------------------------------------------------

TEST(IdxRegistryTest, IsBuiltIn) {
  ASSERT_TRUE(DataSourceRegistry::Global().Contains("idx"));
  EXPECT_EQ(DataSourceRegistry::Global().OriginOf("idx"), "built in");
}

// ----- values, shapes and attributes --------------------------------------

TEST_F(IdxTest, ImagesFlattenedAndLabels) {
  ASSERT_OK_AND_ASSIGN(auto columns, Load({}));
  ASSERT_EQ(columns.size(), 2u);
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{3, 4}, Scaled(kPixels));
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{3}, {3, 0, 9});
}

TEST_F(IdxTest, SamplesAreCountedInTheirFile) {
  ASSERT_OK_AND_ASSIGN(auto columns, Load({}));
  ASSERT_EQ(columns.size(), 2u);
  ASSERT_EQ(columns[1].origin.files.size(), 1u);
  EXPECT_EQ(columns[0].origin.files[0].name, TestPath("images.idx"));
  EXPECT_EQ(columns[1].origin.files[0].name, TestPath("labels.idx"));
  EXPECT_TRUE(columns[1].origin.lines.empty());
  EXPECT_EQ(columns[1].origin.Describe(2),
            absl::StrCat(TestPath("labels.idx"), ", sample 2 (from 0)"));
}

// ----- shards: a pattern names several files --------------------------------

class IdxShardsTest : public IdxTest {
 protected:
  void SetUp() override {
    IdxTest::SetUp();
    // Each test its own files: TEST_TMPDIR is shared by the tests.
    std::filesystem::remove_all(TestPath("shards"));
    ::mkdir(TestPath("shards").c_str(), 0755);
    // Sorted: part-1 (2 samples), part-2 (3 samples, kPixels).
    WriteFile(TestPath("shards/img-1.idx"),
              Header(0x08, {2, 2, 2}) + Bytes({5, 6, 7, 8, 9, 10, 11, 12}));
    WriteFile(TestPath("shards/lab-1.idx"), Header(0x08, {2}) + Bytes({1, 2}));
    WriteFile(TestPath("shards/img-2.idx"),
              Header(0x08, {3, 2, 2}) + Bytes(kPixels));
    WriteFile(TestPath("shards/lab-2.idx"), Header(0x08, {3}) + Bytes(kLabels));
  }

  static AttrMap Shards() {
    return Attrs({{"images", Str("shards/img-*.idx")},
                  {"labels", Str("shards/lab-*.idx")}});
  }
};

TEST_F(IdxShardsTest, FilesFollowOneAnotherInSortedOrder) {
  ASSERT_OK_AND_ASSIGN(auto columns, Load(Shards()));
  ASSERT_EQ(columns.size(), 2u);
  std::vector<double> pixels = {5, 6, 7, 8, 9, 10, 11, 12};
  for (int p : kPixels) pixels.push_back(p);
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{5, 4}, pixels);
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{5}, {1, 2, 3, 0, 9});
  // Samples are counted in their own file.
  EXPECT_EQ(columns[1].origin.Describe(1),
            absl::StrCat(TestPath("shards/lab-1.idx"), ", sample 1 (from 0)"));
  EXPECT_EQ(columns[1].origin.Describe(4),
            absl::StrCat(TestPath("shards/lab-2.idx"), ", sample 2 (from 0)"));
}

TEST_F(IdxShardsTest, LimitCountsAllFiles) {
  AttrMap attrs = Shards();
  attrs["limit"] = MakeAttr(int64_t{3});
  ASSERT_OK_AND_ASSIGN(auto columns, Load(attrs));
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{3}, {1, 2, 3});
}

TEST_F(IdxShardsTest, FilesMustPairAndAgree) {
  WriteFile(TestPath("shards/img-3.idx"),
            Header(0x08, {1, 4}) + Bytes({1, 2, 3, 4}));
  AttrMap attrs = Shards();
  EXPECT_EQ(StatusText(Load(attrs)),
            "INVALID_ARGUMENT: images names 3 file(s) but labels 2: each "
            "images file needs its labels file (paired in sorted order)");
  WriteFile(TestPath("shards/lab-3.idx"), Header(0x08, {1}) + Bytes({0}));
  EXPECT_EQ(StatusText(Load(attrs)),
            absl::StrCat("INVALID_ARGUMENT: ", TestPath("shards/img-3.idx"),
                         ": samples of [1, 4] are not shaped as those of ",
                         TestPath("shards/img-1.idx"),
                         "; the files of one source must have the same "
                         "sample shape"));
  attrs["images"] = Str("shards/none-*.idx");
  EXPECT_EQ(StatusText(Load(attrs)),
            absl::StrCat("NOT_FOUND: ", TestPath("shards/none-*.idx"),
                         ": no file matches the pattern"));
}

// ----- streamed in chunks (data.stream) -----------------------------------

// Stream()'s chunks put together are Load()'s columns, for every chunk
// size, with a limit, across shards.
std::vector<std::vector<double>> StreamedValues(
    const AttrMap& attrs, int64_t chunk_samples,
    std::vector<std::string>* where) {
  std::vector<std::vector<double>> values(2);
  auto source = DataSourceRegistry::Global().Make("idx", attrs);
  EXPECT_TRUE(source.ok()) << source.status();
  if (!source.ok()) return values;
  DataSourceContext context;
  context.base_dir = TestDir();
  EXPECT_OK((*source)->Stream(
      context, chunk_samples, [&](std::vector<DataColumn> chunk) {
        EXPECT_LE(chunk[0].samples.shape().dim(0), chunk_samples);
        for (size_t c = 0; c < chunk.size(); ++c) {
          const std::vector<double> v = chunk[c].samples.ToDoubles();
          values[c].insert(values[c].end(), v.begin(), v.end());
        }
        for (int64_t i = 0; i < chunk.back().samples.shape().dim(0); ++i) {
          where->push_back(chunk.back().origin.Describe(i));
        }
        return absl::OkStatus();
      }));
  return values;
}

TEST_F(IdxShardsTest, StreamedChunksAreTheLoadedColumns) {
  for (const int64_t limit : {0, 4}) {
    AttrMap attrs = Shards();
    attrs["limit"] = MakeAttr(limit);
    ASSERT_OK_AND_ASSIGN(auto loaded, Load(attrs));
    for (int64_t chunk : {1, 2, 5}) {
      std::vector<std::string> where;
      const auto streamed = StreamedValues(attrs, chunk, &where);
      EXPECT_EQ(streamed[0], loaded[0].samples.ToDoubles()) << chunk;
      EXPECT_EQ(streamed[1], loaded[1].samples.ToDoubles()) << chunk;
      std::vector<std::string> loaded_where;
      for (int64_t i = 0; i < loaded[1].samples.shape().dim(0); ++i) {
        loaded_where.push_back(loaded[1].origin.Describe(i));
      }
      EXPECT_EQ(where, loaded_where) << chunk;
    }
  }
  // Gzip-compressed files stream alike.
  WriteGzip(TestPath("shards/img-1.idx"),
            Header(0x08, {2, 2, 2}) + Bytes({5, 6, 7, 8, 9, 10, 11, 12}));
  std::vector<std::string> where;
  EXPECT_EQ(StreamedValues(Shards(), 3, &where)[1],
            (std::vector<double>{1, 2, 3, 0, 9}));
}

TEST_F(IdxTest, StreamedFileTruncatedOrLongerIsAnError) {
  auto stream_error = [](const std::string& bytes) {
    WriteFile(TestPath("bad.idx"), bytes);
    auto source = DataSourceRegistry::Global().Make(
        "idx", Attrs({{"images", Str("bad.idx")}}));
    DataSourceContext context;
    context.base_dir = TestDir();
    return (*source)
        ->Stream(context, 2,
                 [](std::vector<DataColumn>) { return absl::OkStatus(); })
        .ToString();
  };
  EXPECT_EQ(stream_error(Header(0x08, {3, 2}) + Bytes({1, 2, 3, 4, 5})),
            absl::StrCat("INVALID_ARGUMENT: ", TestPath("bad.idx"),
                         ": truncated at byte 17: the header promises 6 bytes "
                         "of data, the file has 5"));
  EXPECT_EQ(stream_error(Header(0x08, {3, 2}) + Bytes({1, 2, 3, 4, 5, 6, 7})),
            absl::StrCat("INVALID_ARGUMENT: ", TestPath("bad.idx"),
                         ": byte 18: 1 byte after the end of the data (the "
                         "header promises 6 bytes of data)"));
  // The same messages as reading the file whole.
  EXPECT_EQ(ImagesError(Header(0x08, {3, 2}) + Bytes({1, 2, 3, 4, 5})),
            stream_error(Header(0x08, {3, 2}) + Bytes({1, 2, 3, 4, 5})));
}

TEST_F(IdxTest, NotFlattened) {
  ASSERT_OK_AND_ASSIGN(auto columns,
                       Load(Attrs({{"flatten", MakeAttr(false)}})));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{3, 2, 2},
               Scaled(kPixels));
}

TEST_F(IdxTest, ScaleAppliesToImagesOnly) {
  const double scale = 1.0 / 255;
  ASSERT_OK_AND_ASSIGN(auto columns, Load(Attrs({{"scale", MakeAttr(scale)}})));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{3, 4},
               AsFloat32(Scaled(kPixels, scale)));
  EXPECT_EQ(columns[0].samples.ValueAt(11), 1.0);
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{3}, {3, 0, 9});
  // An integer scale is a float.
  ASSERT_OK_AND_ASSIGN(columns, Load(Attrs({{"scale", MakeAttr(int64_t{2})}})));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{3, 4},
               Scaled(kPixels, 2));
}

TEST_F(IdxTest, Float64) {
  const double scale = 1.0 / 255;
  ASSERT_OK_AND_ASSIGN(
      auto columns,
      Load(Attrs({{"scale", MakeAttr(scale)}, {"dtype", Str("float64")}})));
  ExpectColumn(columns[0], "x", DType::kFloat64, Shape{3, 4},
               Scaled(kPixels, scale));
  ExpectColumn(columns[1], "y", DType::kFloat64, Shape{3}, {3, 0, 9});
}

TEST_F(IdxTest, Limit) {
  ASSERT_OK_AND_ASSIGN(auto columns,
                       Load(Attrs({{"limit", MakeAttr(int64_t{2})},
                                   {"flatten", MakeAttr(false)}})));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{2, 2, 2},
               {0, 1, 2, 3, 10, 20, 30, 40});
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{2}, {3, 0});
  // More than there are: all of them.
  ASSERT_OK_AND_ASSIGN(columns, Load(Attrs({{"limit", MakeAttr(int64_t{7})}})));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{3, 4}, Scaled(kPixels));
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{3}, {3, 0, 9});
}

TEST_F(IdxTest, WithoutLabels) {
  ASSERT_OK_AND_ASSIGN(auto columns, Load(Attrs({{"labels", Str("")}})));
  ASSERT_EQ(columns.size(), 1u);
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{3, 4}, Scaled(kPixels));
}

TEST_F(IdxTest, PlaceholderNames) {
  ASSERT_OK_AND_ASSIGN(auto columns,
                       Load(Attrs({{"images_placeholder", Str("pixels")},
                                   {"labels_placeholder", Str("digit")}})));
  EXPECT_EQ(columns[0].placeholder, "pixels");
  EXPECT_EQ(columns[1].placeholder, "digit");
}

TEST_F(IdxTest, EveryElementType) {
  struct Case {
    uint8_t type;
    std::string data;
    std::vector<double> values;
  };
  const Case cases[] = {
      {0x08, Bytes({0, 255}), {0, 255}},
      {0x09, Bytes({-128, 127}), {-128, 127}},
      {0x0B, Shorts({-300, 32767}), {-300, 32767}},
      {0x0C, Ints({-70000, 2147483647}), {-70000, 2147483647}},
      {0x0D, Float32s({1.5f, -0.1f}), {1.5, static_cast<float>(-0.1)}},
      {0x0E, Float64s({0.1, -1e300}), {0.1, -1e300}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(static_cast<int>(c.type));
    WriteFile(TestPath("typed.idx"), Header(c.type, {1, 2}) + c.data);
    ASSERT_OK_AND_ASSIGN(auto columns,
                         Load(Attrs({{"images", Str("typed.idx")},
                                     {"labels", Str("")},
                                     {"dtype", Str("float64")}})));
    ExpectColumn(columns[0], "x", DType::kFloat64, Shape{1, 2}, c.values);
  }
}

TEST_F(IdxTest, LabelsOfOtherTypes) {
  WriteFile(TestPath("short_labels.idx"),
            Header(0x0B, {3}) + Shorts({7, 0, 300}));
  ASSERT_OK_AND_ASSIGN(auto columns,
                       Load(Attrs({{"labels", Str("short_labels.idx")}})));
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{3}, {7, 0, 300});
  WriteFile(TestPath("float_labels.idx"),
            Header(0x0D, {3}) + Float32s({1, 2, 0}));
  ASSERT_OK_AND_ASSIGN(columns,
                       Load(Attrs({{"labels", Str("float_labels.idx")}})));
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{3}, {1, 2, 0});
}

TEST_F(IdxTest, OneDimensionalSamples) {
  WriteFile(TestPath("vector.idx"), Header(0x08, {3}) + Bytes({5, 6, 7}));
  AttrMap attrs = Attrs({{"images", Str("vector.idx")}});
  ASSERT_OK_AND_ASSIGN(auto columns, Load(attrs));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{3, 1}, {5, 6, 7});
  attrs["flatten"] = MakeAttr(false);
  ASSERT_OK_AND_ASSIGN(columns, Load(attrs));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{3}, {5, 6, 7});
}

// ----- gzip ---------------------------------------------------------------

TEST_F(IdxTest, GzipCompressedFiles) {
  WriteGzip(TestPath("images.idx.gz"),
            Header(0x08, {3, 2, 2}) + Bytes(kPixels));
  WriteGzip(TestPath("labels.idx.gz"), Header(0x08, {3}) + Bytes(kLabels));
  ASSERT_OK_AND_ASSIGN(auto columns,
                       Load(Attrs({{"images", Str("images.idx.gz")},
                                   {"labels", Str("labels.idx.gz")}})));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{3, 4}, Scaled(kPixels));
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{3}, {3, 0, 9});
}

TEST_F(IdxTest, ConcatenatedGzipMembers) {
  const std::string whole = Header(0x08, {3, 2, 2}) + Bytes(kPixels);
  WriteGzip(TestPath("part1.gz"), whole.substr(0, 9));
  WriteGzip(TestPath("part2.gz"), whole.substr(9), "wb9");
  WriteFile(TestPath("joined.idx.gz"),
            ReadBack(TestPath("part1.gz")) + ReadBack(TestPath("part2.gz")));
  ASSERT_OK_AND_ASSIGN(auto columns,
                       Load(Attrs({{"images", Str("joined.idx.gz")}})));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{3, 4}, Scaled(kPixels));
}

// Fashion-MNIST's training images: 60000 x 28 x 28 bytes, gzip-compressed.
TEST_F(IdxTest, FashionMnistSizedFile) {
  constexpr int kCount = 60000, kSide = 28;
  std::string data(static_cast<size_t>(kCount) * kSide * kSide, '\0');
  for (size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<char>((i * 7 + i / 784) % 251);
  }
  WriteGzip(TestPath("fashion.idx.gz"),
            Header(0x08, {kCount, kSide, kSide}) + data, "wb1");
  std::string labels;
  for (int i = 0; i < kCount; ++i) labels.push_back(static_cast<char>(i % 10));
  WriteGzip(TestPath("fashion_labels.idx.gz"), Header(0x08, {kCount}) + labels,
            "wb1");
  const auto start = std::chrono::steady_clock::now();
  ASSERT_OK_AND_ASSIGN(auto columns,
                       Load(Attrs({{"images", Str("fashion.idx.gz")},
                                   {"labels", Str("fashion_labels.idx.gz")},
                                   {"scale", MakeAttr(1.0 / 255)}})));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("loaded 60000 x 784 gzipped bytes in %.3f s\n", seconds);
  ASSERT_EQ(columns.size(), 2u);
  const Tensor& x = columns[0].samples;
  EXPECT_EQ(x.shape(), (Shape{kCount, kSide * kSide}));
  const float* pixels = x.data<float>();
  for (size_t i : {size_t{0}, size_t{1}, size_t{785}, data.size() - 1}) {
    EXPECT_EQ(pixels[i],
              static_cast<float>(static_cast<unsigned char>(data[i]) / 255.0))
        << i;
  }
  EXPECT_EQ(columns[1].samples.shape(), (Shape{kCount}));
  EXPECT_EQ(columns[1].samples.ValueAt(kCount - 1), 9);
  // Generous, so that a busy machine does not fail it; a byte-by-byte
  // reader takes far longer.
  EXPECT_LT(seconds, 5.0);
}

// ----- errors in the header -----------------------------------------------

TEST_F(IdxTest, WrongMagic) {
  const std::string expected =
      "; an IDX file starts with 00 00, the element type (08, 09, 0b, 0c, 0d "
      "or 0e) and the number of dimensions";
  EXPECT_EQ(ImagesError("PK\x03\x04zip"),
            absl::StrCat(Bad(),
                         ": wrong magic number at byte 0: found 50 4b "
                         "03 04",
                         expected));
  EXPECT_EQ(
      ImagesError(Bytes({0, 0, 8})),
      absl::StrCat(Bad(), ": wrong magic number at byte 0: found 00 00 08",
                   expected));
  WriteGzip(TestPath("bad.idx"), Bytes({0, 1, 8, 1, 0, 0, 0, 1, 5}));
  EXPECT_EQ(StatusText(Load(Attrs({{"images", Str("bad.idx")}}))),
            absl::StrCat(Bad(),
                         ": wrong magic number at decompressed byte 0: found "
                         "00 01 08 01",
                         expected));
}

TEST_F(IdxTest, UnknownElementType) {
  EXPECT_EQ(ImagesError(Header(0x0A, {1}) + Bytes({0})),
            absl::StrCat(Bad(),
                         ": byte 2: unknown element type 0a (08 unsigned "
                         "byte, 09 signed byte, 0b short, 0c int, 0d float or "
                         "0e double)"));
}

TEST_F(IdxTest, NoDimensions) {
  EXPECT_EQ(ImagesError(Header(0x08, {}) + Bytes({1})),
            absl::StrCat(Bad(), ": byte 3: the number of dimensions is 0"));
}

TEST_F(IdxTest, TruncatedHeader) {
  EXPECT_EQ(ImagesError(Header(0x08, {3, 2, 2}).substr(0, 10)),
            absl::StrCat(Bad(),
                         ": truncated at byte 10: the header of 3 dimensions "
                         "needs 16 bytes"));
}

TEST_F(IdxTest, ZeroDimension) {
  EXPECT_EQ(ImagesError(Header(0x08, {2, 0, 3})),
            absl::StrCat(Bad(), ": byte 8: dimension 2 of [2, 0, 3] is 0"));
  EXPECT_EQ(ImagesError(Header(0x08, {0, 28, 28})),
            absl::StrCat(Bad(), ": byte 4: dimension 1 of [0, 28, 28] is 0"));
}

TEST_F(IdxTest, HugeDimensions) {
  EXPECT_EQ(ImagesError(Header(0x0E, {0x80000000, 0x80000000})),
            absl::StrCat(Bad(),
                         ": byte 4: the dimensions [2147483648, 2147483648] "
                         "describe more than 2^62 bytes"));
  EXPECT_EQ(ImagesError(Header(0x08, {0xffffffff, 0xffffffff, 0xffffffff})),
            absl::StrCat(Bad(),
                         ": byte 4: the dimensions [4294967295, 4294967295, "
                         "4294967295] describe more than 2^62 elements"));
}

// ----- errors in the data -------------------------------------------------

TEST_F(IdxTest, TruncatedData) {
  EXPECT_EQ(ImagesError(Header(0x08, {60000, 28, 28}) + std::string(1000, 'x')),
            absl::StrCat(Bad(),
                         ": truncated at byte 1016: the header promises "
                         "47040000 bytes of data, the file has 1000"));
  EXPECT_EQ(ImagesError(Header(0x0B, {3, 2}) + Shorts({1, 2, 3, 4, 5})),
            absl::StrCat(Bad(),
                         ": truncated at byte 22: the header promises 12 bytes "
                         "of data, the file has 10"));
  WriteGzip(TestPath("bad.idx"), Header(0x08, {3, 2, 2}) + Bytes({1, 2}));
  EXPECT_EQ(StatusText(Load(Attrs({{"images", Str("bad.idx")}}))),
            absl::StrCat(Bad(),
                         ": truncated at decompressed byte 18: the header "
                         "promises 12 bytes of data, the file has 2"));
}

TEST_F(IdxTest, BytesAfterTheData) {
  EXPECT_EQ(ImagesError(Header(0x08, {3, 2, 2}) + Bytes(kPixels) + "!"),
            absl::StrCat(Bad(),
                         ": byte 28: 1 byte after the end of the data (the "
                         "header promises 12 bytes of data)"));
}

TEST_F(IdxTest, NonFiniteValues) {
  EXPECT_EQ(
      ImagesError(Header(0x0D, {3, 1}) +
                  Float32s({1, std::numeric_limits<float>::quiet_NaN(), 2})),
      absl::StrCat(Bad(), ": byte 16: value nan is not finite"));
  EXPECT_EQ(ImagesError(Header(0x0E, {3, 1}) + Float64s({1, 2, -1e300})),
            absl::StrCat(Bad(),
                         ": byte 28: value -1e+300 times scale 1 does not fit "
                         "in float32"));
}

// ----- errors in the gzip stream ------------------------------------------

TEST_F(IdxTest, CorruptGzipStream) {
  // A gzip header, then a deflate block of the reserved type 3.
  EXPECT_EQ(ImagesError(Bytes({0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x07, 0})),
            absl::StrCat(Bad(),
                         ": corrupt gzip stream at compressed byte 11: invalid "
                         "block type"));
  // A wrong CRC in the trailer.
  WriteGzip(TestPath("crc.gz"), Header(0x08, {3, 2, 2}) + Bytes(kPixels));
  std::string bytes = ReadBack(TestPath("crc.gz"));
  ASSERT_GT(bytes.size(), 18u);
  bytes[bytes.size() - 8] ^= 0x55;
  EXPECT_EQ(ImagesError(bytes),
            absl::StrCat(Bad(), ": corrupt gzip stream at compressed byte ",
                         bytes.size() - 4, ": incorrect data check"));
}

TEST_F(IdxTest, TruncatedGzipStream) {
  WriteGzip(TestPath("cut.gz"), Header(0x08, {3, 2, 2}) + Bytes(kPixels));
  const std::string bytes = ReadBack(TestPath("cut.gz"));
  ASSERT_GT(bytes.size(), 18u);
  EXPECT_EQ(ImagesError(bytes.substr(0, bytes.size() - 6)),
            absl::StrCat(Bad(), ": the gzip stream ends early, after ",
                         bytes.size() - 6,
                         " compressed bytes (the file is truncated)"));
}

TEST_F(IdxTest, BytesAfterTheGzipStream) {
  WriteGzip(TestPath("tail.gz"), Header(0x08, {3, 2, 2}) + Bytes(kPixels));
  const std::string bytes = ReadBack(TestPath("tail.gz"));
  EXPECT_EQ(ImagesError(bytes + "junk"),
            absl::StrCat(Bad(),
                         ": 4 bytes after the end of the gzip stream "
                         "at compressed byte ",
                         bytes.size()));
}

// A gzip file is inflated only as far as it is needed: the samples a limit
// asks for, or one byte past the data its header promises. A corrupt member
// after that point is never reached, as the rest of a decompression bomb
// is never inflated.
TEST_F(IdxTest, GzipIsInflatedOnlyAsFarAsNeeded) {
  const std::string corrupt =
      Bytes({0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x07, 0});
  WriteGzip(TestPath("head.gz"),
            Header(0x08, {3, 2, 2}) + Bytes(kPixels).substr(0, 8));
  WriteFile(TestPath("lazy.idx.gz"), ReadBack(TestPath("head.gz")) + corrupt);
  ASSERT_OK_AND_ASSIGN(auto columns,
                       Load(Attrs({{"images", Str("lazy.idx.gz")},
                                   {"limit", MakeAttr(int64_t{2})}})));
  std::vector<int> first_two(kPixels.begin(), kPixels.begin() + 8);
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{2, 4},
               Scaled(first_two));
  // Without the limit all 3 samples are needed: the corrupt member is read.
  EXPECT_NE(StatusText(Load(Attrs({{"images", Str("lazy.idx.gz")}})))
                .find("corrupt gzip stream"),
            std::string::npos);
  // More data than the header promises stops at the first extra byte.
  WriteGzip(TestPath("more.gz"),
            Header(0x08, {3, 2, 2}) + Bytes(kPixels) + "!!!!");
  EXPECT_EQ(ImagesError(ReadBack(TestPath("more.gz")) + corrupt),
            absl::StrCat(Bad(),
                         ": decompressed byte 28: more bytes after the end of "
                         "the data (the header promises 12 bytes of data)"));
}

// ----- errors in the labels -----------------------------------------------

TEST_F(IdxTest, LabelsWithTwoDimensions) {
  EXPECT_EQ(LabelsError(Header(0x08, {3, 1}) + Bytes({1, 2, 3})),
            absl::StrCat(Bad(),
                         ": byte 3: labels must have 1 dimension, the header "
                         "gives 2: [3, 1]"));
}

TEST_F(IdxTest, LabelCountDiffers) {
  EXPECT_EQ(LabelsError(Header(0x08, {2}) + Bytes({1, 2})),
            absl::StrCat(Bad(), ": byte 4: 2 labels, but ",
                         TestPath("images.idx"), " has 3 images"));
  // With a limit too: the files must still agree.
  WriteFile(TestPath("bad.idx"), Header(0x08, {4}) + Bytes({1, 2, 3, 4}));
  EXPECT_EQ(StatusText(Load(Attrs({{"labels", Str("bad.idx")},
                                   {"limit", MakeAttr(int64_t{1})}}))),
            absl::StrCat(Bad(), ": byte 4: 4 labels, but ",
                         TestPath("images.idx"), " has 3 images"));
}

TEST_F(IdxTest, LabelsTruncated) {
  EXPECT_EQ(LabelsError(Header(0x08, {3}) + Bytes({1, 2})),
            absl::StrCat(Bad(),
                         ": truncated at byte 10: the header promises 3 bytes "
                         "of data, the file has 2"));
}

TEST_F(IdxTest, LabelsThatAreNotClassIndices) {
  EXPECT_EQ(LabelsError(Header(0x09, {3}) + Bytes({1, -1, 2})),
            absl::StrCat(Bad(),
                         ": byte 9: label -1 is not a class index (a whole "
                         "number >= 0)"));
  EXPECT_EQ(LabelsError(Header(0x0D, {3}) + Float32s({1, 2, 2.5f})),
            absl::StrCat(Bad(),
                         ": byte 16: label 2.5 is not a class index (a whole "
                         "number >= 0)"));
}

// ----- errors in opening --------------------------------------------------

TEST_F(IdxTest, MissingAndEmptyFiles) {
  EXPECT_EQ(StatusText(Load(Attrs({{"images", Str("none.idx")}}))),
            absl::StrCat("NOT_FOUND: ", TestPath("none.idx"),
                         ": cannot open: No such file or directory"));
  EXPECT_EQ(StatusText(Load(Attrs({{"labels", Str("none.idx")}}))),
            absl::StrCat("NOT_FOUND: ", TestPath("none.idx"),
                         ": cannot open: No such file or directory"));
  EXPECT_EQ(ImagesError(""), absl::StrCat(Bad(), ": the file is empty"));
  WriteGzip(TestPath("bad.idx"), "");
  EXPECT_EQ(StatusText(Load(Attrs({{"images", Str("bad.idx")}}))),
            absl::StrCat(Bad(), ": the file is empty (decompressed)"));
}

// ----- errors in the attributes -------------------------------------------

TEST_F(IdxTest, AttributeErrors) {
  EXPECT_EQ(DataSourceRegistry::Global().Make("idx", {}).status().ToString(),
            "INVALID_ARGUMENT: data source 'idx': missing required attribute "
            "'images' (string)");
  EXPECT_EQ(MakeError(Attrs({{"images", Str("")}})),
            "INVALID_ARGUMENT: data source 'idx': images is empty");
  EXPECT_EQ(MakeError(Attrs({{"scale", MakeAttr(0.0)}})),
            "INVALID_ARGUMENT: data source 'idx': scale must be finite and not "
            "0, got 0");
  EXPECT_EQ(
      MakeError(Attrs(
          {{"scale", MakeAttr(std::numeric_limits<double>::infinity())}})),
      "INVALID_ARGUMENT: data source 'idx': scale must be finite and not "
      "0, got inf");
  EXPECT_EQ(MakeError(Attrs({{"limit", MakeAttr(int64_t{-1})}})),
            "INVALID_ARGUMENT: data source 'idx': limit must be >= 0 (0: all "
            "samples), got -1");
  EXPECT_EQ(MakeError(Attrs({{"dtype", Str("int8")}})),
            "INVALID_ARGUMENT: data source 'idx': dtype must be \"float32\" or "
            "\"float64\", got \"int8\"");
  EXPECT_EQ(MakeError(Attrs({{"images_placeholder", Str("")}})),
            "INVALID_ARGUMENT: data source 'idx': images_placeholder is empty");
  EXPECT_EQ(MakeError(Attrs({{"labels_placeholder", Str("")}})),
            "INVALID_ARGUMENT: data source 'idx': labels_placeholder is empty");
  EXPECT_EQ(MakeError(Attrs(
                {{"labels", Str("l.idx")}, {"labels_placeholder", Str("x")}})),
            "INVALID_ARGUMENT: data source 'idx': images_placeholder and "
            "labels_placeholder are both \"x\"");
  // Without labels the labels placeholder is not used.
  EXPECT_EQ(MakeError(Attrs({{"labels_placeholder", Str("x")}})), "OK");
  EXPECT_EQ(MakeError(Attrs({{"limit", MakeAttr(1.5)}})),
            "INVALID_ARGUMENT: data source 'idx': attribute 'limit' must be "
            "int, got float 1.5");
}

// ----- through a model's data section -------------------------------------

// x [?, 4], y [?], grid [?, 2, 2] float64.
constexpr char kModel[] = R"pb(
  graph {
    node {
      name: "x"
      op: "Placeholder"
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 4 } }
      }
    }
    node {
      name: "y"
      op: "Placeholder"
      attr {
        key: "shape"
        value { shape { dim: -1 } }
      }
    }
    node {
      name: "grid"
      op: "Placeholder"
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 2 dim: 2 } }
      }
      attr {
        key: "dtype"
        value { s: "float64" }
      }
    }
  }
)pb";

absl::StatusOr<Dataset> DatasetFrom(absl::string_view data_section) {
  const std::string text = absl::StrCat(kModel, data_section);
  auto graph = GraphFromModelText(text, "m.pbtxt");
  if (!graph.ok()) return graph.status();
  auto parsed = ParseModelText(text, "m.pbtxt");
  if (!parsed.ok()) return parsed.status();
  DataSourceContext context;
  context.base_dir = TestDir();
  return Dataset::FromConfig(*graph, parsed->model.data(), "m.pbtxt", context);
}

TEST_F(IdxTest, ColumnsReachThePlaceholders) {
  ASSERT_OK_AND_ASSIGN(Dataset data, DatasetFrom(R"pb(
                         data {
                           source {
                             name: "idx"
                             attr {
                               key: "images"
                               value { s: "images.idx" }
                             }
                             attr {
                               key: "labels"
                               value { s: "labels.idx" }
                             }
                             attr {
                               key: "scale"
                               value { f: 0.5 }
                             }
                           }
                         }
                       )pb"));
  EXPECT_EQ(data.num_samples(), 3);
  const auto fed = FedTensors(data);
  ASSERT_EQ(fed.size(), 2u);
  EXPECT_EQ(fed.at("x").shape(), (Shape{3, 4}));
  EXPECT_EQ(fed.at("x").ToDoubles(), Scaled(kPixels, 0.5));
  EXPECT_EQ(fed.at("y").shape(), (Shape{3}));
  EXPECT_EQ(fed.at("y").ToDoubles(), (std::vector<double>{3, 0, 9}));
}

TEST_F(IdxTest, UnflattenedImagesReachAFloat64Placeholder) {
  ASSERT_OK_AND_ASSIGN(Dataset data, DatasetFrom(R"pb(
                         data {
                           source {
                             name: "idx"
                             attr {
                               key: "images"
                               value { s: "images.idx" }
                             }
                             attr {
                               key: "images_placeholder"
                               value { s: "grid" }
                             }
                             attr {
                               key: "flatten"
                               value { b: false }
                             }
                             attr {
                               key: "limit"
                               value { i: 2 }
                             }
                           }
                         }
                       )pb"));
  const auto fed = FedTensors(data);
  ASSERT_EQ(fed.size(), 1u);
  EXPECT_EQ(fed.at("grid").dtype(), DType::kFloat64);
  EXPECT_EQ(fed.at("grid").shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(fed.at("grid").ToDoubles(),
            (std::vector<double>{0, 1, 2, 3, 10, 20, 30, 40}));
}

// Flattened images take the placeholder's [2, 2] per sample (as Fashion-MNIST
// feeds [?, 1, 28, 28]), the pixels in order.
TEST_F(IdxTest, FlattenedImagesTakeThePlaceholdersShape) {
  ASSERT_OK_AND_ASSIGN(Dataset data, DatasetFrom(R"pb(
                         data {
                           source {
                             name: "idx"
                             attr {
                               key: "images"
                               value { s: "images.idx" }
                             }
                             attr {
                               key: "images_placeholder"
                               value { s: "grid" }
                             }
                           }
                         }
                       )pb"));
  const auto fed = FedTensors(data);
  EXPECT_EQ(fed.at("grid").shape(), (Shape{3, 2, 2}));
  EXPECT_EQ(fed.at("grid").ToDoubles(), Scaled(kPixels, 1.0));
}

TEST_F(IdxTest, ErrorsThroughTheModel) {
  // Images of 4 pixels do not fit y [?], one value per sample.
  EXPECT_EQ(StatusText(DatasetFrom(R"pb(
              data {
                source {
                  name: "idx"
                  attr {
                    key: "images"
                    value { s: "images.idx" }
                  }
                  attr {
                    key: "images_placeholder"
                    value { s: "y" }
                  }
                }
              }
            )pb")),
            "INVALID_ARGUMENT: m.pbtxt: data source 1 ('idx'): shape [3, 4] "
            "does not fit the placeholder's [?] (axis 0 counts samples)");
  WriteFile(TestPath("bad.idx"), Bytes({0, 0, 8, 1, 0, 0, 0, 9}));
  EXPECT_EQ(StatusText(DatasetFrom(R"pb(
              data {
                source {
                  name: "idx"
                  attr {
                    key: "images"
                    value { s: "bad.idx" }
                  }
                }
              }
            )pb")),
            absl::StrCat("INVALID_ARGUMENT: m.pbtxt: data source 1 ('idx'): ",
                         TestPath("bad.idx"),
                         ": truncated at byte 8: the header promises 9 bytes "
                         "of data, the file has 0"));
}

}  // namespace
}  // namespace nabla
