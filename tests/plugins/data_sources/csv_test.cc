// Tests of the "csv" data source: every attribute, the CSV dialect (quotes,
// line endings, blanks), every error with its whole message, and columns
// reaching a graph's placeholders through Dataset::FromConfig.
#include <sys/stat.h>
#include <zlib.h>

#include <filesystem>
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
using data_source_test::IntList;
using data_source_test::MakeAndLoad;
using data_source_test::StatusText;
using data_source_test::Str;
using data_source_test::StrList;
using data_source_test::TestDir;
using data_source_test::TestPath;
using data_source_test::WriteFile;

constexpr char kNumbers[] =
    "hours,score,label\n"
    "1.5,2,0\n"
    "2.5,-3,1\n"
    "4,1e2,1\n";

class CsvTest : public ::testing::Test {
 protected:
  // Writes `text` to data.csv in the test's directory and loads it with
  // `attrs`; path is "data.csv" (relative to the directory) unless given.
  static absl::StatusOr<std::vector<DataColumn>> Load(absl::string_view text,
                                                      AttrMap attrs) {
    WriteFile(TestPath("data.csv"), text);
    if (attrs.find("path") == attrs.end()) attrs["path"] = Str("data.csv");
    return MakeAndLoad("csv", attrs, TestDir());
  }

  // The error of loading `text` with `attrs`, code and message.
  static std::string LoadError(absl::string_view text, AttrMap attrs) {
    return StatusText(Load(text, std::move(attrs)));
  }

  // The error of loading with `attrs`, whose path names existing files.
  static std::string LoadErrorOf(const AttrMap& attrs) {
    return StatusText(MakeAndLoad("csv", attrs, TestDir()));
  }

  // The error of making the source from `attrs` (nothing is read).
  static std::string MakeError(AttrMap attrs) {
    if (attrs.find("path") == attrs.end()) attrs["path"] = Str("data.csv");
    return DataSourceRegistry::Global().Make("csv", attrs).status().ToString();
  }

  // The file's name in messages.
  static std::string File() { return TestPath("data.csv"); }
};

void ExpectColumn(const DataColumn& column, const std::string& placeholder,
                  DType dtype, const Shape& shape,
                  const std::vector<double>& values) {
  EXPECT_EQ(column.placeholder, placeholder);
  EXPECT_EQ(column.samples.dtype(), dtype);
  EXPECT_EQ(column.samples.shape(), shape) << column.samples.shape().ToString();
  EXPECT_EQ(column.samples.ToDoubles(), values);
}

// ----- where each sample was read -----------------------------------------

TEST_F(CsvTest, EverySampleKeepsTheLineItStartsOn) {
  // Skipped lines, comments and a quoted line break move the lines on.
  AttrMap attrs = Attrs({{"skip_rows", MakeAttr(int64_t{1})},
                         {"comment", Str("#")},
                         {"labels", Str("classes")},
                         {"target_columns", StrList({"label"})}});
  ASSERT_OK_AND_ASSIGN(auto columns, Load("metadata\n"
                                          "a,label\n"
                                          "1,x\n"
                                          "# a comment\n"
                                          "2,\"two\nlines\"\n"
                                          "3,x\n",
                                          attrs));
  ASSERT_EQ(columns.size(), 2u);
  for (const DataColumn& column : columns) {
    ASSERT_EQ(column.origin.files.size(), 1u);
    EXPECT_EQ(column.origin.files[0].name, File());
    EXPECT_EQ(column.origin.lines, (std::vector<int64_t>{3, 5, 7}));
  }
  EXPECT_EQ(columns[1].origin.Describe(1), absl::StrCat(File(), ":5"));
  EXPECT_EQ(columns[1].origin.Describe(3), "");
}

// ----- shards: a pattern names several files --------------------------------

class CsvShardsTest : public CsvTest {
 protected:
  void SetUp() override {
    // Each test its own files: TEST_TMPDIR is shared by the tests.
    std::filesystem::remove_all(TestPath("parts"));
    ::mkdir(TestPath("parts").c_str(), 0755);
    WriteFile(TestPath("parts/part-1.csv"), "a,label\n1,cat\n2,dog\n");
    WriteFile(TestPath("parts/part-2.csv"), "a,label\n# note\n3,ant\n");
  }

  static AttrMap Classes() {
    return Attrs({{"path", Str("parts/part-*.csv")},
                  {"labels", Str("classes")},
                  {"comment", Str("#")},
                  {"target_columns", StrList({"label"})}});
  }
};

TEST_F(CsvShardsTest, FilesFollowOneAnotherWithOneClassMapping) {
  std::vector<std::string> files_read;
  auto source = DataSourceRegistry::Global().Make("csv", Classes());
  ASSERT_OK(source.status());
  DataSourceContext context;
  context.base_dir = TestDir();
  context.files_read = &files_read;
  ASSERT_OK_AND_ASSIGN(auto columns, (*source)->Load(context));
  ASSERT_EQ(columns.size(), 2u);
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{3, 1}, {1, 2, 3});
  // "ant" is only in the second file and still sorts first.
  EXPECT_EQ(columns[1].class_names,
            (std::vector<std::string>{"ant", "cat", "dog"}));
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{3}, {1, 2, 0});
  EXPECT_EQ(columns[1].origin.Describe(2),
            absl::StrCat(TestPath("parts/part-2.csv"), ":3"));
  EXPECT_EQ(columns[1].origin.Describe(1),
            absl::StrCat(TestPath("parts/part-1.csv"), ":3"));
  EXPECT_EQ(files_read,
            (std::vector<std::string>{TestPath("parts/part-1.csv"),
                                      TestPath("parts/part-2.csv")}));
}

