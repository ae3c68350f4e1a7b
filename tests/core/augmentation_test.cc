// Image augmentation: the draws (every offset in [-shift, shift] about
// equally often, flips about half the time, a function of the seed, epoch
// and sample only); a shifted, flipped image by hand; the batches a run
// feeds are the same when it stops mid-epoch and goes on; augmentation
// changes what is trained; bad settings refused by entry.
#include "core/augmentation.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/model_parser.h"
#include "core/trainer.h"
#include "core/update_rule.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// Six 1 x 3 x 4 images through a dense layer.
constexpr char kModel[] = R"pb(
  graph {
    node {
      name: "x"
      op: "Placeholder"
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 1 dim: 3 dim: 4 } }
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
    node { name: "flat" op: "Flatten" input: "x" }
    node {
      name: "p"
      op: "Dense"
      input: "flat"
      attr {
        key: "units"
        value { i: 1 }
      }
    }
    node { name: "loss" op: "MeanSquaredError" input: "p" input: "y" }
  }
  training {
    loss: "loss"
    optimizer {
      name: "SGD"
      attr {
        key: "learning_rate"
        value { f: 0.01 }
      }
    }
  }
  data {
    feed {
      placeholder: "x"
      tensor {
        shape { dim: 6 dim: 1 dim: 3 dim: 4 }
        value: [
          1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 2, 0, 1, 3, 5, 1,
          0, 2, 4, 4, 1, 0, 0, 0, 1, 1,  2,  2,  3, 3, 4, 4, 5, 5,
          9, 8, 7, 6, 5, 4, 3, 2, 1, 0,  1,  2,  1, 1, 1, 1, 2, 2,
          2, 2, 3, 3, 3, 3, 0, 1, 0, 1,  1,  0,  1, 0, 0, 1, 0, 1
        ]
      }
    }
    feed {
      placeholder: "y"
      tensor {
        shape { dim: 6 dim: 1 }
        value: [ 1, 0, 1, 0, 1, 0 ]
      }
    }
    augment { placeholder: "x" shift: 1 horizontal_flip: true fill: -1 }
  }
)pb";

struct ModelUnderTest {
  ParsedModel parsed;
  std::unique_ptr<Session> session;
  std::unique_ptr<Dataset> data;
};

ModelUnderTest MakeRun(const std::string& text = kModel) {
  ModelUnderTest run;
  run.parsed = ParseModelText(text, "m.pbtxt").value();
  auto graph = Graph::Build(run.parsed.model.graph(), run.parsed.source);
  EXPECT_OK(graph.status());
  run.session =
      Session::Create(std::make_shared<const Graph>(*std::move(graph)),
                      {.seed = 3})
          .value();
  EXPECT_OK(run.session->SetTraining(
      "loss", MakeUpdateRule(run.parsed.model.training().optimizer()).value()));
  run.data = std::make_unique<Dataset>(
      Dataset::FromConfig(run.session->graph(), run.parsed.model.data(),
                          "m.pbtxt")
          .value());
  return run;
}

TEST(AugmentationTest, DrawsCoverTheOffsetsAndFlipHalfTheTime) {
  const ImageAugmentation a{"x", 2, true, 0};
  std::map<int64_t, int> downs, rights;
  int flips = 0;
  const int n = 5000;
  for (int row = 0; row < n; ++row) {
    const SampleChange c = DrawChange(a, 7, 1, row);
    ++downs[c.down];
    ++rights[c.right];
    flips += c.flip;
  }
  // Five offsets, about n / 5 = 1000 each (standard deviation about 28).
  ASSERT_EQ(downs.size(), 5u);
  ASSERT_EQ(rights.size(), 5u);
  for (int64_t offset = -2; offset <= 2; ++offset) {
    EXPECT_NEAR(downs[offset], n / 5, 150) << offset;
    EXPECT_NEAR(rights[offset], n / 5, 150) << offset;
  }
  EXPECT_NEAR(flips, n / 2, 200);
  // A function of seed, epoch and row: the same again, another for
  // another epoch.
  int same = 0;
  for (int row = 0; row < 100; ++row) {
    const SampleChange c = DrawChange(a, 7, 1, row);
    const SampleChange again = DrawChange(a, 7, 1, row);
    const SampleChange later = DrawChange(a, 7, 2, row);
    EXPECT_EQ(c.down, again.down);
    EXPECT_EQ(c.flip, again.flip);
    same +=
        c.down == later.down && c.right == later.right && c.flip == later.flip;
  }
  EXPECT_LT(same, 30);
}

