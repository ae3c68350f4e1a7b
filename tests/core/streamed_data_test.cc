// StreamedData's order: every epoch visits every sample once; the samples
// of a window are visited together (the window shuffled inside, the
// windows shuffled among themselves), the short last window too; the order
// is drawn from the seed and the epoch only; without shuffle it is the
// file's. Batches hold the samples' values, and two windows are all it
// keeps in memory.
#include "core/streamed_data.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/model_parser.h"
#include "gtest/gtest.h"
#include "tests/model_test_util.h"
#include "tests/status_matchers.h"
#include "tests/test_files.h"

namespace nabla {
namespace {

constexpr int64_t kSamples = 103;  // windows of 10: the last holds 3

// x holds each sample's number.
std::unique_ptr<StreamedData> Build(const Graph& graph, int64_t window,
                                    int64_t read_gap_bytes = 4096) {
  std::string csv = "n,t\n";
  for (int64_t i = 0; i < kSamples; ++i) absl::StrAppend(&csv, i, ",0\n");
  WriteFile(TestPath("n.csv"), csv);
  DataSourceConfig source;
  source.set_name("csv");
  (*source.mutable_attr())["path"].set_s(TestPath("n.csv"));
  (*source.mutable_attr())["target_columns"].mutable_list()->add_s("t");
  StreamSettings settings;
  settings.window_samples = window;
  settings.chunk_samples = 7;
  settings.read_gap_bytes = read_gap_bytes;
  auto data =
      StreamedData::Build(graph, source, "s.pbtxt", {}, settings, nullptr);
  EXPECT_TRUE(data.ok()) << data.status();
  return data.ok() ? *std::move(data) : nullptr;
}

class StreamedDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto graph = GraphFromModelText(R"(graph {
      node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
      node { name: "y" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
    })",
                                    "s.pbtxt");
    ASSERT_OK(graph.status());
    graph_ = std::make_unique<Graph>(*std::move(graph));
  }

  // The samples epoch `epoch` visits, in batches of 8, checked against
  // the values the batches hold.
  static std::vector<int64_t> Epoch(StreamedData& data, int64_t epoch,
                                    bool shuffle, uint64_t seed = 5) {
    std::vector<int64_t> visited;
    std::vector<Tensor> batch;
    std::vector<Feed> feeds;
    std::vector<int64_t> rows;
    for (int64_t begin = 0; begin < kSamples; begin += 8) {
      const int64_t count = std::min<int64_t>(8, kSamples - begin);
      EXPECT_OK(data.FillBatch({epoch, shuffle, seed}, begin, count, &batch,
                               &feeds, &rows));
      const std::vector<double> x = batch[0].ToDoubles();
      for (int64_t i = 0; i < count; ++i) {
        EXPECT_EQ(x[i], rows[i]);
        visited.push_back(rows[i]);
      }
    }
    return visited;
  }

  std::unique_ptr<Graph> graph_;
};

TEST_F(StreamedDataTest, EachEpochVisitsEverySampleOnceWindowByWindow) {
  auto data = Build(*graph_, 10);
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->num_samples(), kSamples);
  EXPECT_EQ(data->buffer_bytes(), 2 * 10 * (8 + 4 + 4));
  std::vector<int64_t> all(kSamples);
  std::iota(all.begin(), all.end(), 0);
  const std::vector<int64_t> one = Epoch(*data, 1, true);
  std::vector<int64_t> sorted = one;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, all);
  EXPECT_NE(one, all);
  // Runs of one window: a window's samples are visited one after another.
  int64_t runs = 1;
  for (int64_t i = 1; i < kSamples; ++i) runs += one[i] / 10 != one[i - 1] / 10;
  EXPECT_EQ(runs, 11);
  // Another epoch, another order; the same epoch again, the same order
  // (as a resumed run needs), also from a fresh cache.
  EXPECT_NE(Epoch(*data, 2, true), one);
  EXPECT_EQ(Epoch(*data, 1, true), one);
  auto again = Build(*graph_, 10);
  EXPECT_EQ(Epoch(*again, 1, true), one);
  EXPECT_NE(Epoch(*again, 1, true, 6), one);
}

