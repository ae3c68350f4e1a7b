// Early stopping and the best checkpoint through nabla::Model: the run
// stops where the validation figures say it must, the best checkpoint
// holds the best epoch, and a run stopped and resumed stops alike.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nabla/model.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

const char kClassification[] = "examples/classification_csv.pbtxt";
const char kXor[] = "examples/xor.pbtxt";

std::string TempPath(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
}

std::unique_ptr<Model> Load(const std::string& path) {
  auto model = Model::FromFile(path);
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? std::move(*model) : nullptr;
}

TrainingOptions Watching(const std::string& save_best) {
  TrainingOptions options;
  options.epochs = 60;
  options.patience = 3;
  options.monitor = "val_accuracy";
  options.save_best = save_best;
  return options;
}

// The epoch where a patience of 3 on val_accuracy (higher is better, any
// gain counts) stops, found from the epochs' own figures; 0 if none.
struct Expected {
  int64_t stop = 0;
  int64_t best = 0;
};
Expected StopByHand(const std::vector<EpochResult>& epochs) {
  Expected expected;
  double best = 0;
  for (const EpochResult& epoch : epochs) {
    const double value = epoch.val_metrics.at("accuracy");
    if (expected.best == 0 || value > best) {
      best = value;
      expected.best = epoch.epoch;
    }
    if (epoch.epoch - expected.best >= 3) {
      expected.stop = epoch.epoch;
      return expected;
    }
  }
  return expected;
}

TEST(EarlyStoppingTest, StopsAfterPatienceAndKeepsTheBestEpoch) {
  auto model = Load(kClassification);
  ASSERT_NE(model, nullptr);
  const std::string best_path = TempPath("best.ckpt");
  ASSERT_OK_AND_ASSIGN(TrainingResult result,
                       model->Train(Watching(best_path)));
  const Expected expected = StopByHand(result.epochs);
  ASSERT_GT(expected.stop, 0) << "the example should stop early in 60 epochs";
  EXPECT_TRUE(result.stopped_early);
  EXPECT_FALSE(result.stopped);
  EXPECT_EQ(result.epochs.back().epoch, expected.stop);
  EXPECT_EQ(result.best_epoch, expected.best);
  const EpochResult& best = result.epochs[expected.best - 1];
  EXPECT_EQ(result.best_value, best.val_metrics.at("accuracy"));
  // The last epoch is scored on the test data, as a run's end is.
  EXPECT_TRUE(result.epochs.back().test_loss.has_value());
  // The best checkpoint is the best epoch: its validation loss again.
  auto restored = Load(kClassification);
  ASSERT_NE(restored, nullptr);
  ASSERT_OK(restored->Restore(best_path));
  ASSERT_OK_AND_ASSIGN(EvaluationResult validation,
                       restored->Evaluate(Split::kValidation));
  EXPECT_DOUBLE_EQ(validation.loss, *best.val_loss);
  EXPECT_EQ(validation.metrics["accuracy"], best.val_metrics.at("accuracy"));
}

// Stopped after 2 epochs, saved, restored into a new model and trained on:
// the same epochs, the same stop and the same best as in one run.
TEST(EarlyStoppingTest, ResumedRunStopsWhereTheWholeRunStops) {
  auto whole = Load(kClassification);
  ASSERT_NE(whole, nullptr);
  ASSERT_OK_AND_ASSIGN(TrainingResult one_run,
                       whole->Train(Watching(TempPath("whole_best.ckpt"))));
  // Stop once the epoch after the best has begun: the checkpoint must
  // carry the best for the resumed run to stop on time.
  const int64_t cut = one_run.best_epoch + 1;
  ASSERT_LT(cut, one_run.epochs.back().epoch);
  auto first = Load(kClassification);
  ASSERT_NE(first, nullptr);
  TrainingOptions part = Watching(TempPath("part_best.ckpt"));
  part.epochs = cut;
  ASSERT_OK(first->Train(part).status());
  const std::string checkpoint = TempPath("cut.ckpt");
  ASSERT_OK(first->Save(checkpoint));
  auto second = Load(kClassification);
  ASSERT_NE(second, nullptr);
  ASSERT_OK(second->Restore(checkpoint));
  ASSERT_OK_AND_ASSIGN(TrainingResult rest,
                       second->Train(Watching(TempPath("part_best.ckpt"))));
  EXPECT_TRUE(rest.stopped_early);
  EXPECT_EQ(rest.epochs.back().epoch, one_run.epochs.back().epoch);
  EXPECT_EQ(rest.best_epoch, one_run.best_epoch);
  EXPECT_EQ(rest.epochs.back().val_loss, one_run.epochs.back().val_loss);
}

