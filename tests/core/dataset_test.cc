// Tests for Dataset: checks of each feed against its placeholder, and
// batches cut from the samples.
#include "core/dataset.h"

#include <iomanip>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/data_source.h"
#include "core/graph.h"
#include "core/model_parser.h"
#include "core/tensor.h"
#include "gtest/gtest.h"
#include "proto/model.pb.h"
#include "tests/model_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// x [?, 2], y [?, 1], x64 [?, 2] float64, fixed [3, 2], s [?], img
// [?, 1, 2, 2]; w is a Variable. One node a line from line 2.
constexpr char kModel[] =
    "graph {\n"
    "  node { name: \"x\" op: \"Placeholder\" attr { key: \"shape\" value { "
    "shape { dim: -1 dim: 2 } } } }\n"  // 2
    "  node { name: \"y\" op: \"Placeholder\" attr { key: \"shape\" value { "
    "shape { dim: -1 dim: 1 } } } }\n"  // 3
    "  node { name: \"w\" op: \"Variable\" attr { key: \"shape\" value { "
    "shape { dim: 2 dim: 1 } } } }\n"  // 4
    "  node { name: \"x64\" op: \"Placeholder\" attr { key: \"shape\" value { "
    "shape { dim: -1 dim: 2 } } } attr { key: \"dtype\" value { s: "
    "\"float64\" } } }\n"  // 5
    "  node { name: \"fixed\" op: \"Placeholder\" attr { key: \"shape\" value "
    "{ shape { dim: 3 dim: 2 } } } }\n"  // 6
    "  node { name: \"s\" op: \"Placeholder\" attr { key: \"shape\" value { "
    "shape { dim: -1 } } } }\n"  // 7
    "  node { name: \"img\" op: \"Placeholder\" attr { key: \"shape\" value { "
    "shape { dim: -1 dim: 1 dim: 2 dim: 2 } } } }\n"  // 8
    "}\n";

class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(Graph graph, GraphFromModelText(kModel, "d.pbtxt"));
    graph_ = std::make_unique<Graph>(std::move(graph));
  }

  // Adds a feed of `placeholder` with `dims` and `values`.
  static void AddFeed(DataConfig& config, const std::string& placeholder,
                      std::vector<int64_t> dims, std::vector<double> values) {
    FeedDef* feed = config.add_feed();
    feed->set_placeholder(placeholder);
    for (int64_t d : dims) feed->mutable_tensor()->mutable_shape()->add_dim(d);
    for (double v : values) feed->mutable_tensor()->add_value(v);
  }

  absl::StatusOr<Dataset> FromConfig(const DataConfig& config) {
    return Dataset::FromConfig(*graph_, config, "d.pbtxt");
  }

  std::unique_ptr<Graph> graph_;
};

// A data source whose Load() runs out of memory.
class ExhaustingSource : public DataSource {
 public:
  absl::StatusOr<std::vector<DataColumn>> Load(
      const DataSourceContext&) const override {
    throw std::bad_alloc();
  }
};

NABLA_REGISTER_DATA_SOURCE("test_exhausting")
    .Factory([](const ResolvedAttrs&)
                 -> absl::StatusOr<std::unique_ptr<DataSource>> {
      return std::make_unique<ExhaustingSource>();
    });

TEST_F(DatasetTest, OutOfMemoryLoadingIsAnErrorNamingTheSource) {
  DataConfig config;
  config.add_source()->set_name("test_exhausting");
  EXPECT_STATUS(FromConfig(config).status(), absl::StatusCode::kInvalidArgument,
                "d.pbtxt: data source 1 ('test_exhausting'): out of memory "
                "reading the data into memory (data.stream trains from disk "
                "instead)");
}

TEST_F(DatasetTest, ValidConfig) {
  DataConfig config;
  AddFeed(config, "x", {3, 2}, {0, 1, 2, 3, 4, 5});
  AddFeed(config, "y", {3, 1}, {10, 11, 12});
  ASSERT_OK_AND_ASSIGN(Dataset data, FromConfig(config));
  EXPECT_EQ(data.num_samples(), 3);
}

TEST_F(DatasetTest, UnknownNodeIsRefusedWithSuggestion) {
  DataConfig config;
  AddFeed(config, "xx", {3, 2}, {0, 1, 2, 3, 4, 5});
  EXPECT_STATUS(FromConfig(config), absl::StatusCode::kInvalidArgument,
                "d.pbtxt: data feed for 'xx': no node named 'xx'; did you mean "
                "x");
}

