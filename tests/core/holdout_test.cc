// test_fraction and validation_fraction: the samples each holds out, by
// count and, stratified, by class (largest remainders); every sample in
// exactly one split, each split in the original order; the same seed the
// same rows; and the errors of bad settings.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/model_data.h"
#include "core/model_parser.h"
#include "gtest/gtest.h"
#include "tests/model_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// x holds each sample's row index; y its class: 60 of class 0, 30 of
// class 1 and 10 of class 2, interleaved.
std::string Model(const std::string& data_settings, int samples = 100) {
  std::string x, y;
  for (int i = 0; i < samples; ++i) {
    const int label = i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2;
    absl::StrAppend(&x, i == 0 ? "" : ", ", i);
    absl::StrAppend(&y, i == 0 ? "" : ", ", label);
  }
  return absl::StrCat(
      "graph {\n"
      "node { name: 'x' op: 'Placeholder' attr { key: 'shape' value { shape "
      "{ dim: -1 dim: 1 } } } }\n"
      "node { name: 'y' op: 'Placeholder' attr { key: 'shape' value { shape "
      "{ dim: -1 } } } }\n"
      "}\n"
      "data { feed { placeholder: 'x' tensor { shape { dim: ",
      samples, " dim: 1 } value: [", x,
      "] } } feed { placeholder: 'y' tensor { shape { dim: ", samples,
      " } value: [", y, "] } } ", data_settings, " }\n");
}

absl::StatusOr<ModelData> Load(const std::string& text,
                               absl::string_view class_labels = "y") {
  auto graph = GraphFromModelText(text, "h.pbtxt");
  if (!graph.ok()) return graph.status();
  auto parsed = ParseModelText(text, "h.pbtxt");
  if (!parsed.ok()) return parsed.status();
  return LoadModelData(*graph, parsed->model.data(), "h.pbtxt", {}, nullptr,
                       class_labels);
}

std::vector<double> Rows(const Dataset& data) {
  return data.samples("x")->ToDoubles();
}

std::map<int, int> ClassCounts(const Dataset& data) {
  std::map<int, int> counts;
  for (double label : data.samples("y")->ToDoubles()) ++counts[label];
  return counts;
}

void ExpectAPartition(const ModelData& data, int samples) {
  std::set<double> seen;
  for (const Dataset* split : {&data.training, &data.validation, &data.test}) {
    if (split->empty()) continue;
    const std::vector<double> rows = Rows(*split);
    EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end()));
    for (double row : rows) EXPECT_TRUE(seen.insert(row).second) << row;
  }
  EXPECT_EQ(static_cast<int>(seen.size()), samples);
}

TEST(HoldoutTest, StratifiedSplitsKeepEachClassShare) {
  ASSERT_OK_AND_ASSIGN(
      const ModelData data,
      Load(Model("test_fraction: 0.1 validation_fraction: 0.2")));
  EXPECT_EQ(ClassCounts(data.test),
            (std::map<int, int>{{0, 6}, {1, 3}, {2, 1}}));
  EXPECT_EQ(ClassCounts(data.validation),
            (std::map<int, int>{{0, 12}, {1, 6}, {2, 2}}));
  EXPECT_EQ(ClassCounts(data.training),
            (std::map<int, int>{{0, 42}, {1, 21}, {2, 7}}));
  ExpectAPartition(data, 100);
}

TEST(HoldoutTest, SharesThatDoNotDivideGoByLargestRemainder) {
  // 7 of 100 held: exact shares 4.2, 2.1 and 0.7; the floors give 6, and
  // the seventh goes to class 2 (remainder 0.7).
  ASSERT_OK_AND_ASSIGN(const ModelData data,
                       Load(Model("validation_fraction: 0.07")));
  EXPECT_EQ(ClassCounts(data.validation),
            (std::map<int, int>{{0, 4}, {1, 2}, {2, 1}}));
  // 2 of 10 samples (6, 3, 1): shares 1.2, 0.6, 0.2: class 0 gets one by
  // its floor, class 1 the other by its remainder.
  ASSERT_OK_AND_ASSIGN(const ModelData small,
                       Load(Model("validation_fraction: 0.2", 10)));
  EXPECT_EQ(ClassCounts(small.validation),
            (std::map<int, int>{{0, 1}, {1, 1}}));
  ExpectAPartition(small, 10);
}

