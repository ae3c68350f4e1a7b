// The trainer: batches (with a smaller last one), seeded per-epoch order,
// observers, and exact resume: stopping anywhere, saving a checkpoint and
// resuming gives the same variables, bit for bit, as never stopping.
#include "core/trainer.h"

#include <memory>
#include <string>
#include <vector>

#include "core/checkpoint.h"
#include "core/graph.h"
#include "core/model_parser.h"
#include "core/update_rule.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// A 2-3-1 tanh network on 10 samples; Adam with a schedule, so that the
// optimizer's slots and the step matter when resuming.
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
      name: "w1"
      op: "Variable"
      attr {
        key: "shape"
        value { shape { dim: 2 dim: 3 } }
      }
    }
    node { name: "h" op: "MatMul" input: "x" input: "w1" }
    node { name: "a" op: "Tanh" input: "h" }
    node {
      name: "w2"
      op: "Variable"
      attr {
        key: "shape"
        value { shape { dim: 3 dim: 1 } }
      }
    }
    node { name: "p" op: "MatMul" input: "a" input: "w2" }
    node { name: "loss" op: "MeanSquaredError" input: "p" input: "y" }
  }
  training {
    loss: "loss"
    optimizer {
      name: "Adam"
      attr {
        key: "learning_rate"
        value { f: 0.05 }
      }
      schedule {
        name: "step"
        attr {
          key: "step_size"
          value { i: 5 }
        }
        attr {
          key: "gamma"
          value { f: 0.5 }
        }
      }
    }
  }
  data {
    feed {
      placeholder: "x"
      tensor {
        shape { dim: 10 dim: 2 }
        value: [ 0, 1, 1, 0, 2, 1, 1, 2, 3, 0, 0, 3, 2, 2, 1, 3, 3, 1, 2, 3 ]
      }
    }
    feed {
      placeholder: "y"
      tensor {
        shape { dim: 10 dim: 1 }
        value: [ 1, 1, 3, 3, 3, 3, 4, 4, 4, 5 ]
      }
    }
  }
)pb";

struct TrainingRun {
  std::unique_ptr<Session> session;
  std::unique_ptr<Dataset> data;
};

TrainingRun MakeRun(uint64_t seed) {
  TrainingRun run;
  auto parsed = ParseModelText(kModel, "t.pbtxt");
  EXPECT_OK(parsed.status());
  auto graph = Graph::Build(parsed->model.graph(), parsed->source);
  EXPECT_OK(graph.status());
  auto session = Session::Create(
      std::make_shared<const Graph>(*std::move(graph)), {.seed = seed});
  EXPECT_OK(session.status());
  run.session = *std::move(session);
  EXPECT_OK(run.session->SetTraining(
      "loss", MakeUpdateRule(parsed->model.training().optimizer()).value()));
  auto data = Dataset::FromConfig(run.session->graph(), parsed->model.data(),
                                  "t.pbtxt");
  EXPECT_OK(data.status());
  run.data = std::make_unique<Dataset>(*std::move(data));
  return run;
}

TrainingSettings Settings(int64_t epochs) {
  TrainingSettings settings;
  settings.epochs = epochs;
  settings.batch_size = 3;
  settings.shuffle = true;
  settings.seed = 11;
  return settings;
}

// Records batches and stops after `stop_after` of them (0: never).
class Recorder : public TrainingObserver {
 public:
  explicit Recorder(int stop_after = 0) : stop_after_(stop_after) {}
  void OnBatch(const BatchReport& batch) override {
    sizes.push_back(batch.feeds[0].tensor->shape().dim(0));
    losses.push_back(batch.loss);
    ++batches_;
  }
  absl::Status OnEpoch(const EpochReport& epoch) override {
    epochs.push_back(epoch);
    return absl::OkStatus();
  }
  bool StopRequested() override {
    return stop_after_ > 0 && batches_ >= stop_after_;
  }

  std::vector<int64_t> sizes;
  std::vector<double> losses;
  std::vector<EpochReport> epochs;