TEST_F(CsvShardsTest, EveryFileHasTheFirstFilesColumns) {
  WriteFile(TestPath("parts/part-3.csv"), "a,kind\n4,cat\n");
  EXPECT_EQ(LoadErrorOf(Classes()),
            absl::StrCat("INVALID_ARGUMENT: ", TestPath("parts/part-3.csv"),
                         ":1: the header (\"a\", \"kind\") is not that of ",
                         TestPath("parts/part-1.csv"),
                         " (\"a\", \"label\"); the files of one source must "
                         "have the same columns"));
  WriteFile(TestPath("parts/part-1.csv"), "1,cat\n");
  WriteFile(TestPath("parts/part-2.csv"), "2,dog\n");
  WriteFile(TestPath("parts/part-3.csv"), "4,cat,5\n");
  AttrMap attrs = Classes();
  attrs["header"] = MakeAttr(false);
  attrs.erase("target_columns");
  attrs["target_indices"] = IntList({1});
  attrs["feature_indices"] = IntList({0});
  EXPECT_EQ(LoadErrorOf(attrs),
            absl::StrCat("INVALID_ARGUMENT: ", TestPath("parts/part-3.csv"),
                         ":1: 3 columns, but ", TestPath("parts/part-1.csv"),
                         " has 2; the files of one source must have the same "
                         "columns"));
}

TEST_F(CsvShardsTest, PatternWithoutFilesIsNotFound) {
  AttrMap attrs = Classes();
  attrs["path"] = Str("parts/none-*.csv");
  EXPECT_EQ(LoadErrorOf(attrs),
            absl::StrCat("NOT_FOUND: ", TestPath("parts/none-*.csv"),
                         ": no file matches the pattern"));
}

// ----- streamed in chunks (data.stream) -----------------------------------

// The chunks of Stream() put together are what Load() reads, with the same
// classes in every chunk (fixed before the first), and origins counted from
// each chunk's first sample.
TEST_F(CsvShardsTest, StreamedChunksAreTheLoadedTable) {
  WriteFile(TestPath("parts/part-1.csv"),
            "a,label\n1,cat\n\"2\",dog\n# \"x\n3,\"ant\"\n");
  WriteFile(TestPath("parts/part-2.csv"), "a,label\r\n4,bee\r\n5,cat\r\n");
  auto source = DataSourceRegistry::Global().Make("csv", Classes());
  ASSERT_OK(source.status());
  DataSourceContext context;
  context.base_dir = TestDir();
  ASSERT_OK_AND_ASSIGN(auto whole, (*source)->Load(context));
  for (int64_t chunk_samples : {1, 2, 3, 100}) {
    std::vector<double> features, labels;
    std::vector<std::string> origins;
    std::vector<int64_t> sizes;
    ASSERT_OK((*source)->Stream(
        context, chunk_samples, [&](std::vector<DataColumn> chunk) {
          sizes.push_back(chunk[0].samples.shape().dim(0));
          EXPECT_EQ(chunk.size(), 2u);
          EXPECT_EQ(chunk[1].class_names, whole[1].class_names);
          const std::vector<double> x = chunk[0].samples.ToDoubles();
          const std::vector<double> y = chunk[1].samples.ToDoubles();
          features.insert(features.end(), x.begin(), x.end());
          labels.insert(labels.end(), y.begin(), y.end());
          for (size_t i = 0; i < y.size(); ++i) {
            origins.push_back(chunk[1].origin.Describe(i));
          }
          return absl::OkStatus();
        }));
    // A chunk is cut once a piece of the file brings it to chunk_samples
    // (here a piece is a whole file): only the last may be smaller.
    for (size_t i = 0; i + 1 < sizes.size(); ++i) {
      EXPECT_GE(sizes[i], chunk_samples);
    }
    EXPECT_EQ(sizes.size(), chunk_samples <= 3 ? 2u : 1u);  // 3 rows, then 2
    EXPECT_EQ(features, whole[0].samples.ToDoubles());
    EXPECT_EQ(labels, whole[1].samples.ToDoubles());
    std::vector<std::string> loaded;
    for (int i = 0; i < 5; ++i) loaded.push_back(whole[1].origin.Describe(i));
    EXPECT_EQ(origins, loaded);
  }
  EXPECT_EQ(whole[1].origin.Describe(2),
            absl::StrCat(TestPath("parts/part-1.csv"), ":5"));
}

TEST_F(CsvShardsTest, StreamedErrorsNameFileAndLine) {
  WriteFile(TestPath("parts/part-2.csv"), "a,label\nx,cat\n");
  auto source = DataSourceRegistry::Global().Make("csv", Classes());
  ASSERT_OK(source.status());
  DataSourceContext context;
  context.base_dir = TestDir();
  EXPECT_EQ(
      (*source)
          ->Stream(context, 1,
                   [](std::vector<DataColumn>) { return absl::OkStatus(); })
          .ToString(),
      absl::StrCat("INVALID_ARGUMENT: ", TestPath("parts/part-2.csv"),
                   ":2: column 1 (\"a\"): expected a number, got "
                   "\"x\""));
}

// ----- registration -------------------------------------------------------

TEST(CsvRegistryTest, IsBuiltIn) {
  ASSERT_TRUE(DataSourceRegistry::Global().Contains("csv"));
  EXPECT_EQ(DataSourceRegistry::Global().OriginOf("csv"), "built in");
}

// ----- choosing columns ---------------------------------------------------

TEST_F(CsvTest, TargetByNameAndTheRestAsFeatures) {
  ASSERT_OK_AND_ASSIGN(
      auto columns,
      Load(kNumbers, Attrs({{"target_columns", StrList({"label"})}})));
  ASSERT_EQ(columns.size(), 2u);
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{3, 2},
               {1.5, 2, 2.5, -3, 4, 100});
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{3, 1}, {0, 1, 1});
}

TEST_F(CsvTest, FeaturesByNameInTheGivenOrderAndTheRestAsTargets) {
  ASSERT_OK_AND_ASSIGN(
      auto columns,
      Load(kNumbers,
           Attrs({{"feature_columns", StrList({"label", "hours"})}})));
  ASSERT_EQ(columns.size(), 2u);
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{3, 2},
               {0, 1.5, 1, 2.5, 1, 4});
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{3, 1}, {2, -3, 100});
}