TEST_F(DatasetTest, NonPlaceholderIsRefused) {
  DataConfig config;
  AddFeed(config, "w", {2, 1}, {0, 1});
  EXPECT_STATUS(FromConfig(config), absl::StatusCode::kInvalidArgument,
                "d.pbtxt: data feed for 'w': d.pbtxt:4: node 'w' (Variable) "
                "is not a Placeholder");
}

TEST_F(DatasetTest, ValueCountMismatchIsRefused) {
  DataConfig config;
  AddFeed(config, "x", {3, 2}, {0, 1, 2, 3, 4});
  EXPECT_STATUS(FromConfig(config), absl::StatusCode::kInvalidArgument,
                "d.pbtxt: data feed for 'x': tensor of shape [3, 2] needs 6 "
                "values, got 5");
}

TEST_F(DatasetTest, OneValueFillsTheTensor) {
  DataConfig config;
  AddFeed(config, "x", {2, 2}, {7});
  ASSERT_OK_AND_ASSIGN(Dataset data, FromConfig(config));
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  const int64_t rows[] = {0, 1};
  data.FillBatch(rows, &batch, &feeds);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].ToDoubles(), (std::vector<double>{7, 7, 7, 7}));
}

TEST_F(DatasetTest, PerSampleShapeMismatchIsRefused) {
  DataConfig config;
  AddFeed(config, "x", {2, 3}, {0, 1, 2, 3, 4, 5});
  EXPECT_STATUS(FromConfig(config), absl::StatusCode::kInvalidArgument,
                "d.pbtxt: data feed for 'x': shape [2, 3] does not fit the "
                "placeholder's [?, 2] (axis 0 counts samples)");
}

// Flat samples take the placeholder's sample shape when their value counts
// agree, as [N, 784] images feed [?, 1, 28, 28]; they keep their order.
TEST_F(DatasetTest, FlatSamplesTakeThePlaceholdersSampleShape) {
  DataConfig config;
  AddFeed(config, "img", {2, 4}, {0, 1, 2, 3, 4, 5, 6, 7});
  ASSERT_OK_AND_ASSIGN(Dataset data, FromConfig(config));
  EXPECT_EQ(data.samples("img")->shape(), Shape({2, 1, 2, 2}));
  EXPECT_EQ(data.samples("img")->ToDoubles(),
            (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7}));
  DataConfig bad;
  AddFeed(bad, "img", {2, 3}, {0, 1, 2, 3, 4, 5});
  EXPECT_STATUS(FromConfig(bad), absl::StatusCode::kInvalidArgument,
                "data feed for 'img': shape [2, 3] does not fit the "
                "placeholder's [?, 1, 2, 2]");
}

TEST_F(DatasetTest, RankMismatchIsRefused) {
  DataConfig config;
  AddFeed(config, "x", {6}, {0, 1, 2, 3, 4, 5});
  EXPECT_STATUS(FromConfig(config), absl::StatusCode::kInvalidArgument,
                "data feed for 'x': shape [6] does not fit the placeholder's "
                "[?, 2]");
}