// A run that stopped early, saved and resumed with the same monitor trains
// no further: the monitor still says stop.
TEST(EarlyStoppingTest, RunThatStoppedEarlyStaysStopped) {
  auto first = Load(kClassification);
  ASSERT_NE(first, nullptr);
  ASSERT_OK_AND_ASSIGN(TrainingResult stopped,
                       first->Train(Watching(TempPath("stopped_best.ckpt"))));
  ASSERT_TRUE(stopped.stopped_early);
  const std::string checkpoint = TempPath("stopped.ckpt");
  ASSERT_OK(first->Save(checkpoint));
  auto second = Load(kClassification);
  ASSERT_NE(second, nullptr);
  ASSERT_OK(second->Restore(checkpoint));
  ASSERT_OK_AND_ASSIGN(auto before,
                       second->Variable(second->VariableNames()[0]));
  ASSERT_OK_AND_ASSIGN(TrainingResult again,
                       second->Train(Watching(TempPath("stopped_best.ckpt"))));
  EXPECT_TRUE(again.stopped_early);
  EXPECT_TRUE(again.epochs.empty());
  EXPECT_EQ(again.best_epoch, stopped.best_epoch);
  ASSERT_OK_AND_ASSIGN(auto after,
                       second->Variable(second->VariableNames()[0]));
  EXPECT_EQ(after.data, before.data);
  // A larger patience lets it go on.
  TrainingOptions patient = Watching(TempPath("stopped_best.ckpt"));
  patient.patience = 1000;
  patient.epochs = stopped.epochs.back().epoch + 1;
  ASSERT_OK_AND_ASSIGN(TrainingResult more, second->Train(patient));
  ASSERT_EQ(more.epochs.size(), 1u);
  EXPECT_EQ(more.epochs[0].epoch, stopped.epochs.back().epoch + 1);
}

TEST(EarlyStoppingTest, MinDeltaAndMinimisedLoss) {
  auto model = Load(kClassification);
  ASSERT_NE(model, nullptr);
  TrainingOptions options;
  options.epochs = 60;
  options.patience = 2;
  options.min_delta = 0.01;  // the validation loss must fall by > 0.01
  ASSERT_OK_AND_ASSIGN(TrainingResult result, model->Train(options));
  int64_t best_epoch = 0;
  double best = 0;
  for (const EpochResult& epoch : result.epochs) {
    if (best_epoch == 0 || best - *epoch.val_loss > 0.01) {
      best = *epoch.val_loss;
      best_epoch = epoch.epoch;
    }
  }
  EXPECT_TRUE(result.stopped_early);
  EXPECT_EQ(result.best_epoch, best_epoch);
  EXPECT_EQ(result.epochs.back().epoch, best_epoch + 2);
}

// training.save_best is a path relative to the model file's directory,
// as its data files are.
TEST(EarlyStoppingTest, ModelFilesSaveBestIsBesideIt) {
  const std::string dir = TempPath("beside");
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  const std::string path = dir + "/m.pbtxt";
  FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs(R"(graph {
  node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
  node { name: "y" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
  node { name: "w" op: "Variable" attr { key: "shape" value { shape { dim: 1 dim: 1 } } } }
  node { name: "out" op: "MatMul" input: "x" input: "w" }
  node { name: "loss" op: "MeanSquaredError" input: "out" input: "y" }
}
training { loss: "loss" optimizer { name: "SGD" attr { key: "learning_rate" value { f: 0.1 } } } epochs: 3 save_best: "best.ckpt" }
data {
  feed { placeholder: "x" tensor { shape { dim: 2 dim: 1 } value: [1, 2] } }
  feed { placeholder: "y" tensor { shape { dim: 2 dim: 1 } value: [2, 4] } }
  validation { feed { placeholder: "x" tensor { shape { dim: 1 dim: 1 } value: [3] } } feed { placeholder: "y" tensor { shape { dim: 1 dim: 1 } value: [6] } } }
}
)",
             file);
  std::fclose(file);
  auto model = Load(path);
  ASSERT_NE(model, nullptr);
  ASSERT_OK_AND_ASSIGN(TrainingResult result, model->Train());
  // The loss falls every epoch: the last is the best.
  EXPECT_EQ(result.best_epoch, 3);
  auto restored = Load(path);
  ASSERT_NE(restored, nullptr);
  ASSERT_OK(restored->Restore(dir + "/best.ckpt"));
  ASSERT_OK_AND_ASSIGN(Values w, restored->Variable("w"));
  ASSERT_OK_AND_ASSIGN(Values trained, model->Variable("w"));
  EXPECT_EQ(w.data, trained.data);
}

TEST(EarlyStoppingTest, ErrorsNameWhatIsWrong) {
  auto xor_model = Load(kXor);
  ASSERT_NE(xor_model, nullptr);
  TrainingOptions no_validation;
  no_validation.patience = 2;
  EXPECT_STATUS(xor_model->Train(no_validation),
                absl::StatusCode::kInvalidArgument,
                "examples/xor.pbtxt: early stopping (patience 2) needs "
                "validation data to watch, and there is none: give "
                "data.validation or data.validation_fraction");
  auto model = Load(kClassification);
  ASSERT_NE(model, nullptr);
  TrainingOptions unknown;
  unknown.save_best = TempPath("b.ckpt");
  unknown.monitor = "f1";
  EXPECT_STATUS(model->Train(unknown), absl::StatusCode::kInvalidArgument,
                "examples/classification_csv.pbtxt: the monitored metric "
                "\"f1\" is not reported on the validation data, which gives "
                "loss, accuracy (more through training.metrics)");
  TrainingOptions negative;
  negative.patience = -1;
  EXPECT_STATUS(model->Train(negative), absl::StatusCode::kInvalidArgument,
                "patience must be >= 0 (0: no early stopping), got -1");
}

}  // namespace
}  // namespace nabla