TEST_F(CsvTest, SeveralTargetsAndUnchosenColumnsAreNotRead) {
  // "id" and "note" hold text and are neither features nor targets.
  ASSERT_OK_AND_ASSIGN(auto columns,
                       Load("id,a,note,b,c\n"
                            "r1,1,\"x, y\",2,3\n"
                            "r2,4,anything,5,6\n",
                            Attrs({{"feature_columns", StrList({"a"})},
                                   {"target_columns", StrList({"c", "b"})}})));
  ASSERT_EQ(columns.size(), 2u);
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{2, 1}, {1, 4});
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{2, 2}, {3, 2, 6, 5});
}

// A weight column is read apart: never a leftover feature or target.
TEST_F(CsvTest, WeightColumnFeedsItsOwnPlaceholder) {
  ASSERT_OK_AND_ASSIGN(auto columns,
                       Load("a,w,b,label\n1,0.5,2,0\n3,2,4,1\n",
                            Attrs({{"target_columns", StrList({"label"})},
                                   {"weight_columns", StrList({"w"})}})));
  ASSERT_EQ(columns.size(), 3u);
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{2, 2}, {1, 2, 3, 4});
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{2, 1}, {0, 1});
  ExpectColumn(columns[2], "w", DType::kFloat32, Shape{2}, {0.5, 2});
  ASSERT_OK_AND_ASSIGN(
      columns, Load("1,0.5,2\n3,2,4\n",
                    Attrs({{"header", MakeAttr(false)},
                           {"feature_indices", IntList({0})},
                           {"weight_indices", IntList({1})},
                           {"weights_placeholder", Str("sample_weight")}})));
  ASSERT_EQ(columns.size(), 3u);
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{2, 1}, {2, 4});
  ExpectColumn(columns[2], "sample_weight", DType::kFloat32, Shape{2},
               {0.5, 2});
}

TEST_F(CsvTest, WeightColumnErrors) {
  const AttrMap attrs = Attrs({{"target_columns", StrList({"label"})},
                               {"weight_columns", StrList({"w"})}});
  EXPECT_EQ(LoadError("a,w,label\n1,0.5,0\n3,-2,1\n", attrs),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":3: column 2 (\"w\"): expected a weight >= 0, got "
                         "\"-2\""));
  EXPECT_EQ(LoadError("a,w,label\n1,0.5,0\n",
                      Attrs({{"target_columns", StrList({"w"})},
                             {"weight_columns", StrList({"w"})}})),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ": column 2 (\"w\") is the weights and a feature or "
                         "target"));
  EXPECT_EQ(MakeError(Attrs({{"target_columns", StrList({"label"})},
                             {"weight_columns", StrList({"w", "v"})}})),
            "INVALID_ARGUMENT: data source 'csv': weight_columns and "
            "weight_indices name at most "
            "one column");
  EXPECT_EQ(MakeError(Attrs({{"target_columns", StrList({"label"})},
                             {"weights_placeholder", Str("y")}})),
            "INVALID_ARGUMENT: data source 'csv': targets_placeholder and "
            "weights_placeholder are "
            "both \"y\"");
}

TEST_F(CsvTest, IndicesWithoutHeader) {
  ASSERT_OK_AND_ASSIGN(
      auto columns,
      Load("1,2,3\n4,5,6\n", Attrs({{"header", MakeAttr(false)},
                                    {"feature_indices", IntList({2, 0})},
                                    {"target_indices", IntList({1})}})));
  ASSERT_EQ(columns.size(), 2u);
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{2, 2}, {3, 1, 6, 4});
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{2, 1}, {2, 5});
}

TEST_F(CsvTest, IndicesWithHeader) {
  ASSERT_OK_AND_ASSIGN(
      auto columns, Load(kNumbers, Attrs({{"target_indices", IntList({0})}})));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{3, 2},
               {2, 0, -3, 1, 100, 1});
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{3, 1}, {1.5, 2.5, 4});
}

TEST_F(CsvTest, WithoutHeaderTheFirstLineIsData) {
  ASSERT_OK_AND_ASSIGN(
      auto columns,
      Load("7,8\n9,10\n", Attrs({{"header", MakeAttr(false)},
                                 {"target_indices", IntList({1})}})));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{2, 1}, {7, 9});
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{2, 1}, {8, 10});
}

TEST_F(CsvTest, EveryColumnAFeatureFeedsNoTargets) {
  ASSERT_OK_AND_ASSIGN(auto columns,
                       Load("a,b\n1,2\n3,4\n",
                            Attrs({{"feature_columns", StrList({"a", "b"})}})));
  ASSERT_EQ(columns.size(), 1u);
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{2, 2}, {1, 2, 3, 4});
}

TEST_F(CsvTest, PlaceholderNames) {
  ASSERT_OK_AND_ASSIGN(
      auto columns,
      Load(kNumbers, Attrs({{"target_columns", StrList({"label"})},
                            {"features_placeholder", Str("inputs")},
                            {"targets_placeholder", Str("truth")}})));
  EXPECT_EQ(columns[0].placeholder, "inputs");
  EXPECT_EQ(columns[1].placeholder, "truth");
}

// ----- values and dtypes --------------------------------------------------

TEST_F(CsvTest, Float32RoundsAndFloat64KeepsEveryDigit) {
  const char text[] = "a,b\n0.1,+0.2\n-1e-3,1.25e-400\n";
  ASSERT_OK_AND_ASSIGN(auto f32,
                       Load(text, Attrs({{"target_columns", StrList({"b"})}})));
  ExpectColumn(f32[0], "x", DType::kFloat32, Shape{2, 1},
               AsFloat32({0.1, -1e-3}));
  ExpectColumn(f32[1], "y", DType::kFloat32, Shape{2, 1}, AsFloat32({0.2, 0}));
  ASSERT_OK_AND_ASSIGN(auto f64,
                       Load(text, Attrs({{"target_columns", StrList({"b"})},
                                         {"dtype", Str("float64")}})));
  ExpectColumn(f64[0], "x", DType::kFloat64, Shape{2, 1}, {0.1, -1e-3});
  ExpectColumn(f64[1], "y", DType::kFloat64, Shape{2, 1}, {0.2, 0});
}

