#include "core/run/metrics.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "core/tensor.h"
#include "gtest/gtest.h"
#include "tests/allocation_counter.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

Tensor F32(const Shape& shape, std::vector<double> values) {
  return Tensor::FromValues(DType::kFloat32, shape, values);
}
Tensor F64(const Shape& shape, std::vector<double> values) {
  return Tensor::FromValues(DType::kFloat64, shape, values);
}

TEST(MetricKindTest, ClassificationLossesByName) {
  for (const char* op :
       {"SoftmaxCrossEntropy", "SparseSoftmaxCrossEntropy",
        "SigmoidCrossEntropy", "BinaryCrossEntropy", "Hinge"}) {
    EXPECT_EQ(MetricKindForLoss(op), MetricKind::kClassification) << op;
  }
  for (const char* op : {"MeanSquaredError", "MeanAbsoluteError", "Huber", "",
                         "softmaxcrossentropy"}) {
    EXPECT_EQ(MetricKindForLoss(op), MetricKind::kRegression) << op;
  }
}

TEST(MetricKindTest, BinaryThresholds) {
  EXPECT_EQ(BinaryThresholdForLoss("SigmoidCrossEntropy"), 0.0);
  EXPECT_EQ(BinaryThresholdForLoss("Hinge"), 0.0);
  EXPECT_EQ(BinaryThresholdForLoss("BinaryCrossEntropy"), 0.5);
}

TEST(EpochMetricsTest, NothingAddedIsNaN) {
  EpochMetrics classification(MetricKind::kClassification);
  EXPECT_TRUE(std::isnan(classification.accuracy()));
  EXPECT_EQ(classification.confusion_matrix().num_classes, 0);
  EpochMetrics regression(MetricKind::kRegression);
  EXPECT_TRUE(std::isnan(regression.mse()));
  EXPECT_TRUE(std::isnan(regression.mae()));
}

TEST(EpochMetricsTest, ArgmaxWithIndexThenOneHotTargets) {
  EpochMetrics metrics(MetricKind::kClassification);
  // Predictions 1, 0, 2, 0 (a tie goes to the first); targets 1, 2, 2, 1.
  ASSERT_OK(metrics.Add(F32({4, 3}, {0.1, 0.7, 0.2,  //
                                     0.5, 0.2, 0.3,  //
                                     0.2, 0.2, 0.6,  //
                                     0.3, 0.3, 0.1}),
                        F32({4}, {1, 2, 2, 1})));
  EXPECT_EQ(metrics.samples(), 4);
  EXPECT_DOUBLE_EQ(metrics.accuracy(), 0.5);
  // One-hot and soft targets: class 2 -> 2 and class 0 -> 0, both right.
  ASSERT_OK(metrics.Add(F32({2, 3}, {0, 0, 5, 9, 1, 1}),
                        F32({2, 3}, {0, 0, 1, 0.7, 0.2, 0.1})));
  EXPECT_EQ(metrics.samples(), 6);
  EXPECT_DOUBLE_EQ(metrics.accuracy(), 4.0 / 6.0);
  const ConfusionMatrix& m = metrics.confusion_matrix();
  ASSERT_EQ(m.num_classes, 3);
  EXPECT_EQ(m.counts, (std::vector<int64_t>{1, 0, 0,  //
                                            1, 1, 0,  //
                                            1, 0, 2}));
  EXPECT_EQ(m.at(2, 0), 1);
  const std::vector<NamedMetric> results = metrics.Results();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].name, "accuracy");
  EXPECT_DOUBLE_EQ(results[0].value, 4.0 / 6.0);
}

TEST(EpochMetricsTest, MixedDtypesAndColumnOfIndices) {
  EpochMetrics metrics(MetricKind::kClassification);
  ASSERT_OK(metrics.Add(F64({2, 2}, {1, 2, 4, 3}), F32({2, 1}, {1, 1})));
  EXPECT_DOUBLE_EQ(metrics.accuracy(), 0.5);
}