TEST(HoldoutTest, RandomIgnoresTheLabelsAndTheSeedFixesTheRows) {
  ASSERT_OK_AND_ASSIGN(
      const ModelData random,
      Load(Model("validation_fraction: 0.3 holdout: HOLDOUT_RANDOM")));
  EXPECT_EQ(random.validation.num_samples(), 30);
  ExpectAPartition(random, 100);
  // Without class labels, AUTO is random: the same rows.
  ASSERT_OK_AND_ASSIGN(const ModelData unlabelled,
                       Load(Model("validation_fraction: 0.3"), ""));
  EXPECT_EQ(Rows(unlabelled.validation), Rows(random.validation));
  // Another seed, other rows; the same seed, the same rows.
  ASSERT_OK_AND_ASSIGN(
      const ModelData other,
      Load(Model("validation_fraction: 0.3 holdout: HOLDOUT_RANDOM "
                 "holdout_seed: 7")));
  EXPECT_NE(Rows(other.validation), Rows(random.validation));
  ASSERT_OK_AND_ASSIGN(const ModelData stratified,
                       Load(Model("validation_fraction: 0.3")));
  ASSERT_OK_AND_ASSIGN(const ModelData again,
                       Load(Model("validation_fraction: 0.3")));
  EXPECT_EQ(Rows(again.validation), Rows(stratified.validation));
}

TEST(HoldoutTest, BadSettingsAreRefused) {
  EXPECT_STATUS(Load(Model("test_fraction: 1.5")),
                absl::StatusCode::kInvalidArgument,
                "h.pbtxt: data.test_fraction 1.5 of 100 samples must leave at "
                "least one sample on each side");
  EXPECT_STATUS(Load(Model("test_fraction: 0.5 validation_fraction: 0.5")),
                absl::StatusCode::kInvalidArgument,
                "h.pbtxt: data.validation_fraction 0.5 of 100 samples must "
                "leave at least one sample on each side");
  EXPECT_STATUS(
      Load(Model("test_fraction: 0.2 test { feed { placeholder: 'x' tensor "
                 "{ shape { dim: 1 dim: 1 } value: [1] } } }")),
      absl::StatusCode::kInvalidArgument,
      "h.pbtxt: data has both test data and a test_fraction; choose one");
  EXPECT_STATUS(
      Load(Model("validation_fraction: 0.2 holdout: HOLDOUT_STRATIFIED"), ""),
      absl::StatusCode::kInvalidArgument,
      "h.pbtxt: data.holdout is HOLDOUT_STRATIFIED, but the loss takes no "
      "class labels from a placeholder to stratify by");
}

// holdout and holdout_seed choose how samples are held out: without a
// fraction they would be ignored, so they are refused.
TEST(HoldoutTest, HoldoutSettingsWithoutAFractionAreRefused) {
  EXPECT_STATUS(Load(Model("holdout_seed: 3")).status(),
                absl::StatusCode::kInvalidArgument,
                "h.pbtxt: data.holdout_seed is set, but neither "
                "validation_fraction nor test_fraction holds samples out: it "
                "would have no effect");
  EXPECT_STATUS(Load(Model("holdout: HOLDOUT_RANDOM")).status(),
                absl::StatusCode::kInvalidArgument,
                "h.pbtxt: data.holdout is set, but neither");
  EXPECT_OK(Load(Model("holdout_seed: 3 test_fraction: 0.1")).status());
}

}  // namespace
}  // namespace nabla