TEST_F(CsvTest, IntegersAndSigns) {
  ASSERT_OK_AND_ASSIGN(
      auto columns,
      Load("a,b\n-0,1234567890123456789\n+15,007\n-999999999999999,0\n",
           Attrs({{"target_columns", StrList({"b"})},
                  {"dtype", Str("float64")}})));
  ExpectColumn(columns[0], "x", DType::kFloat64, Shape{3, 1},
               {0, 15, -999999999999999});
  ExpectColumn(columns[1], "y", DType::kFloat64, Shape{3, 1},
               {1234567890123456789.0, 7, 0});
  for (const char* bad : {"+-1", "-", "+", "1-", "--1", "0x10", "1 2"}) {
    EXPECT_EQ(LoadError(absl::StrCat("a,b\n1,", bad, "\n"),
                        Attrs({{"target_columns", StrList({"b"})}})),
              absl::StrCat("INVALID_ARGUMENT: ", File(),
                           ":2: column 2 (\"b\"): expected a number, got \"",
                           bad, "\""));
  }
}

TEST_F(CsvTest, ClassesSortedWithNumbersByValue) {
  ASSERT_OK_AND_ASSIGN(auto columns,
                       Load("x,label\n1,10\n2,2\n3,1\n4,2\n5,10\n",
                            Attrs({{"target_columns", StrList({"label"})},
                                   {"labels", Str("classes")}})));
  ASSERT_EQ(columns.size(), 2u);
  // 1 -> 0, 2 -> 1, 10 -> 2 ("10" sorts after "2").
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{5}, {2, 1, 0, 1, 2});
}

TEST_F(CsvTest, ClassesSortedNumbersFirstThenText) {
  ASSERT_OK_AND_ASSIGN(
      auto columns,
      Load("x,label\n1,cat\n2,10\n3,ant\n4,\"dog, big\"\n5,-1\n6,cat\n",
           Attrs({{"target_columns", StrList({"label"})},
                  {"labels", Str("classes")}})));
  // -1 -> 0, 10 -> 1, ant -> 2, cat -> 3, "dog, big" -> 4.
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{6}, {3, 1, 2, 4, 0, 3});
  EXPECT_EQ(columns[1].class_names,
            (std::vector<std::string>{"-1", "10", "ant", "cat", "dog, big"}));
  EXPECT_TRUE(columns[0].class_names.empty());
}

TEST_F(CsvTest, ClassesInTheGivenOrder) {
  ASSERT_OK_AND_ASSIGN(
      auto columns,
      Load("len,species\n1.4,setosa\n4.7,versicolor\n6.0,virginica\n"
           "1.3,setosa\n",
           Attrs({{"target_columns", StrList({"species"})},
                  {"labels", Str("classes")},
                  {"classes", StrList({"virginica", "setosa", "versicolor"})},
                  {"dtype", Str("float64")}})));
  ExpectColumn(columns[0], "x", DType::kFloat64, Shape{4, 1},
               {1.4, 4.7, 6.0, 1.3});
  ExpectColumn(columns[1], "y", DType::kFloat64, Shape{4}, {1, 2, 0, 1});
  EXPECT_EQ(columns[1].class_names,
            (std::vector<std::string>{"virginica", "setosa", "versicolor"}));
}

// ----- the dialect --------------------------------------------------------

TEST_F(CsvTest, Delimiters) {
  const AttrMap semicolon =
      Attrs({{"target_columns", StrList({"b"})}, {"delimiter", Str(";")}});
  EXPECT_EQ(StatusText(Load("a;b\n1,5;2\n", semicolon)),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":2: column 1 (\"a\"): expected a number, got "
                         "\"1,5\""));
  ASSERT_OK_AND_ASSIGN(auto columns, Load("a;b\n1.5;2\n", semicolon));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{1, 1}, {1.5});
  ASSERT_OK_AND_ASSIGN(columns, Load("a\tb\n 1.5\t2 \n",
                                     Attrs({{"target_columns", StrList({"b"})},
                                            {"delimiter", Str("\t")}})));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{1, 1}, {1.5});
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{1, 1}, {2});
}

TEST_F(CsvTest, QuotedFields) {
  // A delimiter, a line break and an escaped quote inside quotes; quoted
  // numbers; a quoted header name.
  ASSERT_OK_AND_ASSIGN(auto columns,
                       Load("\"na,me\",\"x\",y\n"
                            "\"a,b\",\"1.5\",2\n"
                            "\"two\nlines\",3,4\n"
                            "\"say \"\"hi\"\"\", 5 ,\"6\"\n",
                            Attrs({{"feature_columns", StrList({"x"})},
                                   {"target_columns", StrList({"y"})}})));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{3, 1}, {1.5, 3, 5});
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{3, 1}, {2, 4, 6});
}

TEST_F(CsvTest, QuotedClassLabelsKeepTheirText) {
  ASSERT_OK_AND_ASSIGN(
      auto columns,
      Load("x,c\n1,\"a \"\"b\"\"\"\n2,\" a\"\n3,a\n",
           Attrs({{"target_columns", StrList({"c"})},
                  {"labels", Str("classes")},
                  {"classes", StrList({"a", " a", "a \"b\""})}})));
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{3}, {2, 1, 0});
}

TEST_F(CsvTest, LineNumbersCountLinesInsideQuotes) {
  EXPECT_EQ(LoadError("t,x,y\n\"two\nlines\",1,2\nz,abc,3\n",
                      Attrs({{"feature_columns", StrList({"x"})},
                             {"target_columns", StrList({"y"})}})),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":4: column 2 (\"x\"): expected a number, got "
                         "\"abc\""));
}