 private:
  int stop_after_;
  int batches_ = 0;
};

std::vector<std::string> VariableBytes(const Session& session) {
  std::vector<std::string> out;
  for (int v : session.variable_nodes()) {
    const Tensor& t = session.variable(v);
    out.emplace_back(static_cast<const char*>(t.raw_data()), t.num_bytes());
    for (const Tensor& slot : session.slots(v)) {
      out.emplace_back(static_cast<const char*>(slot.raw_data()),
                       slot.num_bytes());
    }
  }
  return out;
}

TEST(TrainerTest, BatchesOfTheSizeAskedWithASmallerLastOne) {
  TrainingRun run = MakeRun(1);
  TrainingPosition position;
  Recorder recorder;
  ASSERT_OK(Train(*run.session, *run.data, Settings(2), position, recorder));
  EXPECT_EQ(recorder.sizes, (std::vector<int64_t>{3, 3, 3, 1, 3, 3, 3, 1}));
  ASSERT_EQ(recorder.epochs.size(), 2u);
  EXPECT_EQ(recorder.epochs[1].epoch, 2);
  EXPECT_EQ(recorder.epochs[1].samples, 10);
  EXPECT_EQ(recorder.epochs[1].steps, 4);
  // The epoch loss is the sample-weighted mean of its batches' losses.
  const auto& l = recorder.losses;
  EXPECT_DOUBLE_EQ(recorder.epochs[0].loss,
                   (3 * (l[0] + l[1] + l[2]) + l[3]) / 10);
  EXPECT_EQ(position.epoch, 2);
  EXPECT_EQ(position.next_sample, 0);
  EXPECT_EQ(run.session->step(), 8);
}

TEST(TrainerTest, EachEpochHasItsOwnSeededOrder) {
  const std::vector<int64_t> first = EpochOrder(10, 1, Settings(1));
  const std::vector<int64_t> second = EpochOrder(10, 2, Settings(1));
  EXPECT_NE(first, second);
  EXPECT_EQ(first, EpochOrder(10, 1, Settings(1)));
  std::vector<int64_t> sorted = first;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, EpochOrder(10, 1, TrainingSettings()));  // unshuffled
}

// Four epochs in one run, against stopping after `stop_after` batches,
// saving a checkpoint, and resuming in a new session for the rest.
void ExpectExactResume(int stop_after) {
  TrainingRun straight = MakeRun(5);
  TrainingPosition position;
  Recorder never_stops;
  ASSERT_OK(Train(*straight.session, *straight.data, Settings(4), position,
                  never_stops));

  TrainingRun first = MakeRun(5);
  TrainingPosition stopped_at;
  Recorder stops(stop_after);
  ASSERT_OK(Train(*first.session, *first.data, Settings(4), stopped_at, stops));
  ASSERT_LT(stopped_at.epoch, 4);
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/resume.ckpt";
  Checkpoint checkpoint = CaptureCheckpoint(*first.session);
  checkpoint.mutable_position()->set_epoch(stopped_at.epoch);
  checkpoint.mutable_position()->set_next_sample(stopped_at.next_sample);
  ASSERT_OK(WriteCheckpoint(checkpoint, path));

  TrainingRun resumed =
      MakeRun(99);  // other initial values, replaced by the restore
  ASSERT_OK_AND_ASSIGN(Checkpoint read, ReadCheckpoint(path));
  ASSERT_OK(RestoreCheckpoint(read, path, *resumed.session));
  TrainingPosition position2{read.position().epoch(),
                             read.position().next_sample()};
  Recorder rest;
  ASSERT_OK(
      Train(*resumed.session, *resumed.data, Settings(4), position2, rest));
  EXPECT_EQ(resumed.session->step(), straight.session->step());
  EXPECT_EQ(VariableBytes(*resumed.session), VariableBytes(*straight.session));
  // The batches after the stop had the very same losses.
  std::vector<double> tail(never_stops.losses.begin() + stop_after,
                           never_stops.losses.end());
  EXPECT_EQ(rest.losses, tail);
}

