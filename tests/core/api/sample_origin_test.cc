// A label out of range found by a loss kernel is reported with where its
// sample was read: the data file and line (CSV), the file and sample (IDX)
// or the model file's feed and sample, whichever split it is in, after the
// data was shuffled and split, and with its class name when the labels were
// read as names.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nabla/model.h"
#include "tests/status_matchers.h"
#include "tests/test_files.h"

namespace nabla {
namespace {

// Three classes of logits; `data` and `training` complete the model.
std::string Model(const std::string& data, const std::string& training = "") {
  return absl::StrCat(R"(graph {
  node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
  node { name: "y" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 } } } }
  node { name: "logits" op: "Dense" input: "x" attr { key: "units" value { i: 3 } } }
  node { name: "loss" op: "SparseSoftmaxCrossEntropy" input: "logits" input: "y" }
}
training { loss: "loss" optimizer { name: "SGD" } epochs: 2 batch_size: 3 seed: 5 )",
                      training, "}\n", data);
}

std::string CsvSource(const std::string& file, const std::string& classes) {
  return absl::StrCat(
      R"(source { name: "csv" attr { key: "path" value { s: ")", file,
      R"(" } } attr { key: "labels" value { s: "classes" } } attr { key: "comment" value { s: "#" } } attr { key: "target_columns" value { list { s: "label" } } })",
      classes.empty() ? "" : " attr { key: \"classes\" value { list { ",
      classes, classes.empty() ? "" : " } } }", " }");
}

absl::Status TrainError(const std::string& model_text) {
  const std::string path = TestPath("m.pbtxt");
  WriteFile(path, model_text);
  auto model = Model::FromFile(path);
  if (!model.ok()) return model.status();
  auto trained = (*model)->Train();
  return trained.status();
}

TEST(SampleOriginTest, CsvLabelOutOfRangeNamesFileLineAndClass) {
  // Four classes for three logits: "d" (class 3) is on line 9 only, which
  // training meets in some shuffled batch.
  WriteFile(TestPath("four.csv"),
            "x,label\n0,a\n1,b\n# a comment\n2,c\n3,a\n4,b\n5,c\n6,d\n7,a\n");
  const absl::Status status = TrainError(
      Model(absl::StrCat("data { ", CsvSource("four.csv", ""), " }")));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(),
                                "labels must be integer class indices in "
                                "[0, 3); sample "))
      << status;
  EXPECT_TRUE(absl::StrContains(
      status.message(), absl::StrCat(" of the batch is 'y' at ",
                                     TestPath("four.csv"), ":9 (class \"d\")")))
      << status;
}

TEST(SampleOriginTest, ValidationSplitNamesItsOwnFile) {
  // The classes are declared, so training (a, b, c) runs; validation has
  // "d", class 3, on line 3 of its own file.
  WriteFile(TestPath("train.csv"), "x,label\n0,a\n1,b\n2,c\n3,a\n");
  WriteFile(TestPath("valid.csv"), "x,label\n4,b\n5,d\n");
  const std::string classes = R"(s: "a" s: "b" s: "c" s: "d")";
  const absl::Status status = TrainError(Model(
      absl::StrCat("data { ", CsvSource("train.csv", classes), " validation { ",
                   CsvSource("valid.csv", classes), " } }")));
  EXPECT_TRUE(absl::StrContains(
      status.message(),
      absl::StrCat("sample 1 of the batch is 'y' at ", TestPath("valid.csv"),
                   ":3 (class \"d\")")))
      << status;
}

TEST(SampleOriginTest, FeedSampleIsCountedAsLoadedAfterAHoldOut) {
  // Sample 7 (label 5) keeps its number wherever the hold-out puts it.
  const std::string data = R"(data {
  feed { placeholder: "x" tensor { shape { dim: 10 dim: 1 } value: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] } }
  feed { placeholder: "y" tensor { shape { dim: 10 } value: [0, 1, 2, 0, 1, 2, 0, 5, 1, 2] } }
  validation_fraction: 0.3 holdout: HOLDOUT_RANDOM
})";
  const std::string path = TestPath("m.pbtxt");
  WriteFile(path, Model(data));
  ASSERT_OK_AND_ASSIGN(auto model, Model::FromFile(path));
  absl::Status status = model->Train().status();
  if (status.ok()) status = model->Evaluate(Split::kValidation).status();
  EXPECT_TRUE(absl::StrContains(
      status.message(), absl::StrCat("is 'y' at ", path,
                                     ": data feed for 'y', sample 7 (from 0)")))
      << status;
}

}  // namespace
}  // namespace nabla