TEST_F(StreamedDataTest, WithoutShuffleTheFilesOrder) {
  auto data = Build(*graph_, 10);
  ASSERT_NE(data, nullptr);
  std::vector<int64_t> all(kSamples);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(Epoch(*data, 1, false), all);
  EXPECT_EQ(Epoch(*data, 2, false), all);
}

TEST_F(StreamedDataTest, BatchesStartAnywhere) {
  auto data = Build(*graph_, 10);
  ASSERT_NE(data, nullptr);
  const std::vector<int64_t> one = Epoch(*data, 3, true);
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  std::vector<int64_t> rows;
  // From position 57, across windows, as a resumed run asks.
  ASSERT_OK(data->FillBatch({3, true, 5}, 57, 20, &batch, &feeds, &rows));
  EXPECT_EQ(rows, std::vector<int64_t>(one.begin() + 57, one.begin() + 77));
}

// Data-parallel ranks read only their shards' samples: here the positions
// 1, 4, 7, ... of epoch 2, each window's of them in runs of records (with
// no gaps read along; records are 16 bytes).
TEST_F(StreamedDataTest, ReadsOnlyThePositionsWanted) {
  auto data = Build(*graph_, 10, /*read_gap_bytes=*/0);
  ASSERT_NE(data, nullptr);
  const std::vector<int64_t> order = Epoch(*data, 2, true);
  data->ReadOnly(
      [](int64_t epoch, int64_t p) { return epoch == 2 && p % 3 == 1; });
  const int64_t before = data->samples_read();
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  std::vector<int64_t> rows;
  int64_t wanted = 0;
  for (int64_t p = 1; p < kSamples; p += 3, ++wanted) {
    ASSERT_OK(data->FillBatch({2, true, 5}, p, 1, &batch, &feeds, &rows));
    EXPECT_EQ(rows[0], order[p]);
    EXPECT_EQ(batch[0].ToDoubles()[0], order[p]);
  }
  EXPECT_EQ(wanted, 34);
  EXPECT_EQ(data->samples_read() - before, wanted);
  // A position the filter left out is refused, not read from stale bytes.
  const absl::Status unread =
      data->FillBatch({2, true, 5}, 2, 1, &batch, &feeds, &rows);
  EXPECT_EQ(unread.message(),
            "the stream did not read position 2 of epoch 2: this rank's "
            "shards were said to lie elsewhere");
  // Without a filter, every sample again.
  data->ReadOnly(nullptr);
  EXPECT_EQ(Epoch(*data, 2, true), order);
}

// The 2 records (32 bytes) between two wanted ones are read along when
// gaps under 48 bytes are: of each window, every record from its first
// wanted one to its last, in one read.
TEST_F(StreamedDataTest, ShortGapsAreReadAlong) {
  auto data = Build(*graph_, 10, /*read_gap_bytes=*/48);
  ASSERT_NE(data, nullptr);
  // Epoch 1 only: the read of epoch 2's first window, started after the
  // last batch, then adds nothing.
  data->ReadOnly(
      [](int64_t epoch, int64_t p) { return epoch == 1 && p % 3 == 1; });
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  std::vector<int64_t> rows;
  const std::vector<int64_t> order = EpochOrder(kSamples, {1, false, 5});
  for (int64_t p = 1; p < kSamples; p += 3) {
    ASSERT_OK(data->FillBatch({1, false, 5}, p, 1, &batch, &feeds, &rows));
    EXPECT_EQ(batch[0].ToDoubles()[0], order[p]);
  }
  // Without shuffle, window w holds records 10w..10w+9 at their positions:
  // from its first wanted record to its last, all read.
  int64_t expected = 0;
  for (int64_t first = 0; first < kSamples; first += 10) {
    int64_t low = -1, high = -1;
    for (int64_t p = first; p < std::min<int64_t>(first + 10, kSamples); ++p) {
      if (p % 3 != 1) continue;
      if (low < 0) low = p;
      high = p;
    }
    if (low >= 0) expected += high - low + 1;
  }
  EXPECT_EQ(data->samples_read(), expected);
}

}  // namespace
}  // namespace nabla