TEST(EpochMetricsTest, SingleColumnThresholdsAtHalf) {
  EpochMetrics metrics(MetricKind::kClassification);
  // Predictions 0, 1, 0 (0.5 is not above 0.5), 1.
  ASSERT_OK(metrics.Add(F32({4, 1}, {0.2, 0.7, 0.5, 0.9}),
                        F32({4, 1}, {0, 1, 1, 0})));
  EXPECT_DOUBLE_EQ(metrics.accuracy(), 0.5);
  const ConfusionMatrix& m = metrics.confusion_matrix();
  ASSERT_EQ(m.num_classes, 2);
  EXPECT_EQ(m.counts, (std::vector<int64_t>{1, 1, 1, 1}));
}

TEST(EpochMetricsTest, LogitsWithHingeLabelsThresholdAtZero) {
  EpochMetrics metrics(MetricKind::kClassification,
                       BinaryThresholdForLoss("Hinge"));
  // Predictions 0, 1, 1; labels -1, 1, -1 are classes 0, 1, 0.
  ASSERT_OK(metrics.Add(F32({3}, {-0.3, 2.0, 0.1}), F32({3}, {-1, 1, -1})));
  EXPECT_DOUBLE_EQ(metrics.accuracy(), 2.0 / 3.0);
  EXPECT_EQ(metrics.confusion_matrix().counts,
            (std::vector<int64_t>{1, 1, 0, 1}));
}

TEST(EpochMetricsTest, RegressionOverAllElements) {
  EpochMetrics metrics(MetricKind::kRegression);
  // Errors -0.5, 0, 1, -2: squares sum to 5.25, absolutes to 3.5.
  ASSERT_OK(metrics.Add(F32({2, 2}, {1, 2, 3, 4}), F64({4}, {1.5, 2, 2, 6})));
  EXPECT_EQ(metrics.samples(), 2);
  EXPECT_DOUBLE_EQ(metrics.mse(), 1.3125);
  EXPECT_DOUBLE_EQ(metrics.mae(), 0.875);
  EXPECT_TRUE(std::isnan(metrics.accuracy()));
  // A second batch: error 3 -> sums 14.25 and 6.5 over 5 elements.
  ASSERT_OK(metrics.Add(F32({1, 1}, {3}), F32({1, 1}, {0})));
  EXPECT_DOUBLE_EQ(metrics.mse(), 14.25 / 5);
  EXPECT_DOUBLE_EQ(metrics.mae(), 6.5 / 5);
  const std::vector<NamedMetric> results = metrics.Results();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].name, "mse");
  EXPECT_EQ(results[1].name, "mae");
  EXPECT_DOUBLE_EQ(results[1].value, 1.3);
}

TEST(EpochMetricsTest, ErrorsAccumulateNothing) {
  EpochMetrics metrics(MetricKind::kClassification);
  ASSERT_OK(metrics.Add(F32({1, 3}, {0, 1, 0}), F32({1}, {1})));
  const Tensor outputs = F32({2, 3}, {0, 1, 0, 1, 0, 0});
  EXPECT_STATUS(metrics.Add(outputs, F32({2}, {0, 3})),
                absl::StatusCode::kInvalidArgument,
                "target of sample 1 is 3, not a class index in [0, 3)");
  EXPECT_STATUS(metrics.Add(outputs, F32({2}, {0.5, 1})),
                absl::StatusCode::kInvalidArgument, "sample 0 is 0.5");
  EXPECT_STATUS(metrics.Add(outputs, F32({2}, {-1, 1})),
                absl::StatusCode::kInvalidArgument, "sample 0 is -1");
  EXPECT_STATUS(metrics.Add(outputs, F32({3}, {0, 1, 2})),
                absl::StatusCode::kInvalidArgument,
                "outputs [2, 3] need 2 class indices or 6 one-hot labels as "
                "targets, got [3]");
  EXPECT_STATUS(metrics.Add(F32({1, 4}, {0, 0, 0, 1}), F32({1}, {3})),
                absl::StatusCode::kInvalidArgument,
                "outputs have 4 classes, but earlier batches had 3");
  EXPECT_STATUS(metrics.Add(F32({}, {1}), F32({}, {1})),
                absl::StatusCode::kInvalidArgument, "got a scalar");
  EXPECT_EQ(metrics.samples(), 1);
  EXPECT_DOUBLE_EQ(metrics.accuracy(), 1.0);

  EpochMetrics regression(MetricKind::kRegression);
  EXPECT_STATUS(regression.Add(F32({2, 2}, {1, 2, 3, 4}), F32({3}, {1, 2, 3})),
                absl::StatusCode::kInvalidArgument,
                "outputs [2, 2] and targets [3] differ in size");
  EXPECT_EQ(regression.samples(), 0);
}

