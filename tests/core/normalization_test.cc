// Normalisation: statistics fitted on training data against hand-computed
// numbers, applied to every split and inverted, through checkpoints, and
// the errors of a bad declaration. Also LoadModelData's splits.
#include "core/normalization.h"

#include <cmath>
#include <memory>

#include "core/graph.h"
#include "core/model_data.h"
#include "core/model_parser.h"
#include "gtest/gtest.h"
#include "tests/model_test_util.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// x [?, 2] features and y [?] targets; four training samples.
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
        value { shape { dim: -1 } }
      }
    }
  }
  data {
    feed {
      placeholder: "x"
      tensor {
        shape { dim: 4 dim: 2 }
        value: [ 1, 10, 2, 20, 3, 30, 6, 60 ]
      }
    }
    feed {
      placeholder: "y"
      tensor {
        shape { dim: 4 }
        value: [ 50, -100, 25, 0 ]
      }
    }
  }
)pb";

class NormalizationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(parsed_, ParseModelText(kModel, "n.pbtxt"));
    ASSERT_OK_AND_ASSIGN(Graph graph,
                         Graph::Build(parsed_.model.graph(), parsed_.source));
    graph_ = std::make_unique<Graph>(std::move(graph));
  }

  void Normalize(const std::string& placeholder,
                 NormalizationDef::Method method, bool all_values = false) {
    NormalizationDef* def = parsed_.model.mutable_data()->add_normalize();
    def->set_placeholder(placeholder);
    def->set_method(method);
    def->set_all_values(all_values);
  }

  absl::StatusOr<ModelData> Load() {
    return LoadModelData(*graph_, parsed_.model.data(), "n.pbtxt", {});
  }

  ParsedModel parsed_;
  std::unique_ptr<Graph> graph_;
};

TEST_F(NormalizationTest, StandardizePerColumn) {
  Normalize("x", NormalizationDef::STANDARDIZE);
  ASSERT_OK_AND_ASSIGN(ModelData data, Load());
  // Column 0: 1, 2, 3, 6 has mean 3 and population variance
  // (4 + 1 + 0 + 9) / 4 = 3.5; column 1 is ten times column 0.
  const double sd = std::sqrt(3.5);
  ExpectTensorNear(*data.training.samples("x"), {4, 2},
                   {-2 / sd, -2 / sd, -1 / sd, -1 / sd, 0, 0, 3 / sd, 3 / sd},
                   1e-6);
}

// A column with a large mean keeps its small spread (timestamps).
TEST(NormalizationStatsTest, StandardizeKeepsTheSpreadOfLargeValues) {
  ASSERT_OK_AND_ASSIGN(
      ParsedModel parsed,
      ParseModelText(
          R"pb(
            graph {
              node {
                name: "t"
                op: "Placeholder"
                attr {
                  key: "dtype"
                  value { s: "float64" }
                }
                attr {
                  key: "shape"
                  value { shape { dim: -1 } }
                }
              }
            }
            data {
              feed {
                placeholder: "t"
                tensor {
                  dtype: DT_FLOAT64
                  shape { dim: 4 }
                  value: [ 1700000000, 1700000001, 1700000002, 1700000003 ]
                }
              }
              normalize { placeholder: "t" method: STANDARDIZE }
            }
          )pb",
          "t.pbtxt"));
  ASSERT_OK_AND_ASSIGN(Graph graph,
                       Graph::Build(parsed.model.graph(), parsed.source));
  ASSERT_OK_AND_ASSIGN(
      ModelData data, LoadModelData(graph, parsed.model.data(), "t.pbtxt", {}));
  // Mean 1700000001.5, standard deviation sqrt(1.25).
  const double sd = std::sqrt(1.25);
  ExpectTensorNear(*data.training.samples("t"), {4},
                   {-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd}, 1e-9);
}