// The image 1 .. 12 (3 x 4), flipped, moved down 1 and left 1, fill -1.
TEST(AugmentationTest, ShiftAndFlipByHand) {
  ModelUnderTest run = MakeRun();
  ASSERT_OK_AND_ASSIGN(std::vector<ImageAugmentation> augment,
                       ReadAugmentations(run.parsed.model.data(),
                                         DatasetSamples(*run.data), "m.pbtxt"));
  ASSERT_EQ(augment.size(), 1u);
  int64_t row = 0;
  for (;; ++row) {
    ASSERT_LT(row, 10000) << "no sample drew down 1, left 1, flipped";
    const SampleChange c = DrawChange(augment[0], 11, 1, row);
    if (c.down == 1 && c.right == -1 && c.flip) break;
  }
  std::vector<Tensor> batch = {
      Tensor::FromValues(DType::kFloat32, {1, 1, 3, 4},
                         {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}),
      Tensor::FromValues(DType::kFloat32, {1, 1}, {0})};
  Augmenter augmenter(augment, DatasetSamples(*run.data), 11);
  const int64_t rows[] = {row};
  augmenter.Apply(1, rows, batch);
  ExpectTensorNear(batch[0], {1, 1, 3, 4},
                   {-1, -1, -1, -1, 3, 2, 1, -1, 7, 6, 5, -1});
}

// Records the images of every batch; stops after `stop_after` batches.
class Recorder : public TrainingObserver {
 public:
  explicit Recorder(int stop_after = 0) : stop_after_(stop_after) {}
  void OnBatch(const BatchReport& batch) override {
    const Tensor& x = *batch.feeds[0].tensor;
    std::vector<double> values(x.num_elements());
    for (int64_t i = 0; i < x.num_elements(); ++i) values[i] = x.ValueAt(i);
    images.push_back(values);
  }
  bool StopRequested() override {
    return stop_after_ > 0 && static_cast<int>(images.size()) >= stop_after_;
  }
  std::vector<std::vector<double>> images;

 private:
  int stop_after_;
};

TrainingSettings Settings(std::vector<ImageAugmentation> augment) {
  TrainingSettings settings;
  settings.epochs = 3;
  settings.batch_size = 4;
  settings.shuffle = true;
  settings.seed = 11;
  settings.augment = std::move(augment);
  return settings;
}

// Three epochs straight, and stopping after three batches (mid-epoch 2)
// and going on: the batches after the stop hold the same images.
TEST(AugmentationTest, AResumedRunFeedsWhatTheStraightOneDid) {
  ModelUnderTest straight = MakeRun();
  const TrainingSettings settings =
      Settings(ReadAugmentations(straight.parsed.model.data(),
                                 DatasetSamples(*straight.data), "m.pbtxt")
                   .value());
  TrainingPosition position;
  Recorder all;
  ASSERT_OK(Train(*straight.session, *straight.data, settings, position, all));
  ASSERT_EQ(all.images.size(), 6u);

  ModelUnderTest stopped = MakeRun();
  TrainingPosition at;
  Recorder first(3);
  ASSERT_OK(Train(*stopped.session, *stopped.data, settings, at, first));
  ASSERT_EQ(at.epoch, 1);
  ASSERT_EQ(at.next_sample, 4);
  Recorder rest;
  ASSERT_OK(Train(*stopped.session, *stopped.data, settings, at, rest));
  std::vector<std::vector<double>> tail(all.images.begin() + 3,
                                        all.images.end());
  EXPECT_EQ(rest.images, tail);

  // Without augmentation the same run feeds the images as they are.
  ModelUnderTest plain = MakeRun();
  TrainingPosition from_start;
  Recorder unchanged;
  ASSERT_OK(
      Train(*plain.session, *plain.data, Settings({}), from_start, unchanged));
  EXPECT_NE(unchanged.images, all.images);
}

void ExpectRefused(const std::string& augment, const std::string& message) {
  std::string text = kModel;
  const std::string line =
      R"(augment { placeholder: "x" shift: 1 horizontal_flip: true fill: -1 })";
  text.replace(text.find(line), line.size(), augment);
  ModelUnderTest run = MakeRun(text);
  EXPECT_STATUS(ReadAugmentations(run.parsed.model.data(),
                                  DatasetSamples(*run.data), "m.pbtxt")
                    .status(),
                absl::StatusCode::kInvalidArgument, message);
}

TEST(AugmentationTest, BadSettingsAreRefused) {
  ExpectRefused(R"(augment { placeholder: "z" })",
                "m.pbtxt: data.augment[0]: placeholder 'z' is not fed by the "
                "training data");
  ExpectRefused(R"(augment { placeholder: "y" })",
                "m.pbtxt: data.augment[0]: placeholder 'y' is fed [6, 1]; "
                "augmentation needs images, [C, H, W] per sample");
  ExpectRefused(R"(augment { placeholder: "x" shift: 3 })",
                "m.pbtxt: data.augment[0]: shift must be from 0 to 2 for "
                "images 3 x 4, got 3");
  ExpectRefused(R"(augment { placeholder: "x" shift: -1 })",
                "m.pbtxt: data.augment[0]: shift must be from 0 to 2");
  ExpectRefused(R"(augment { placeholder: "x" } augment { placeholder: "x" })",
                "m.pbtxt: data.augment[1]: placeholder 'x' is augmented twice");
  ExpectRefused(R"(augment { placeholder: "x" fill: nan })",
                "m.pbtxt: data.augment[0]: fill must be a finite number, got "
                "nan");
}

}  // namespace
}  // namespace nabla