TEST_F(CsvTest, CrlfLineEndingsAndBlankTrailingLines) {
  const AttrMap attrs = Attrs({{"target_columns", StrList({"label"})}});
  ASSERT_OK_AND_ASSIGN(
      auto columns,
      Load("hours,score,label\r\n1.5,2,0\r\n2.5,-3,1\r\n\r\n  \r\n\n", attrs));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{2, 2},
               {1.5, 2, 2.5, -3});
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{2, 1}, {0, 1});
  // No line break after the last row.
  ASSERT_OK_AND_ASSIGN(columns, Load("hours,score,label\r\n1.5,2,0", attrs));
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{1, 1}, {0});
  // Old Mac line ends, and the error's line counts them.
  EXPECT_EQ(LoadError("hours,score,label\r1,2,3\rx,2,3\r", attrs),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":3: column 1 (\"hours\"): expected a number, got "
                         "\"x\""));
}

TEST_F(CsvTest, BlanksAroundFieldsAndAByteOrderMarkAreDropped) {
  ASSERT_OK_AND_ASSIGN(auto columns,
                       Load("\xEF\xBB\xBF hours , label\n 1.5 ,\t2\n",
                            Attrs({{"target_columns", StrList({"label"})}})));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{1, 1}, {1.5});
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{1, 1}, {2});
}

// ----- where the file is --------------------------------------------------

TEST_F(CsvTest, PathsResolveAgainstTheBaseDirectory) {
  WriteFile(TestPath("base.csv"), "a,b\n1,2\n");
  const AttrMap relative =
      Attrs({{"path", Str("base.csv")}, {"target_indices", IntList({1})}});
  EXPECT_OK(MakeAndLoad("csv", relative, TestDir()));
  EXPECT_OK(MakeAndLoad("csv", relative, TestDir() + "/"));
  // An absolute path ignores the base directory.
  const AttrMap absolute = Attrs(
      {{"path", Str(TestPath("base.csv"))}, {"target_indices", IntList({1})}});
  EXPECT_OK(MakeAndLoad("csv", absolute, "/nonexistent"));
  // The message names the path that was opened.
  EXPECT_EQ(StatusText(MakeAndLoad("csv", relative, "/nonexistent")),
            "NOT_FOUND: /nonexistent/base.csv: cannot open: No such file or "
            "directory");
  EXPECT_EQ(StatusText(MakeAndLoad("csv", relative, "")),
            "NOT_FOUND: base.csv: cannot open: No such file or directory");
  EXPECT_EQ(
      StatusText(MakeAndLoad(
          "csv", Attrs({{"path", Str(".")}, {"target_indices", IntList({1})}}),
          TestDir())),
      absl::StrCat("INVALID_ARGUMENT: ", TestDir(),
                   "/.: is a directory, not a regular file"));
}

TEST_F(CsvTest, GzipCompressedFile) {
  const std::string path = TestPath("data.csv.gz");
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  const std::string text = "a,b\n1,2\n3,x\n";
  ASSERT_EQ(gzwrite(file, text.data(), text.size()),
            static_cast<int>(text.size()));
  ASSERT_EQ(gzclose(file), Z_OK);
  EXPECT_EQ(StatusText(MakeAndLoad("csv",
                                   Attrs({{"path", Str("data.csv.gz")},
                                          {"target_columns", StrList({"b"})}}),
                                   TestDir())),
            absl::StrCat("INVALID_ARGUMENT: ", path,
                         ":3: column 2 (\"b\"): expected a number, got "
                         "\"x\""));
}

// ----- errors in the file -------------------------------------------------

TEST_F(CsvTest, NotANumber) {
  const std::string text =
      "id,day,hours,label\n"
      "1,mon,2,0\n"
      "2,tue,abc,1\n";
  EXPECT_EQ(LoadError(text, Attrs({{"feature_columns", StrList({"hours"})},
                                   {"target_columns", StrList({"label"})}})),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":3: column 3 (\"hours\"): expected a number, got "
                         "\"abc\""));
  EXPECT_EQ(LoadError(text, Attrs({{"target_columns", StrList({"label"})}})),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":2: column 2 (\"day\"): expected a number, got "
                         "\"mon\""));
}

TEST_F(CsvTest, NotANumberWithoutHeader) {
  EXPECT_EQ(LoadError("1,2\n3,4x\n", Attrs({{"header", MakeAttr(false)},
                                            {"target_indices", IntList({1})}})),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":2: column 2: expected a number, got \"4x\""));
}

TEST_F(CsvTest, EmptyAndNonFiniteCells) {
  const AttrMap attrs = Attrs({{"target_columns", StrList({"b"})}});
  EXPECT_EQ(LoadError("a,b\n1,\n", attrs),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":2: column 2 (\"b\"): expected a number, got "
                         "\"\""));
  EXPECT_EQ(LoadError("a,b\nnan,1\n", attrs),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":2: column 1 (\"a\"): expected a finite number, "
                         "got \"nan\""));
  EXPECT_EQ(LoadError("a,b\n1,-1e999\n", attrs),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":2: column 2 (\"b\"): expected a finite number, "
                         "got \"-1e999\""));
  EXPECT_EQ(LoadError("a,b\n1e39,1\n", attrs),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":2: column 1 (\"a\"): expected a number in "
                         "float32's range, got \"1e39\""));
  AttrMap f64 = attrs;
  f64["dtype"] = Str("float64");
  ASSERT_OK_AND_ASSIGN(auto columns, Load("a,b\n1e39,1\n", f64));
  ExpectColumn(columns[0], "x", DType::kFloat64, Shape{1, 1}, {1e39});
}

// scikit-learn's CSVs start with a line of metadata: 150 samples, 4
// features and the class names.
constexpr char kIrisLike[] =
    "3,2,setosa,versicolor\n"
    "sepal,petal,species\n"
    "5.1,1.4,0\n"
    "7.0,4.7,1\n"
    "6.4,4.5,1\n";