TEST(EpochMetricsTest, ResetKeepsClassCount) {
  EpochMetrics metrics(MetricKind::kClassification);
  ASSERT_OK(metrics.Add(F32({1, 2}, {0, 1}), F32({1}, {1})));
  metrics.Reset();
  EXPECT_EQ(metrics.samples(), 0);
  EXPECT_TRUE(std::isnan(metrics.accuracy()));
  EXPECT_EQ(metrics.confusion_matrix().counts,
            (std::vector<int64_t>{0, 0, 0, 0}));
  ASSERT_OK(metrics.Add(F32({1, 2}, {0, 1}), F32({1}, {0})));
  EXPECT_DOUBLE_EQ(metrics.accuracy(), 0.0);
}

TEST(EpochMetricsTest, NoAllocationAfterTheFirstBatch) {
  const Tensor outputs = F32({3, 2}, {0, 1, 1, 0, 0, 1});
  const Tensor targets = F32({3}, {1, 0, 0});
  EpochMetrics classification(MetricKind::kClassification);
  EpochMetrics regression(MetricKind::kRegression);
  ASSERT_OK(classification.Add(outputs, targets));
  ASSERT_OK(regression.Add(outputs, outputs));
  const long before = AllocationCount();
  bool ok = true;
  for (int epoch = 0; epoch < 3; ++epoch) {
    classification.Reset();
    regression.Reset();
    for (int batch = 0; batch < 5; ++batch) {
      ok &= classification.Add(outputs, targets).ok();
      ok &= regression.Add(outputs, outputs).ok();
    }
  }
  const double accuracy = classification.accuracy();
  EXPECT_EQ(AllocationCount() - before, 0);
  EXPECT_TRUE(ok);
  EXPECT_DOUBLE_EQ(accuracy, 2.0 / 3.0);
}

TEST(FormatConfusionMatrixTest, TwoNamedClasses) {
  ConfusionMatrix m{2, {3, 1, 0, 2}};
  const std::vector<std::string> names = {"neg", "pos"};
  EXPECT_EQ(FormatConfusionMatrix(m, names),
            "true\\pred  neg  pos  recall\n"
            "neg          3    1   0.750\n"
            "pos          0    2   1.000\n");
}

TEST(FormatConfusionMatrixTest, UnnamedClassesWideCountsAndAnEmptyRow) {
  ConfusionMatrix m{3,
                    {12, 0, 1,  //
                     0, 0, 0,   //
                     2, 0, 5}};
  const std::vector<std::string> names = {"cat"};
  EXPECT_EQ(FormatConfusionMatrix(m, names),
            "true\\pred  cat  1  2  recall\n"
            "cat         12  0  1   0.923\n"
            "1            0  0  0       -\n"
            "2            2  0  5   0.714\n");
}

// Fashion-MNIST's ten names with counts of a test set: as column headings
// they would make lines of 116 columns.
TEST(FormatConfusionMatrixTest, TenLongNamesFitEightyColumns) {
  const std::vector<std::string> names = {
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  ConfusionMatrix m{10, std::vector<int64_t>(100, 0)};
  for (int t = 0; t < 10; ++t) m.counts[t * 10 + t] = 1000;
  m.counts[6 * 10 + 0] = 95;  // a shirt taken for a T-shirt
  const std::string table = FormatConfusionMatrix(m, names);
  const std::vector<std::string> lines =
      absl::StrSplit(table, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 11u) << table;
  for (const std::string& line : lines) EXPECT_LE(line.size(), 80u) << line;
  EXPECT_EQ(lines[0],
            "true\\pred        0    1    2    3    4    5    6    7    8    9  "
            "recall");
  EXPECT_EQ(lines[1],
            "0 T-shirt/top 1000    0    0    0    0    0    0    0    0    0  "
            " 1.000");
  EXPECT_EQ(lines[7],
            "6 Shirt         95    0    0    0    0    0 1000    0    0    0  "
            " 0.913");
  EXPECT_EQ(lines[10].substr(0, 13), "9 Ankle boot ");
}

}  // namespace
}  // namespace nabla