// Fitted on parts (as streamed data is), the statistics are those of the
// whole: the same values once normalised.
TEST_F(NormalizationTest, FittingInPartsEqualsFittingTheWhole) {
  for (const auto method :
       {NormalizationDef::STANDARDIZE, NormalizationDef::MIN_MAX,
        NormalizationDef::DIVIDE_BY_MAX}) {
    parsed_.model.mutable_data()->clear_normalize();
    Normalize("x", method);
    ASSERT_OK_AND_ASSIGN(
        ModelData raw, LoadModelData(*graph_,
                                     [&] {
                                       DataConfig config = parsed_.model.data();
                                       config.clear_normalize();
                                       return config;
                                     }(),
                                     "n.pbtxt", {}));
    ASSERT_OK_AND_ASSIGN(
        Normalizer whole,
        Normalizer::Fit(parsed_.model.data().normalize(), raw.training, "n"));
    ASSERT_OK_AND_ASSIGN(
        NormalizerFitter fitter,
        NormalizerFitter::Create(parsed_.model.data().normalize(), "n"));
    ASSERT_OK(fitter.Add(raw.training.Rows({0})));
    ASSERT_OK(fitter.Add(raw.training.Rows({1, 2, 3})));
    const Normalizer parts = fitter.Finish();
    Tensor a = *raw.training.samples("x"), b = a;
    ASSERT_OK(whole.Apply("x", a));
    ASSERT_OK(parts.Apply("x", b));
    ExpectTensorNear(b, {4, 2}, a.ToDoubles(), 1e-12);
  }
}

TEST_F(NormalizationTest, MinMaxIntoTheUnitInterval) {
  Normalize("x", NormalizationDef::MIN_MAX);
  ASSERT_OK_AND_ASSIGN(ModelData data, Load());
  // Column 0: (x - 1) / 5; column 1: (x - 10) / 50.
  ExpectTensorNear(*data.training.samples("x"), {4, 2},
                   {0, 0, 0.2, 0.2, 0.4, 0.4, 1, 1}, 1e-6);
}

TEST_F(NormalizationTest, DivideByMaxOfTargetsAndInvertBack) {
  Normalize("y", NormalizationDef::DIVIDE_BY_MAX);
  ASSERT_OK_AND_ASSIGN(ModelData data, Load());
  // The largest |y| is 100.
  ExpectTensorNear(*data.training.samples("y"), {4}, {0.5, -1, 0.25, 0}, 1e-7);
  Tensor predicted = Tensor::FromValues(DType::kFloat32, {2}, {0.9, -0.1});
  ASSERT_OK(data.normalizer.Invert("y", predicted));
  ExpectTensorNear(predicted, {2}, {90, -10}, 1e-5);
}

TEST_F(NormalizationTest, AllValuesShareOneStatistic) {
  Normalize("x", NormalizationDef::DIVIDE_BY_MAX, /*all_values=*/true);
  ASSERT_OK_AND_ASSIGN(ModelData data, Load());
  ExpectTensorNear(
      *data.training.samples("x"), {4, 2},
      {1 / 60.0, 10 / 60.0, 2 / 60.0, 20 / 60.0, 3 / 60.0, 30 / 60.0, 0.1, 1},
      1e-7);
}

TEST_F(NormalizationTest, StatisticsComeFromTrainingDataOnly) {
  Normalize("x", NormalizationDef::MIN_MAX);
  FeedDef* feed = parsed_.model.mutable_data()->mutable_test()->add_feed();
  feed->set_placeholder("x");
  feed->mutable_tensor()->mutable_shape()->add_dim(1);
  feed->mutable_tensor()->mutable_shape()->add_dim(2);
  feed->mutable_tensor()->add_value(11);
  feed->mutable_tensor()->add_value(110);
  ASSERT_OK_AND_ASSIGN(ModelData data, Load());
  // Scaled by the training min 1 / 10 and range 5 / 50: 2 and 2.
  ExpectTensorNear(*data.test.samples("x"), {1, 2}, {2, 2}, 1e-6);
}

TEST_F(NormalizationTest, RoundTripThroughACheckpointProto) {
  Normalize("x", NormalizationDef::STANDARDIZE);
  Normalize("y", NormalizationDef::DIVIDE_BY_MAX);
  ASSERT_OK_AND_ASSIGN(ModelData data, Load());
  Checkpoint checkpoint;
  data.normalizer.ToProto(checkpoint.mutable_normalization());
  ASSERT_EQ(checkpoint.normalization_size(), 2);
  EXPECT_EQ(checkpoint.normalization(1).method(), "DIVIDE_BY_MAX");
  ASSERT_OK_AND_ASSIGN(Normalizer restored,
                       Normalizer::FromProto(checkpoint.normalization(), "c"));
  Tensor row = Tensor::FromValues(DType::kFloat64, {1, 2}, {3, 30});
  Tensor same = row;
  ASSERT_OK(data.normalizer.Apply("x", row));
  ASSERT_OK(restored.Apply("x", same));
  ExpectBitIdentical(row, same);
  // Restored statistics are used as they are, not fitted again.
  ASSERT_OK_AND_ASSIGN(
      ModelData again,
      LoadModelData(*graph_, parsed_.model.data(), "n.pbtxt", {}, &restored));
  ExpectBitIdentical(*again.training.samples("x"), *data.training.samples("x"));
}