TEST_F(CsvTest, SkipRowsSkipsLinesBeforeTheHeader) {
  AttrMap attrs = Attrs(
      {{"target_columns", StrList({"species"})}, {"labels", Str("classes")}});
  attrs["skip_rows"] = MakeAttr(int64_t{1});
  ASSERT_OK_AND_ASSIGN(auto columns, Load(kIrisLike, attrs));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{3, 2},
               AsFloat32({5.1, 1.4, 7.0, 4.7, 6.4, 4.5}));
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{3}, {0, 1, 1});
  // Without it, the metadata is the header and the hint says why rows do
  // not fit.
  attrs["skip_rows"] = MakeAttr(int64_t{0});
  attrs["target_columns"] = StrList({"setosa"});
  EXPECT_EQ(LoadError(kIrisLike, attrs),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":2: 3 columns, expected 4 (as in row 1); only the "
                         "first row has that many: if the file starts with "
                         "lines that are not part of the table, skip them "
                         "with skip_rows"));
  // Skipping every row leaves an empty file.
  attrs["skip_rows"] = MakeAttr(int64_t{5});
  EXPECT_EQ(LoadError(kIrisLike, attrs),
            absl::StrCat("INVALID_ARGUMENT: ", File(), ": the file is empty"));
}

TEST_F(CsvTest, CommentLinesAreSkippedAnywhere) {
  AttrMap attrs = Attrs({{"target_columns", StrList({"t"})}});
  attrs["comment"] = Str("#");
  ASSERT_OK_AND_ASSIGN(
      auto columns,
      Load("# made by hand\na,t\n1,2\n# a note\n3,4\n#\n", attrs));
  ExpectColumn(columns[0], "x", DType::kFloat32, Shape{2, 1}, {1, 3});
  ExpectColumn(columns[1], "y", DType::kFloat32, Shape{2, 1}, {2, 4});
  // Lines keep their numbers in messages.
  EXPECT_EQ(LoadError("# note\na,t\n1,x\n", attrs),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":3: column 2 (\"t\"): expected a number, got "
                         "\"x\""));
  // Without comment, "#" is data.
  EXPECT_EQ(
      LoadError("a,t\n1,2\n#,3\n", Attrs({{"target_columns", StrList({"t"})}})),
      absl::StrCat("INVALID_ARGUMENT: ", File(),
                   ":3: column 1 (\"a\"): expected a number, got "
                   "\"#\""));
}

TEST_F(CsvTest, WrongColumnCount) {
  // The multi-line text in column 1 is not read.
  const AttrMap attrs = Attrs(
      {{"target_indices", IntList({1})}, {"feature_indices", IntList({2})}});
  EXPECT_EQ(LoadError("a,b,c,d,e\n1,2,3,4,5\n1,2,3,4,5\n\"x\ny\",2,3,4,5\n"
                      "1,2,3,4\n",
                      attrs),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":6: 4 columns, expected 5 (as in row 1)"));
  const AttrMap first = Attrs({{"target_indices", IntList({0})}});
  EXPECT_EQ(LoadError("a,b\n1,2,\n", first),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":2: 3 columns, expected 2 (as in row 1); only the "
                         "first row has that many: if the file starts with "
                         "lines that are not part of the table, skip them "
                         "with skip_rows"));
  AttrMap no_header = first;
  no_header["header"] = MakeAttr(false);
  EXPECT_EQ(LoadError("1,2\n3\n", no_header),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":2: 1 column, expected 2 (as in row 1)"));
}

TEST_F(CsvTest, UnknownColumnNameListsTheHeader) {
  EXPECT_EQ(
      LoadError(kNumbers, Attrs({{"target_columns", StrList({"lable"})}})),
      absl::StrCat("INVALID_ARGUMENT: ", File(),
                   ": target_columns names \"lable\", which is not in "
                   "the header: \"hours\", \"score\", \"label\""));
  EXPECT_EQ(LoadError(kNumbers,
                      Attrs({{"feature_columns", StrList({"hours", "x"})}})),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ": feature_columns names \"x\", which is not in the "
                         "header: \"hours\", \"score\", \"label\""));
}

TEST_F(CsvTest, AmbiguousColumnName) {
  EXPECT_EQ(
      LoadError("a,b,a\n1,2,3\n", Attrs({{"target_columns", StrList({"a"})}})),
      absl::StrCat("INVALID_ARGUMENT: ", File(),
                   ": target_columns names \"a\", which the header has "
                   "twice (columns 1 and 3)"));
  // A repeated name that is not chosen does no harm.
  EXPECT_OK(Load("a,b,a\n1,2,3\n", Attrs({{"target_columns", StrList({"b"})},
                                          {"feature_indices", IntList({0})}})));
}

TEST_F(CsvTest, IndexOutOfRange) {
  EXPECT_EQ(LoadError("1,2,3\n", Attrs({{"header", MakeAttr(false)},
                                        {"target_indices", IntList({3})}})),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ": target_indices has 3, but row 1 has 3 columns "
                         "(indices 0 to 2)"));
}

TEST_F(CsvTest, EmptyFile) {
  const AttrMap attrs = Attrs({{"target_indices", IntList({0})}});
  const std::string empty =
      absl::StrCat("INVALID_ARGUMENT: ", File(), ": the file is empty");
  EXPECT_EQ(LoadError("", attrs), empty);
  EXPECT_EQ(LoadError("\n \r\n\n", attrs), empty);
  EXPECT_EQ(LoadError("\xEF\xBB\xBF", attrs), empty);
  EXPECT_EQ(LoadError("a,b\n\n", attrs),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ": no rows of data after the header"));
}

TEST_F(CsvTest, BlankLineBeforeTheEnd) {
  EXPECT_EQ(LoadError("a,b\n1,2\n\n  \n3,4\n",
                      Attrs({{"target_indices", IntList({0})}})),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":3: blank line (blank lines may only end the "
                         "file)"));
  EXPECT_EQ(
      LoadError("\na,b\n1,2\n", Attrs({{"target_indices", IntList({0})}})),
      absl::StrCat("INVALID_ARGUMENT: ", File(),
                   ":1: blank line (blank lines may only end the "
                   "file)"));
}