TEST(TrainerTest, ResumeAtAnEpochBoundaryIsExact) { ExpectExactResume(8); }

TEST(TrainerTest, ResumeMidEpochIsExact) { ExpectExactResume(6); }

TEST(TrainerTest, ResumeAfterOneBatchIsExact) { ExpectExactResume(1); }

TEST(TrainerTest, NanLossStopsNamingTheEpochAndStep) {
  TrainingRun run = MakeRun(1);
  Tensor* x = const_cast<Tensor*>(run.data->samples("x"));
  x->data<float>()[4] = NAN;
  TrainingPosition position;
  Recorder recorder;
  EXPECT_STATUS(Train(*run.session, *run.data, Settings(1), position, recorder),
                absl::StatusCode::kInvalidArgument,
                "the loss became nan at epoch 1");
  // The NaN is found where it came in: in the fed batch.
  EXPECT_STATUS(Train(*run.session, *run.data, Settings(1), position, recorder),
                absl::StatusCode::kInvalidArgument,
                "the first NaN or infinity of the step: t.pbtxt:4: node 'x' "
                "(Placeholder): its output value holds nan at [");
}

TEST(TrainerTest, BadPositionIsRefused) {
  TrainingRun run = MakeRun(1);
  TrainingPosition position{1, 10};
  Recorder recorder;
  EXPECT_STATUS(Train(*run.session, *run.data, Settings(2), position, recorder),
                absl::StatusCode::kInvalidArgument,
                "cannot resume at epoch 1, sample 10 of a data set of 10 "
                "samples");
}

// Every position of an epoch belongs to exactly one rank's shard, and to
// rank r's when ShardOf's cut gives it r: 23 samples in batches of 7 on 3
// ranks are the batches [0, 7) [7, 14) [14, 21) [21, 23), cut 3 2 2, 3 2 2,
// 3 2 2 and 2 (the last batch of 2 goes to rank 0 alone: ranks 1 and 2
// train on a copy of its samples with share 0, so they read them too).
TEST(TrainerTest, RankPositionsAreTheRanksShards) {
  std::vector<std::string> owners(23);
  for (int rank = 0; rank < 3; ++rank) {
    const TrainingSamples::PositionFilter mine =
        RankPositions(23, 7, TrainingPosition{0, 0}, rank, 3);
    for (int p = 0; p < 23; ++p) {
      if (mine(1, p)) owners[p] += std::to_string(rank);
    }
    EXPECT_FALSE(mine(1, 23));
  }
  const std::vector<std::string> expected = {
      "0", "0", "0", "1", "1", "2", "2", "0", "0", "0",   "1",  "1",
      "2", "2", "0", "0", "0", "1", "1", "2", "2", "012", "012"};
  EXPECT_EQ(owners, expected);
  // Resumed at sample 5 of epoch 2 (a checkpoint of another batch size):
  // that epoch's batches are [5, 12) [12, 19) [19, 23), cut 3 2 2, 3 2 2
  // and 2 2 (a batch of 4 goes to 2 ranks; rank 2 trains on a copy of its
  // last 2); nobody trains on the positions before 5; the next epoch's
  // batches start at 0 again.
  std::vector<std::string> resumed(23), next_epoch(23);
  for (int rank = 0; rank < 3; ++rank) {
    const TrainingSamples::PositionFilter mine =
        RankPositions(23, 7, TrainingPosition{1, 5}, rank, 3);
    for (int p = 0; p < 23; ++p) {
      if (mine(2, p)) resumed[p] += std::to_string(rank);
      if (mine(3, p)) next_epoch[p] += std::to_string(rank);
    }
  }
  const std::vector<std::string> expected_resumed = {
      "",  "",  "",  "",  "",  "0", "0", "0", "1", "1",  "2", "2",
      "0", "0", "0", "1", "1", "2", "2", "0", "0", "12", "12"};
  EXPECT_EQ(resumed, expected_resumed);
  EXPECT_EQ(next_epoch, expected);
}

}  // namespace
}  // namespace nabla
