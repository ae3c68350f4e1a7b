// Validation and test labels read as class names take the training data's
// class indices (LoadModelData passes them to the sources): a test file
// that lacks a class reads the others as training did, a label training
// never had is refused by file, line and label, and a split whose own
// classes differ from training's is refused.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/data_source.h"
#include "core/model_data.h"
#include "core/model_parser.h"
#include "gtest/gtest.h"
#include "tests/model_test_util.h"
#include "tests/plugins/data_sources/data_source_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

using data_source_test::FedTensors;
using data_source_test::StatusText;
using data_source_test::TestDir;
using data_source_test::TestPath;
using data_source_test::WriteFile;

constexpr char kGraph[] = R"pb(
  graph {
    node {
      name: "x"
      op: "Placeholder"
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 1 } }
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
  }
)pb";

// A csv source of `file` with class labels in column "label"; `extra` adds
// attributes (text format).
std::string Source(const std::string& file, const std::string& extra = "") {
  return absl::StrCat(
      "source { name: \"csv\" attr { key: \"path\" value { s: \"", file,
      "\" } } attr { key: \"target_columns\" value { list { s: \"label\" } } "
      "} attr { key: \"labels\" value { s: \"classes\" } } ",
      extra, " }");
}

absl::StatusOr<ModelData> Load(const std::string& data_section) {
  const std::string text = absl::StrCat(kGraph, data_section);
  auto graph = GraphFromModelText(text, "m.pbtxt");
  if (!graph.ok()) return graph.status();
  auto parsed = ParseModelText(text, "m.pbtxt");
  if (!parsed.ok()) return parsed.status();
  DataSourceContext context;
  context.base_dir = TestDir();
  return LoadModelData(*graph, parsed->model.data(), "m.pbtxt", context,
                       nullptr);
}

class SplitClassesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(TestPath("train.csv"),
              "f,label\n1,setosa\n2,versicolor\n3,virginica\n4,setosa\n");
  }
};

TEST_F(SplitClassesTest, ATestFileWithoutAClassKeepsTrainingsIndices) {
  // Alone, this file's classes would be versicolor = 0, virginica = 1.
  WriteFile(TestPath("test.csv"), "f,label\n5,virginica\n6,versicolor\n");
  ASSERT_OK_AND_ASSIGN(
      const ModelData data,
      Load(absl::StrCat("data { ", Source("train.csv"), " test { ",
                        Source("test.csv"), " } validation { ",
                        Source("test.csv"), " } }")));
  EXPECT_EQ(FedTensors(data.training).at("y").ToDoubles(),
            (std::vector<double>{0, 1, 2, 0}));
  EXPECT_EQ(FedTensors(data.test).at("y").ToDoubles(),
            (std::vector<double>{2, 1}));
  EXPECT_EQ(FedTensors(data.validation).at("y").ToDoubles(),
            (std::vector<double>{2, 1}));
  const std::vector<std::string> classes = {"setosa", "versicolor",
                                            "virginica"};
  EXPECT_EQ(data.test.class_names("y"), classes);
  EXPECT_EQ(data.training.class_names("y"), classes);
}

TEST_F(SplitClassesTest, ALabelTrainingNeverHadIsRefusedWithItsLine) {
  WriteFile(TestPath("test.csv"), "f,label\n5,virginica\n6,iris\n");
  EXPECT_EQ(
      StatusText(Load(absl::StrCat("data { ", Source("train.csv"), " test { ",
                                   Source("test.csv"), " } }"))),
      absl::StrCat("INVALID_ARGUMENT: m.pbtxt: test: data source 1 ('csv'): ",
                   TestPath("test.csv"),
                   ":3: column 2 (\"label\"): class \"iris\" is not among the "
                   "training data's (\"setosa\", \"versicolor\", "
                   "\"virginica\")"));
}

TEST_F(SplitClassesTest, ASplitWithOtherClassesIsRefused) {
  WriteFile(TestPath("test.csv"), "f,label\n5,virginica\n6,setosa\n");
  EXPECT_EQ(StatusText(Load(
                absl::StrCat("data { ", Source("train.csv"), " validation { ",
                             Source("test.csv",
                                    "attr { key: \"classes\" value { list { s: "
                                    "\"virginica\" s: \"setosa\" } } }"),
                             " } }"))),
            "INVALID_ARGUMENT: m.pbtxt: validation: data source 1 ('csv'): the "
            "classes of 'y' (\"virginica\", \"setosa\") are not the training "
            "data's (\"setosa\", \"versicolor\", \"virginica\")");
}

}  // namespace
}  // namespace nabla