TEST_F(CsvTest, BadQuotes) {
  const AttrMap attrs = Attrs({{"target_indices", IntList({0})}});
  EXPECT_EQ(LoadError("a,b\n1,2\n3,\"4\n5,6\n", attrs),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":3: column 2: the quoted field never closes"));
  EXPECT_EQ(LoadError("a,b\n1,\"2\"3\n", attrs),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":2: column 2: unexpected '3' after the closing "
                         "quote (write \"\" for a quote inside quotes)"));
}

TEST_F(CsvTest, ClassNotInClasses) {
  EXPECT_EQ(LoadError("x,y,animal\n1,2,cat\n3,4,dog\n",
                      Attrs({{"target_columns", StrList({"animal"})},
                             {"labels", Str("classes")},
                             {"classes", StrList({"cat", "bird"})}})),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ":3: column 3 (\"animal\"): class \"dog\" is not in "
                         "classes (\"cat\", \"bird\")"));
}

TEST_F(CsvTest, ClassesNeedOneTargetColumn) {
  EXPECT_EQ(LoadError(kNumbers, Attrs({{"feature_columns", StrList({"hours"})},
                                       {"labels", Str("classes")}})),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ": labels: \"classes\" needs exactly one target "
                         "column, got 2: column 2 (\"score\"), column 3 "
                         "(\"label\")"));
  EXPECT_EQ(LoadError(kNumbers, Attrs({{"feature_indices", IntList({0, 1, 2})},
                                       {"labels", Str("classes")}})),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ": labels: \"classes\" needs exactly one target "
                         "column, got 0"));
}

TEST_F(CsvTest, ColumnBothFeatureAndTarget) {
  EXPECT_EQ(LoadError(kNumbers,
                      Attrs({{"feature_columns", StrList({"hours", "label"})},
                             {"target_indices", IntList({2})}})),
            absl::StrCat("INVALID_ARGUMENT: ", File(),
                         ": column 3 (\"label\") is both a feature and a "
                         "target"));
}

TEST_F(CsvTest, NoFeaturesLeft) {
  EXPECT_EQ(
      LoadError("a,b\n1,2\n", Attrs({{"target_columns", StrList({"a", "b"})}})),
      absl::StrCat("INVALID_ARGUMENT: ", File(),
                   ": no feature columns: all 2 columns are targets"));
}

// ----- errors in the attributes -------------------------------------------

TEST_F(CsvTest, AttributeErrors) {
  const AttrValue label = StrList({"label"});
  EXPECT_EQ(DataSourceRegistry::Global()
                .Make("csv", Attrs({{"target_columns", label}}))
                .status()
                .ToString(),
            "INVALID_ARGUMENT: data source 'csv': missing required attribute "
            "'path' (string)");
  EXPECT_EQ(MakeError(Attrs({{"path", Str("")}, {"target_columns", label}})),
            "INVALID_ARGUMENT: data source 'csv': path is empty");
  EXPECT_EQ(MakeError(Attrs({})),
            "INVALID_ARGUMENT: data source 'csv': choose the targets "
            "(target_columns or target_indices) or the features "
            "(feature_columns or feature_indices)");
  EXPECT_EQ(MakeError(Attrs(
                {{"target_columns", label}, {"target_indices", IntList({1})}})),
            "INVALID_ARGUMENT: data source 'csv': set target_columns or "
            "target_indices, not both");
  EXPECT_EQ(MakeError(Attrs(
                {{"header", MakeAttr(false)}, {"feature_columns", label}})),
            "INVALID_ARGUMENT: data source 'csv': feature_columns needs a "
            "header (header is false): name the columns by feature_indices "
            "instead");
  EXPECT_EQ(MakeError(Attrs({{"feature_indices", IntList({0, -1})}})),
            "INVALID_ARGUMENT: data source 'csv': feature_indices must be >= "
            "0, got -1");
  EXPECT_EQ(MakeError(Attrs({{"feature_indices", IntList({2, 0, 2})}})),
            "INVALID_ARGUMENT: data source 'csv': feature_indices lists 2 "
            "twice");
  EXPECT_EQ(MakeError(Attrs({{"target_columns", StrList({"a", "b", "a"})}})),
            "INVALID_ARGUMENT: data source 'csv': target_columns lists \"a\" "
            "twice");
  EXPECT_EQ(
      MakeError(Attrs({{"target_columns", label}, {"labels", Str("class")}})),
      "INVALID_ARGUMENT: data source 'csv': labels must be \"numbers\" "
      "or \"classes\", got \"class\"");
  EXPECT_EQ(MakeError(Attrs(
                {{"target_columns", label}, {"classes", StrList({"a", "b"})}})),
            "INVALID_ARGUMENT: data source 'csv': classes is set, but labels "
            "is \"numbers\": set labels: \"classes\"");
  EXPECT_EQ(MakeError(Attrs({{"target_columns", label},
                             {"labels", Str("classes")},
                             {"classes", StrList({"a", "b", "a"})}})),
            "INVALID_ARGUMENT: data source 'csv': classes lists \"a\" twice");
  EXPECT_EQ(
      MakeError(Attrs({{"target_columns", label}, {"dtype", Str("float16")}})),
      "INVALID_ARGUMENT: data source 'csv': dtype must be \"float32\" "
      "or \"float64\", got \"float16\"");
  for (const char* bad : {"", ";;", "\"", "\n", "\r"}) {
    EXPECT_EQ(
        MakeError(Attrs({{"target_columns", label}, {"delimiter", Str(bad)}})),
        absl::StrCat("INVALID_ARGUMENT: data source 'csv': delimiter "
                     "must be one character other than a double quote "
                     "or a line break, got \"",
                     bad, "\""));
  }
  for (const char* bad : {"##", ",", "\"", "\n", " ", "\t"}) {
    EXPECT_EQ(
        MakeError(Attrs({{"target_columns", label}, {"comment", Str(bad)}})),
        absl::StrCat("INVALID_ARGUMENT: data source 'csv': comment must be "
                     "empty or one character other than the delimiter, a "
                     "double quote, a blank or a line break, got \"",
                     bad, "\""));
  }
  EXPECT_EQ(MakeError(Attrs({{"target_columns", label},
                             {"skip_rows", MakeAttr(int64_t{-1})}})),
            "INVALID_ARGUMENT: data source 'csv': skip_rows must be >= 0, got "
            "-1");
  EXPECT_EQ(MakeError(Attrs({{"target_columns", label},
                             {"features_placeholder", Str("")}})),
            "INVALID_ARGUMENT: data source 'csv': features_placeholder is "
            "empty");
  EXPECT_EQ(MakeError(Attrs(
                {{"target_columns", label}, {"targets_placeholder", Str("")}})),
            "INVALID_ARGUMENT: data source 'csv': targets_placeholder is "
            "empty");
  EXPECT_EQ(MakeError(Attrs({{"target_columns", label},
                             {"targets_placeholder", Str("x")}})),
            "INVALID_ARGUMENT: data source 'csv': features_placeholder and "
            "targets_placeholder are both \"x\"");
  EXPECT_EQ(MakeError(Attrs({{"target_columns", Str("label")}})),
            "INVALID_ARGUMENT: data source 'csv': attribute 'target_columns' "
            "must be list(string), got string \"label\"");
}

