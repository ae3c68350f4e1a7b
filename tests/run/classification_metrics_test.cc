// Precision, recall, F1, top-k accuracy and ROC AUC (core/run/metrics.h),
// against values computed by hand.
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/run/metrics.h"
#include "core/tensor.h"
#include "gtest/gtest.h"
#include "tests/allocation_counter.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

Tensor F32(const Shape& shape, std::vector<double> values) {
  return Tensor::FromValues(DType::kFloat32, shape, values);
}

std::vector<MetricRequest> Requests(std::vector<std::string> names) {
  absl::StatusOr<std::vector<MetricRequest>> requests =
      ParseMetricRequests(names);
  EXPECT_TRUE(requests.ok()) << requests.status();
  return requests.ok() ? *requests : std::vector<MetricRequest>{};
}

// The message of a failed call; "OK" when it succeeded.
std::string MessageOf(const absl::Status& status) {
  return status.ok() ? "OK" : std::string(status.message());
}

double ValueOf(const EpochMetrics& metrics, const std::string& name) {
  for (const NamedMetric& metric : metrics.Results()) {
    if (metric.name == name) return metric.value;
  }
  ADD_FAILURE() << "no metric " << name;
  return 0;
}

TEST(ParseMetricRequestsTest, NamesAndTopK) {
  const std::vector<MetricRequest> requests =
      Requests({"f1", "top5", "precision", "recall", "auc", "top1"});
  ASSERT_EQ(requests.size(), 6u);
  EXPECT_EQ(requests[0].kind, MetricRequest::Kind::kF1);
  EXPECT_EQ(requests[1].kind, MetricRequest::Kind::kTopK);
  EXPECT_EQ(requests[1].k, 5);
  EXPECT_EQ(requests[1].name, "top5");
  EXPECT_EQ(requests[2].kind, MetricRequest::Kind::kPrecision);
  EXPECT_EQ(requests[3].kind, MetricRequest::Kind::kRecall);
  EXPECT_EQ(requests[4].kind, MetricRequest::Kind::kAuc);
  EXPECT_EQ(requests[5].k, 1);
}

TEST(ParseMetricRequestsTest, BadNames) {
  for (const char* bad :
       {"top0", "top", "top05", "top-1", "F1", "top5 ", "accuracy", ""}) {
    EXPECT_EQ(MessageOf(ParseMetricRequests({bad}).status()),
              absl::StrCat("unknown metric \"", bad,
                           "\": the metrics besides accuracy are "
                           "precision, recall, f1, auc and top<k> "
                           "(e.g. top5)"))
        << bad;
  }
  EXPECT_EQ(MessageOf(ParseMetricRequests({"f1", "top2", "f1"}).status()),
            "metric \"f1\" is named twice");
}

// Class 2 is never predicted (precision 0 by zero_division) and class 3
// neither occurs nor is predicted (left out of the macro average), as
// scikit-learn's classification_report does.
TEST(ClassScoresTest, PerClassAndMacroByHand) {
  ConfusionMatrix m{4,
                    {3, 1, 0, 0,  //
                     1, 2, 0, 0,  //
                     0, 1, 0, 0,  //
                     0, 0, 0, 0}};
  const std::vector<ClassScores> scores = PerClassScores(m);
  ASSERT_EQ(scores.size(), 4u);
  EXPECT_DOUBLE_EQ(scores[0].precision, 0.75);
  EXPECT_DOUBLE_EQ(scores[0].recall, 0.75);
  EXPECT_DOUBLE_EQ(scores[0].f1, 0.75);
  EXPECT_EQ(scores[0].support, 4);
  EXPECT_DOUBLE_EQ(scores[1].precision, 0.5);
  EXPECT_DOUBLE_EQ(scores[1].recall, 2.0 / 3);
  EXPECT_DOUBLE_EQ(scores[1].f1, 4.0 / 7);
  EXPECT_EQ(scores[2].precision, 0);
  EXPECT_EQ(scores[2].recall, 0);
  EXPECT_EQ(scores[2].f1, 0);
  EXPECT_EQ(scores[2].support, 1);
  EXPECT_EQ(scores[3].support, 0);
  const ClassScores macro = MacroAverage(m);
  EXPECT_DOUBLE_EQ(macro.precision, 1.25 / 3);
  EXPECT_DOUBLE_EQ(macro.recall, 17.0 / 36);
  EXPECT_DOUBLE_EQ(macro.f1, 37.0 / 84);
  EXPECT_EQ(macro.support, 8);
}