TEST_F(DatasetTest, KnownSampleCountMustMatch) {
  DataConfig ok;
  AddFeed(ok, "fixed", {3, 2}, {0, 1, 2, 3, 4, 5});
  EXPECT_OK(FromConfig(ok));
  DataConfig bad;
  AddFeed(bad, "fixed", {4, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  EXPECT_STATUS(FromConfig(bad), absl::StatusCode::kInvalidArgument,
                "data feed for 'fixed': shape [4, 2] does not fit the "
                "placeholder's [3, 2]");
}

TEST_F(DatasetTest, SampleCountMismatchBetweenFeedsIsRefused) {
  DataConfig config;
  AddFeed(config, "x", {3, 2}, {0, 1, 2, 3, 4, 5});
  AddFeed(config, "y", {2, 1}, {10, 11});
  EXPECT_STATUS(FromConfig(config), absl::StatusCode::kInvalidArgument,
                "d.pbtxt: data feed for 'y': 2 samples, but 'x' has 3");
}

TEST_F(DatasetTest, FeedingTwiceIsRefused) {
  DataConfig config;
  AddFeed(config, "x", {3, 2}, {0, 1, 2, 3, 4, 5});
  AddFeed(config, "x", {3, 2}, {0, 1, 2, 3, 4, 5});
  EXPECT_STATUS(FromConfig(config), absl::StatusCode::kInvalidArgument,
                "d.pbtxt: data feed for 'x': 'x' is already fed");
}

TEST_F(DatasetTest, NonFiniteValueIsRefused) {
  DataConfig config;
  AddFeed(config, "y", {2, 1}, {1, std::numeric_limits<double>::infinity()});
  EXPECT_STATUS(FromConfig(config), absl::StatusCode::kInvalidArgument,
                "data feed for 'y': tensor holds a non-finite value inf");
}

TEST_F(DatasetTest, FillBatchCopiesRowsInTheGivenOrder) {
  DataConfig config;
  AddFeed(config, "x", {4, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  AddFeed(config, "y", {4, 1}, {10, 11, 12, 13});
  ASSERT_OK_AND_ASSIGN(Dataset data, FromConfig(config));
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  const int64_t rows[] = {3, 0, 3};
  data.FillBatch(rows, &batch, &feeds);
  ASSERT_EQ(batch.size(), 2u);
  ASSERT_EQ(feeds.size(), 2u);
  EXPECT_EQ(feeds[0].placeholder, "x");
  EXPECT_EQ(feeds[1].placeholder, "y");
  EXPECT_EQ(feeds[0].tensor, &batch[0]);
  EXPECT_EQ(feeds[1].tensor, &batch[1]);
  EXPECT_EQ(batch[0].dtype(), DType::kFloat32);
  EXPECT_EQ(batch[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(batch[0].ToDoubles(), (std::vector<double>{6, 7, 0, 1, 6, 7}));
  EXPECT_EQ(batch[1].shape(), (Shape{3, 1}));
  EXPECT_EQ(batch[1].ToDoubles(), (std::vector<double>{13, 10, 13}));

  // Another batch of the same size reuses the storage.
  const void* storage = batch[0].raw_data();
  const int64_t next[] = {1, 2, 0};
  data.FillBatch(next, &batch, &feeds);
  EXPECT_EQ(batch[0].raw_data(), storage);
  EXPECT_EQ(batch[0].ToDoubles(), (std::vector<double>{2, 3, 4, 5, 0, 1}));
  EXPECT_EQ(batch[1].ToDoubles(), (std::vector<double>{11, 12, 10}));

  // A smaller last batch.
  const int64_t last[] = {2};
  data.FillBatch(last, &batch, &feeds);
  EXPECT_EQ(batch[0].shape(), (Shape{1, 2}));
  EXPECT_EQ(batch[0].ToDoubles(), (std::vector<double>{4, 5}));
  EXPECT_EQ(batch[1].ToDoubles(), (std::vector<double>{12}));
}

TEST_F(DatasetTest, FillBatchOfRankOneSamples) {
  DataConfig config;
  AddFeed(config, "s", {5}, {0.5, 1.5, 2.5, 3.5, 4.5});
  ASSERT_OK_AND_ASSIGN(Dataset data, FromConfig(config));
  EXPECT_EQ(data.num_samples(), 5);
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  const int64_t rows[] = {4, 1};
  data.FillBatch(rows, &batch, &feeds);
  EXPECT_EQ(batch[0].shape(), (Shape{2}));
  EXPECT_EQ(batch[0].ToDoubles(), (std::vector<double>{4.5, 1.5}));
}

TEST_F(DatasetTest, Float64PlaceholderKeepsFullPrecision) {
  // The feed's tensor leaves dtype unset; the values are converted to the
  // placeholder's float64, and must not pass through float32 on the way.
  DataConfig config;
  AddFeed(config, "x64", {2, 2}, {0.1, 1.0 / 3.0, 2.2, 1e-10});
  ASSERT_OK_AND_ASSIGN(Dataset data, FromConfig(config));
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  const int64_t rows[] = {1, 0};
  data.FillBatch(rows, &batch, &feeds);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].dtype(), DType::kFloat64);
  const std::vector<double> expected = {2.2, 1e-10, 0.1, 1.0 / 3.0};
  const std::vector<double> got = batch[0].ToDoubles();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i], expected[i])
        << "element " << i << ": " << std::setprecision(17) << got[i]
        << " instead of " << expected[i];
  }
}

TEST_F(DatasetTest, Float64DataForFloat32PlaceholderIsConverted) {
  DataConfig config;
  AddFeed(config, "y", {2, 1}, {0.1, 0.25});
  config.mutable_feed(0)->mutable_tensor()->set_dtype(DT_FLOAT64);
  ASSERT_OK_AND_ASSIGN(Dataset data, FromConfig(config));
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  const int64_t rows[] = {0, 1};
  data.FillBatch(rows, &batch, &feeds);
  EXPECT_EQ(batch[0].dtype(), DType::kFloat32);
  EXPECT_EQ(batch[0].ToDoubles(),
            (std::vector<double>{static_cast<float>(0.1), 0.25}));
}

TEST_F(DatasetTest, EmptyConfigHasNoSamples) {
  ASSERT_OK_AND_ASSIGN(Dataset data, FromConfig(DataConfig()));
  EXPECT_EQ(data.num_samples(), 0);
}

}  // namespace
}  // namespace nabla