// ----- through a model's data section -------------------------------------

// x [?, 2], y [?, 1], c [?]; the data section names the CSV file relative
// to the model's directory.
constexpr char kModel[] = R"pb(
  graph {
    node {
      name: "x"
      op: "Placeholder"
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 2 } }
      }
    }
    node {
      name: "y"
      op: "Placeholder"
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 1 } }
      }
    }
    node {
      name: "c"
      op: "Placeholder"
      attr {
        key: "shape"
        value { shape { dim: -1 } }
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

// The data section of a model reading train.csv with `attrs` (text format).
std::string CsvSection(absl::string_view attrs) {
  return absl::StrCat(
      "data { source { name: \"csv\" attr { key: \"path\" value { s: "
      "\"train.csv\" } } ",
      attrs, " } }\n");
}

constexpr char kTrain[] =
    "a,b,t,animal\n1,2,0.5,dog\n3,4,1.5,cat\n5,6,2.5,dog\n";

TEST_F(CsvTest, ColumnsReachThePlaceholders) {
  WriteFile(TestPath("train.csv"), kTrain);
  ASSERT_OK_AND_ASSIGN(
      Dataset data,
      DatasetFrom(CsvSection(
          "attr { key: \"feature_columns\" value { list { s: \"a\" s: "
          "\"b\" } } } attr { key: \"target_columns\" value { list { s: "
          "\"t\" } } }")));
  EXPECT_EQ(data.num_samples(), 3);
  const auto fed = FedTensors(data);
  ASSERT_EQ(fed.size(), 2u);
  EXPECT_EQ(fed.at("x").dtype(), DType::kFloat32);
  EXPECT_EQ(fed.at("x").shape(), (Shape{3, 2}));
  EXPECT_EQ(fed.at("x").ToDoubles(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(fed.at("y").shape(), (Shape{3, 1}));
  EXPECT_EQ(fed.at("y").ToDoubles(), (std::vector<double>{0.5, 1.5, 2.5}));
}

TEST_F(CsvTest, ClassIndicesReachAFloat64Placeholder) {
  WriteFile(TestPath("train.csv"), kTrain);
  ASSERT_OK_AND_ASSIGN(
      Dataset data,
      DatasetFrom(CsvSection(
          "attr { key: \"feature_columns\" value { list { s: \"a\" s: "
          "\"b\" } } } attr { key: \"target_columns\" value { list { s: "
          "\"animal\" } } } attr { key: \"labels\" value { s: "
          "\"classes\" } } attr { key: \"targets_placeholder\" value { s: "
          "\"c\" } }")));
  const auto fed = FedTensors(data);
  ASSERT_EQ(fed.size(), 2u);
  EXPECT_EQ(fed.at("c").dtype(), DType::kFloat64);
  EXPECT_EQ(fed.at("c").shape(), (Shape{3}));
  EXPECT_EQ(fed.at("c").ToDoubles(), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(fed.at("x").ToDoubles(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
}

TEST_F(CsvTest, ErrorsThroughTheModel) {
  WriteFile(TestPath("train.csv"), kTrain);
  // Too few feature columns for x [?, 2].
  EXPECT_EQ(StatusText(DatasetFrom(CsvSection(
                "attr { key: \"feature_columns\" value { list { s: \"a\" "
                "} } } attr { key: \"target_columns\" value { list { s: "
                "\"t\" } } }"))),
            "INVALID_ARGUMENT: m.pbtxt: data source 1 ('csv'): shape [3, 1] "
            "does not fit the placeholder's [?, 2] (axis 0 counts samples)");
  // A cell that is not a number.
  EXPECT_EQ(StatusText(DatasetFrom(CsvSection(
                "attr { key: \"feature_columns\" value { list { s: \"a\" "
                "s: \"animal\" } } } attr { key: \"target_columns\" value "
                "{ list { s: \"t\" } } }"))),
            absl::StrCat("INVALID_ARGUMENT: m.pbtxt: data source 1 ('csv'): ",
                         TestPath("train.csv"),
                         ":2: column 4 (\"animal\"): expected a number, got "
                         "\"dog\""));
  // A bad attribute.
  EXPECT_EQ(StatusText(DatasetFrom(
                CsvSection("attr { key: \"target_index\" value { i: 2 } }"))),
            "INVALID_ARGUMENT: m.pbtxt: data source 1 ('csv'): data source "
            "'csv': unknown attribute 'target_index' (declared: path, header, "
            "delimiter, skip_rows, comment, feature_columns, feature_indices, "
            "target_columns, target_indices, weight_columns, weight_indices, "
            "features_placeholder, targets_placeholder, weights_placeholder, "
            "labels, classes, dtype)");
}

}  // namespace
}  // namespace nabla