TEST(ClassScoresTest, MulticlassMetricsAreTheMacroAverage) {
  EpochMetrics metrics(MetricKind::kClassification, 0.5,
                       Requests({"precision", "recall", "f1"}));
  // Predicted 0, 1, 1, 0, 2; true 0, 1, 0, 1, 2.
  ASSERT_OK(metrics.Add(F32({5, 3}, {5, 1, 0,  //
                                     0, 5, 1,  //
                                     1, 5, 0,  //
                                     5, 0, 1,  //
                                     0, 1, 5}),
                        F32({5}, {0, 1, 0, 1, 2})));
  // Classes 0 and 1: precision = recall = F1 = 1/2; class 2: 1.
  EXPECT_DOUBLE_EQ(ValueOf(metrics, "precision"), 2.0 / 3);
  EXPECT_DOUBLE_EQ(ValueOf(metrics, "recall"), 2.0 / 3);
  EXPECT_DOUBLE_EQ(ValueOf(metrics, "f1"), 2.0 / 3);
}

// With two classes the scores are those of class 1, the positive one.
TEST(ClassScoresTest, BinaryMetricsAreThoseOfClassOne) {
  EpochMetrics metrics(MetricKind::kClassification, 0.5,
                       Requests({"precision", "recall", "f1"}));
  // Predicted 1, 1, 0, 1, 0; true 1, 0, 1, 1, 1: TP 2, FP 1, FN 2.
  ASSERT_OK(metrics.Add(F32({5, 1}, {0.9, 0.8, 0.2, 0.6, 0.1}),
                        F32({5, 1}, {1, 0, 1, 1, 1})));
  const std::vector<NamedMetric> results = metrics.Results();
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].name, "accuracy");
  EXPECT_DOUBLE_EQ(results[0].value, 0.4);
  EXPECT_EQ(results[1].name, "precision");
  EXPECT_DOUBLE_EQ(results[1].value, 2.0 / 3);
  EXPECT_EQ(results[2].name, "recall");
  EXPECT_DOUBLE_EQ(results[2].value, 0.5);
  EXPECT_EQ(results[3].name, "f1");
  EXPECT_DOUBLE_EQ(results[3].value, 4.0 / 7);
}

// A tie ranks the lower index first (argmax's order); a NaN ranks last.
TEST(TopKTest, RanksWithTiesAndNaN) {
  EpochMetrics metrics(MetricKind::kClassification, 0.5,
                       Requests({"top1", "top2", "top3"}));
  const double nan = std::nan("");
  ASSERT_OK(metrics.Add(F32({4, 3}, {0.2, 0.5, 0.5,    // true 2: rank 1
                                     0.9, 0.1, 0.0,    // true 2: rank 2
                                     nan, 0.3, 0.1,    // true 1: rank 0
                                     0.1, 0.2, nan}),  // true 2: last
                        F32({4}, {2, 2, 1, 2})));
  EXPECT_DOUBLE_EQ(ValueOf(metrics, "top1"), 0.25);
  EXPECT_DOUBLE_EQ(ValueOf(metrics, "top2"), 0.5);
  EXPECT_DOUBLE_EQ(ValueOf(metrics, "top3"), 0.75);
  metrics.Reset();
  ASSERT_OK(metrics.Add(F32({1, 3}, {0, 0, 1}), F32({1, 3}, {0, 0, 1})));
  EXPECT_DOUBLE_EQ(ValueOf(metrics, "top1"), 1);
}