// A checkpoint's statistics are checked as strictly as fitted ones.
TEST_F(NormalizationTest, BadCheckpointStatisticsAreDataLoss) {
  Checkpoint checkpoint;
  NormalizationStats* stats = checkpoint.add_normalization();
  stats->set_placeholder("x");
  stats->set_method("STANDARDIZE");
  stats->add_offset(std::nan(""));
  stats->add_scale(1);
  EXPECT_STATUS(Normalizer::FromProto(checkpoint.normalization(), "c.ckpt"),
                absl::StatusCode::kDataLoss,
                "c.ckpt: normalisation of 'x' has offset nan");
  stats->set_offset(0, 2);
  *checkpoint.add_normalization() = *stats;
  EXPECT_STATUS(Normalizer::FromProto(checkpoint.normalization(), "c.ckpt"),
                absl::StatusCode::kDataLoss, "c.ckpt: 'x' is normalised twice");
}

TEST_F(NormalizationTest, ErrorsNameThePlaceholder) {
  Normalize("x", NormalizationDef::METHOD_UNSET);
  EXPECT_STATUS(Load(), absl::StatusCode::kInvalidArgument,
                "n.pbtxt: data.normalize for 'x': method is not set");
  parsed_.model.mutable_data()->clear_normalize();
  Normalize("z", NormalizationDef::STANDARDIZE);
  EXPECT_STATUS(Load(), absl::StatusCode::kInvalidArgument,
                "n.pbtxt: data.normalize for 'z': the training data does not "
                "feed this placeholder");
  parsed_.model.mutable_data()->clear_normalize();
  Normalize("x", NormalizationDef::STANDARDIZE);
  Normalize("x", NormalizationDef::MIN_MAX);
  EXPECT_STATUS(Load(), absl::StatusCode::kInvalidArgument,
                "the placeholder is normalised twice");
}

TEST_F(NormalizationTest, WrongColumnCountAtPredictTime) {
  Normalize("x", NormalizationDef::STANDARDIZE);
  ASSERT_OK_AND_ASSIGN(ModelData data, Load());
  Tensor row = Tensor::FromValues(DType::kFloat32, {1, 3}, {1, 2, 3});
  EXPECT_STATUS(data.normalizer.Apply("x", row),
                absl::StatusCode::kInvalidArgument,
                "'x' was normalised with 2 columns, but these values have "
                "shape [1, 3]");
}

TEST_F(NormalizationTest, ValidationFractionHoldsOutSeededSamples) {
  parsed_.model.mutable_data()->set_validation_fraction(0.25);
  parsed_.model.mutable_data()->set_holdout_seed(3);
  ASSERT_OK_AND_ASSIGN(ModelData data, Load());
  EXPECT_EQ(data.training.num_samples(), 3);
  ASSERT_EQ(data.validation.num_samples(), 1);
  // The held-out sample is one of the four, with its x and y together.
  const double x0 = data.validation.samples("x")->ValueAt(0);
  const double y = data.validation.samples("y")->ValueAt(0);
  const double expected_y[] = {50, -100, 25, 0};
  const double xs[] = {1, 2, 3, 6};
  bool matched = false;
  for (int i = 0; i < 4; ++i) matched |= xs[i] == x0 && expected_y[i] == y;
  EXPECT_TRUE(matched) << x0 << " " << y;
  // The same seed holds out the same sample.
  ASSERT_OK_AND_ASSIGN(ModelData again, Load());
  EXPECT_EQ(again.validation.samples("x")->ValueAt(0), x0);
}

TEST_F(NormalizationTest, BadValidationFraction) {
  parsed_.model.mutable_data()->set_validation_fraction(0.9);
  EXPECT_STATUS(Load(), absl::StatusCode::kInvalidArgument,
                "n.pbtxt: data.validation_fraction 0.9 of 4 samples must "
                "leave at least one sample on each side");
}

}  // namespace
}  // namespace nabla