// Positives score 0.35, 0.8, 0.4; negatives 0.1, 0.4. Of the 6 pairs the
// positive wins 4 and ties 1: AUC 4.5 / 6.
TEST(RocAucTest, MannWhitneyWithATie) {
  EpochMetrics single(MetricKind::kClassification, 0.5, Requests({"auc"}));
  ASSERT_OK(single.Add(F32({3}, {0.1, 0.4, 0.35}), F32({3}, {0, 0, 1})));
  ASSERT_OK(single.Add(F32({2}, {0.8, 0.4}), F32({2}, {1, 1})));
  EXPECT_DOUBLE_EQ(ValueOf(single, "auc"), 0.75);
  // Two logits per sample: the score is logit 1 minus logit 0.
  EpochMetrics pair(MetricKind::kClassification, 0.5, Requests({"auc"}));
  ASSERT_OK(pair.Add(F32({5, 2}, {1, 1.1,    //
                                  2, 2.4,    //
                                  0, 0.35,   //
                                  -1, -0.2,  //
                                  3, 3.4}),
                     F32({5}, {0, 0, 1, 1, 1})));
  EXPECT_DOUBLE_EQ(ValueOf(pair, "auc"), 0.75);
}

TEST(RocAucTest, OneClassOrNaNScoresGiveNaN) {
  EpochMetrics metrics(MetricKind::kClassification, 0.5, Requests({"auc"}));
  ASSERT_OK(metrics.Add(F32({2}, {0.1, 0.9}), F32({2}, {1, 1})));
  EXPECT_TRUE(std::isnan(ValueOf(metrics, "auc")));
  metrics.Reset();
  ASSERT_OK(metrics.Add(F32({2}, {std::nan(""), 0.9}), F32({2}, {0, 1})));
  EXPECT_TRUE(std::isnan(ValueOf(metrics, "auc")));
  // Reset forgets the scores: a perfect ranking alone gives 1.
  metrics.Reset();
  ASSERT_OK(metrics.Add(F32({2}, {0.1, 0.9}), F32({2}, {0, 1})));
  EXPECT_DOUBLE_EQ(ValueOf(metrics, "auc"), 1);
}

TEST(ExtraMetricsTest, OutputsThatDoNotSuitAreRefused) {
  EpochMetrics top(MetricKind::kClassification, 0.5, Requests({"top2"}));
  EXPECT_EQ(MessageOf(top.Add(F32({2, 1}, {0.1, 0.9}), F32({2}, {0, 1}))),
            "metrics: top2 ranks one output column per class, but the "
            "outputs have one column");
  EpochMetrics auc(MetricKind::kClassification, 0.5, Requests({"auc"}));
  EXPECT_EQ(MessageOf(auc.Add(F32({1, 3}, {0.1, 0.9, 0}), F32({1}, {0}))),
            "metrics: auc is ROC AUC of two classes, but the outputs have 3");
  EXPECT_EQ(auc.samples(), 0);
}

TEST(ExtraMetricsTest, NoAllocationAfterTheFirstEpoch) {
  const Tensor outputs = F32({3, 2}, {0, 1, 1, 0, 0, 1});
  const Tensor targets = F32({3}, {1, 0, 0});
  EpochMetrics metrics(MetricKind::kClassification, 0.5,
                       Requests({"top1", "auc"}));
  bool ok = true;
  for (int batch = 0; batch < 5; ++batch)
    ok &= metrics.Add(outputs, targets).ok();
  const long before = AllocationCount();
  for (int epoch = 0; epoch < 3; ++epoch) {
    metrics.Reset();
    for (int batch = 0; batch < 5; ++batch) {
      ok &= metrics.Add(outputs, targets).ok();
    }
  }
  EXPECT_EQ(AllocationCount() - before, 0);
  EXPECT_TRUE(ok);
  EXPECT_DOUBLE_EQ(ValueOf(metrics, "top1"), 2.0 / 3);
}

TEST(FormatClassScoresTest, TableWithMacroAverage) {
  ConfusionMatrix m{2, {3, 1, 0, 2}};
  EXPECT_EQ(FormatClassScores(m, {"neg", "pos"}),
            "class      precision  recall     f1  support\n"
            "neg            1.000   0.750  0.857        4\n"
            "pos            0.667   1.000  0.800        2\n"
            "macro avg      0.833   0.875  0.829        6\n");
  EXPECT_EQ(FormatClassScores(m, {"a long class name"}),
            "class              precision  recall     f1  support\n"
            "a long class name      1.000   0.750  0.857        4\n"
            "1                      0.667   1.000  0.800        2\n"
            "macro avg              0.833   0.875  0.829        6\n");
}

}  // namespace
}  // namespace nabla
