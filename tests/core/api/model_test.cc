// nabla::Model, the embedding API, against the example models and
// against itself: whole runs against step-by-step training, restored
// models against trained ones, concurrent predictions against sequential
// ones.
#include "nabla/model.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "nabla/graph_builder.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

const char kTestScore[] = "examples/test_score.pbtxt";
const char kXor[] = "examples/xor.pbtxt";
const char kClassification[] = "examples/classification_csv.pbtxt";

std::string TempPath(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
}

std::unique_ptr<Model> Load(const std::string& path,
                            ModelOptions options = {}) {
  auto model = Model::FromFile(path, options);
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? std::move(*model) : nullptr;
}

// Every variable's values, by name, for comparisons.
std::vector<std::vector<double>> Variables(const Model& model) {
  std::vector<std::vector<double>> values;
  for (const std::string& name : model.VariableNames()) {
    auto value = model.Variable(name);
    EXPECT_TRUE(value.ok()) << value.status();
    values.push_back(value.ok() ? value->data : std::vector<double>{});
  }
  return values;
}

TEST(ModelTest, TrainsTheTestScoreModelAndPredictsInPoints) {
  auto model = Load(kTestScore);
  ASSERT_NE(model, nullptr);
  ASSERT_OK_AND_ASSIGN(TrainingResult result, model->Train());
  ASSERT_EQ(result.epochs.size(), 2000u);
  EXPECT_EQ(result.epochs.back().epoch, 2000);
  EXPECT_EQ(model->step(), 2000);  // 3 samples, batch 3
  EXPECT_LT(result.epochs.back().loss, result.epochs.front().loss);
  EXPECT_FALSE(result.stopped);
  ASSERT_OK_AND_ASSIGN(Values score, model->Predict(Values({1, 2}, {4, 8})));
  ASSERT_EQ(score.shape, (std::vector<int64_t>{1, 1}));
  // README and train_graph: "predict [4, 8] -> [89.7...]".
  EXPECT_NEAR(score.data[0], 89.7, 0.05);
}

TEST(ModelTest, ModelFileOverItsSizeLimitIsRefusedByName) {
  ModelOptions options;
  options.max_model_file_bytes = 100;
  EXPECT_STATUS(Model::FromFile(kXor, options).status(),
                absl::StatusCode::kResourceExhausted, absl::StrCat(kXor, ": "));
  EXPECT_STATUS(Model::FromFile(kXor, options).status(),
                absl::StatusCode::kResourceExhausted,
                " is more than the 100 bytes a file of its kind may hold");
  options.max_model_file_bytes = 1 << 20;
  EXPECT_OK(Model::FromFile(kXor, options).status());
}

TEST(ModelTest, DataComesBackInItsOwnUnits) {
  auto model = Load(kTestScore);
  ASSERT_NE(model, nullptr);
  ASSERT_OK_AND_ASSIGN(std::vector<NamedValues> data,
                       model->Data(Split::kTraining));
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0].name, "hours");
  EXPECT_EQ(data[0].values.shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(data[0].values.data, (std::vector<double>{2, 9, 1, 5, 3, 6}));
  EXPECT_EQ(data[1].values.data, (std::vector<double>{92, 86, 89}));
  EXPECT_STATUS(model->Data(Split::kTest), absl::StatusCode::kNotFound,
                "Data: examples/test_score.pbtxt has no test data");
}

// Train() over the whole data set in one batch per epoch is the same
// arithmetic as TrainStep() on that batch: the variables agree bit for bit.
TEST(ModelTest, TrainStepMatchesAWholeRun) {
  auto by_run = Load(kXor);
  auto by_step = Load(kXor);
  ASSERT_NE(by_run, nullptr);
  ASSERT_NE(by_step, nullptr);
  TrainingOptions options;
  options.epochs = 50;
  ASSERT_OK(by_run->Train(options).status());
  const std::vector<NamedValues> feeds = {
      {"x", Values({4, 2}, {0, 0, 0, 1, 1, 0, 1, 1})},
      {"target", Values({4, 1}, {0, 1, 1, 0})}};
  double first_loss = 0, loss = 0;
  for (int step = 0; step < 50; ++step) {
    ASSERT_OK_AND_ASSIGN(loss, by_step->TrainStep(feeds));
    if (step == 0) first_loss = loss;
  }
  EXPECT_LT(loss, first_loss);
  EXPECT_EQ(by_step->step(), 50);
  EXPECT_EQ(Variables(*by_run), Variables(*by_step));
}

TEST(ModelTest, StoppedRunContinuesExactly) {
  auto whole = Load(kXor);
  auto stopped = Load(kXor);
  ASSERT_NE(whole, nullptr);
  ASSERT_NE(stopped, nullptr);
  TrainingOptions options;
  options.epochs = 20;
  ASSERT_OK(whole->Train(options).status());
  int steps = 0;
  options.stop_requested = [&steps] { return ++steps == 7; };
  ASSERT_OK_AND_ASSIGN(TrainingResult first, stopped->Train(options));
  EXPECT_TRUE(first.stopped);
  EXPECT_EQ(stopped->step(), 7);
  options.stop_requested = nullptr;
  ASSERT_OK_AND_ASSIGN(TrainingResult rest, stopped->Train(options));
  EXPECT_FALSE(rest.stopped);
  EXPECT_EQ(stopped->epochs_finished(), 20);
  EXPECT_EQ(Variables(*whole), Variables(*stopped));
}

// A learning rate given to Train() is the one the model file could have
// said.
TEST(ModelTest, LearningRateOverrideEqualsTheModelSayingIt) {
  GraphBuilder builder;
  const std::string x = builder.Placeholder("x", {-1, 2});
  const std::string y = builder.Placeholder("y", {-1, 1});
  const std::string out = builder.Dense("out", x, 1, "Sigmoid");
  builder.Feed("x", Values({4, 2}, {0, 0, 0, 1, 1, 0, 1, 1}));
  builder.Feed("y", Values({4, 1}, {0, 1, 1, 1}));
  TrainingSpec spec;
  spec.optimizer = "Adam";
  spec.optimizer_attrs = {{"learning_rate", 0.01}};
  spec.epochs = 30;
  builder.Train(builder.Op("MeanSquaredError", "loss", {out, y}), spec);
  ASSERT_OK_AND_ASSIGN(const std::string slow, builder.Build());
  spec.optimizer_attrs = {{"learning_rate", 0.05}};
  builder.Train("loss", spec);
  ASSERT_OK_AND_ASSIGN(const std::string fast, builder.Build());

  ASSERT_OK_AND_ASSIGN(auto overridden, Model::FromString(slow));
  ASSERT_OK_AND_ASSIGN(auto written, Model::FromString(fast));
  TrainingOptions options;
  options.learning_rate = 0.05;
  options.epochs = 10;
  ASSERT_OK(overridden->Train(options).status());
  ASSERT_OK(written->Train({.epochs = 10}).status());
  EXPECT_EQ(Variables(*overridden), Variables(*written));
  // A later run with the same rate keeps Adam's moments: it continues.
  options.epochs = 30;
  ASSERT_OK(overridden->Train(options).status());
  ASSERT_OK(written->Train({.epochs = 30}).status());
  EXPECT_EQ(Variables(*overridden), Variables(*written));
}

TEST(ModelTest, SavedModelRestoresIntoAFreshOne) {
  auto trained = Load(kTestScore);
  ASSERT_NE(trained, nullptr);
  ASSERT_OK(trained->Train({.epochs = 300}).status());
  const std::string path = TempPath("score.ckpt");
  ASSERT_OK(trained->Save(path));

  ModelOptions serving;
  serving.load_data = false;
  auto restored = Load(kTestScore, serving);
  ASSERT_NE(restored, nullptr);
  ASSERT_OK(restored->Restore(path));
  EXPECT_EQ(restored->step(), 300);
  EXPECT_EQ(restored->epochs_finished(), 300);
  EXPECT_EQ(Variables(*trained), Variables(*restored));
  const Values rows({2, 2}, {4, 8, 1, 2});
  ASSERT_OK_AND_ASSIGN(Values want, trained->Predict(rows));
  ASSERT_OK_AND_ASSIGN(Values got, restored->Predict(rows));
  EXPECT_EQ(want.data, got.data);
  EXPECT_STATUS(restored->Train(), absl::StatusCode::kFailedPrecondition,
                "was loaded with ModelOptions.load_data = false");
}

TEST(ModelTest, CheckpointOfAnotherModelChangesNothing) {
  auto xor_model = Load(kXor);
  auto score = Load(kTestScore);
  ASSERT_NE(xor_model, nullptr);
  ASSERT_NE(score, nullptr);
  const std::string path = TempPath("xor.ckpt");
  ASSERT_OK(xor_model->Save(path));
  const auto before = Variables(*score);
  EXPECT_STATUS(score->Restore(path), absl::StatusCode::kInvalidArgument, path);
  EXPECT_EQ(Variables(*score), before);
  EXPECT_STATUS(score->Restore(TempPath("missing.ckpt")),
                absl::StatusCode::kNotFound, "missing.ckpt");
}

// Each model has its own variables, seed, data order and threads:
// interleaving two models' steps changes neither.
TEST(ModelTest, TwoModelsShareNoState) {
  auto alone = Load(kXor);
  auto first = Load(kXor);
  auto second = Load(kTestScore, {.threads = 2});
  ASSERT_NE(alone, nullptr);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->threads(), 2);
  EXPECT_EQ(first->threads(), 1);
  ASSERT_OK(alone->Train({.epochs = 30}).status());
  for (int epochs = 1; epochs <= 30; ++epochs) {
    ASSERT_OK(first->Train({.epochs = epochs}).status());
    ASSERT_OK(second->Train({.epochs = epochs}).status());
  }
  EXPECT_EQ(Variables(*alone), Variables(*first));
}

TEST(ModelTest, ThreadCountDoesNotChangeResults) {
  auto one = Load(kClassification, {.threads = 1});
  auto two = Load(kClassification, {.threads = 2});
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  ASSERT_OK(one->Train({.epochs = 5}).status());
  ASSERT_OK(two->Train({.epochs = 5}).status());
  EXPECT_EQ(Variables(*one), Variables(*two));
}

// 8 threads x 1,000 calls on one trained model, with batches of 1 to 5
// rows, give exactly what one thread computed before.
TEST(ModelTest, ConcurrentPredictionsEqualSequentialOnes) {
  auto model = Load(kClassification, {.threads = 2});
  ASSERT_NE(model, nullptr);
  ASSERT_OK(model->Train({.epochs = 3}).status());
  constexpr int kInputs = 40;
  std::vector<Values> inputs;
  std::vector<Values> expected;
  std::vector<std::vector<Classification>> expected_classes;
  for (int i = 0; i < kInputs; ++i) {
    const int rows = 1 + i % 5;
    std::vector<double> data;
    for (int j = 0; j < 2 * rows; ++j) data.push_back(0.37 * i - 0.11 * j);
    inputs.emplace_back(std::vector<int64_t>{rows, 2}, data);
    ASSERT_OK_AND_ASSIGN(Values output, model->Predict(inputs.back()));
    expected.push_back(output);
    ASSERT_OK_AND_ASSIGN(auto classes, model->Classify(inputs.back()));
    expected_classes.push_back(classes);
  }
  std::atomic<int> mismatches{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int call = 0; call < 1000; ++call) {
        const int i = (call * 7 + t * 13) % kInputs;
        if (call % 10 == 0) {
          auto classes = model->Classify(inputs[i]);
          if (!classes.ok())
            ++errors;
          else if (classes->size() != expected_classes[i].size() ||
                   (*classes)[0].label != expected_classes[i][0].label ||
                   (*classes)[0].probability !=
                       expected_classes[i][0].probability) {
            ++mismatches;
          }
          continue;
        }
        auto output = model->Predict(inputs[i]);
        if (!output.ok())
          ++errors;
        else if (output->data != expected[i].data)
          ++mismatches;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(ModelTest, PredictionsFollowTraining) {
  auto model = Load(kXor);
  ASSERT_NE(model, nullptr);
  const Values inputs({4, 2}, {0, 0, 0, 1, 1, 0, 1, 1});
  ASSERT_OK_AND_ASSIGN(Values before, model->Predict(inputs));
  ASSERT_OK(model->Train().status());
  ASSERT_OK_AND_ASSIGN(Values after, model->Predict(inputs));
  EXPECT_NE(before.data, after.data);
  ASSERT_EQ(after.data.size(), 4u);
  EXPECT_LT(after.data[0], 0.1);
  EXPECT_GT(after.data[1], 0.9);
  EXPECT_GT(after.data[2], 0.9);
  EXPECT_LT(after.data[3], 0.1);
  ASSERT_OK(model->SetVariable("b2", Values({1}, {100})));
  ASSERT_OK_AND_ASSIGN(Values saturated, model->Predict(inputs));
  EXPECT_EQ(saturated.data, (std::vector<double>{1, 1, 1, 1}));
}

TEST(ModelTest, EvaluateAgreesWithTheLossItRuns) {
  auto model = Load(kClassification);
  ASSERT_NE(model, nullptr);
  ASSERT_OK(model->Train({.epochs = 3}).status());
  ASSERT_OK_AND_ASSIGN(EvaluationResult evaluation,
                       model->Evaluate(Split::kTest));
  ASSERT_OK_AND_ASSIGN(std::vector<NamedValues> test,
                       model->Data(Split::kTest));
  ASSERT_OK_AND_ASSIGN(std::vector<Values> loss, model->Run(test, {"loss"}));
  EXPECT_EQ(evaluation.samples, test[0].values.rows());
  EXPECT_NEAR(evaluation.loss, loss[0].data[0], 1e-6);
  ASSERT_EQ(evaluation.metrics.count("accuracy"), 1u);
  // The confusion matrix counts every sample once; its diagonal is the
  // accuracy.
  int64_t total = 0, right = 0;
  for (size_t t = 0; t < evaluation.confusion_matrix.size(); ++t) {
    for (size_t p = 0; p < evaluation.confusion_matrix[t].size(); ++p) {
      total += evaluation.confusion_matrix[t][p];
      if (t == p) right += evaluation.confusion_matrix[t][p];
    }
  }
  EXPECT_EQ(total, evaluation.samples);
  EXPECT_DOUBLE_EQ(evaluation.metrics["accuracy"],
                   static_cast<double>(right) / total);
  ASSERT_OK_AND_ASSIGN(auto classes, model->Classify(Values({1, 2}, {0, 2})));
  EXPECT_EQ(classes[0].label, 0);
  EXPECT_EQ(classes[0].name, "red");
}

// The metrics asked for, recomputed here from the model's own predictions.
TEST(ModelTest, ClassificationMetricsFromPredictions) {
  ModelOptions options;
  options.metrics = std::vector<std::string>{"f1", "top2", "precision"};
  auto model = Load(kClassification, options);
  ASSERT_NE(model, nullptr);
  ASSERT_OK_AND_ASSIGN(TrainingResult trained, model->Train({.epochs = 2}));
  EXPECT_EQ(trained.epochs.back().val_metrics.count("f1"), 1u);
  EXPECT_EQ(trained.epochs.back().metrics.count("top2"), 1u);
  ASSERT_OK_AND_ASSIGN(EvaluationResult evaluation,
                       model->Evaluate(Split::kTest));
  ASSERT_OK_AND_ASSIGN(std::vector<NamedValues> test,
                       model->Data(Split::kTest));
  ASSERT_OK_AND_ASSIGN(Values probabilities, model->Predict(test[0].values));
  const std::vector<double>& labels = test[1].values.data;
  const int64_t classes = 3;
  std::vector<int64_t> right(classes), predicted(classes), actual(classes);
  int64_t top2 = 0;
  for (size_t r = 0; r < labels.size(); ++r) {
    const double* p = &probabilities.data[r * classes];
    const int64_t best = std::max_element(p, p + classes) - p;
    const int64_t truth = static_cast<int64_t>(labels[r]);
    ++predicted[best];
    ++actual[truth];
    right[truth] += best == truth;
    int64_t above = 0;
    for (int64_t c = 0; c < classes; ++c) above += p[c] > p[truth];
    top2 += above < 2;
  }
  ASSERT_EQ(evaluation.per_class.size(), 3u);
  double f1_sum = 0, precision_sum = 0;
  for (int64_t c = 0; c < classes; ++c) {
    const double precision = static_cast<double>(right[c]) / predicted[c];
    const double recall = static_cast<double>(right[c]) / actual[c];
    const double f1 = 2 * precision * recall / (precision + recall);
    EXPECT_EQ(evaluation.per_class[c].support, actual[c]);
    EXPECT_NEAR(evaluation.per_class[c].precision, precision, 1e-12);
    EXPECT_NEAR(evaluation.per_class[c].recall, recall, 1e-12);
    EXPECT_NEAR(evaluation.per_class[c].f1, f1, 1e-12);
    f1_sum += f1;
    precision_sum += precision;
  }
  EXPECT_NEAR(evaluation.metrics["f1"], f1_sum / 3, 1e-12);
  EXPECT_NEAR(evaluation.metrics["precision"], precision_sum / 3, 1e-12);
  EXPECT_DOUBLE_EQ(evaluation.metrics["top2"],
                   static_cast<double>(top2) / labels.size());
  options.metrics = std::vector<std::string>{"auc"};
  EXPECT_STATUS(Model::FromFile(kClassification, options),
                absl::StatusCode::kInvalidArgument,
                "ModelOptions::metrics: auc is ROC AUC of two classes, but "
                "'logits' has 3 columns");
}

// A checkpoint taken mid-epoch on 240 samples, restored into the same
// network with 4 samples: its position is past them, and the error names
// the checkpoint.
TEST(ModelTest, CheckpointPositionPastTheDataNamesTheCheckpoint) {
  auto big = Load(kClassification);
  ASSERT_NE(big, nullptr);
  int steps = 0;
  TrainingOptions options;
  options.stop_requested = [&steps] { return ++steps >= 2; };
  ASSERT_OK(big->Train(options).status());
  const std::string path = TempPath("mid_epoch.ckpt");
  ASSERT_OK(big->Save(path));
  auto small = Model::FromString(R"(graph {
  node { name: "point" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 2 } } } }
  node { name: "colour" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 } } } }
  node { name: "hidden" op: "Dense" input: "point" attr { key: "units" value { i: 16 } } attr { key: "activation" value { s: "ReLU" } } }
  node { name: "logits" op: "Dense" input: "hidden" attr { key: "units" value { i: 3 } } }
  node { name: "loss" op: "SparseSoftmaxCrossEntropy" input: "logits" input: "colour" }
}
training { loss: "loss" optimizer { name: "SGD" attr { key: "learning_rate" value { f: 0.1 } } attr { key: "momentum" value { f: 0.9 } } } batch_size: 16 }
data {
  feed { placeholder: "point" tensor { shape { dim: 4 dim: 2 } value: [0, 1, 1, 0, 2, 2, -1, 0] } }
  feed { placeholder: "colour" tensor { shape { dim: 4 } value: [0, 1, 2, 1] } }
}
)");
  ASSERT_OK(small.status());
  const std::vector<std::vector<double>> before = Variables(**small);
  EXPECT_STATUS((*small)->Restore(path), absl::StatusCode::kInvalidArgument,
                absl::StrCat(path,
                             ": its position, sample 32 of epoch 1, is past "
                             "the 4 training samples of <string> (a "
                             "checkpoint of other data?)"));
  // Refused whole: the model keeps its own weights, and trains from the
  // start.
  EXPECT_EQ(Variables(**small), before);
  ASSERT_OK_AND_ASSIGN(TrainingResult trained, (*small)->Train());
  ASSERT_FALSE(trained.epochs.empty());
  EXPECT_EQ(trained.epochs[0].epoch, 1);
}

TEST(ModelTest, BadInputIsAnErrorNamingIt) {
  EXPECT_STATUS(Model::FromString("graph { node { name: \"x\" op: "),
                absl::StatusCode::kInvalidArgument, "<string>:1:");
  EXPECT_STATUS(Model::FromString("graph { node { name: \"x\" op: \"Sigmod\" "
                                  "input: \"x\" } }",
                                  {.source_name = "app model"}),
                absl::StatusCode::kInvalidArgument, "app model");
  EXPECT_STATUS(Model::FromString("format_version: 99"),
                absl::StatusCode::kInvalidArgument,
                "<string>: format_version 99 is not supported");
  EXPECT_STATUS(Model::FromFile("no/such/model.pbtxt"),
                absl::StatusCode::kNotFound, "no/such/model.pbtxt");
  EXPECT_STATUS(Model::FromFile(kXor, {.threads = 0}),
                absl::StatusCode::kInvalidArgument, "thread");

  auto model = Load(kXor);
  ASSERT_NE(model, nullptr);
  EXPECT_STATUS(model->Predict(Values({2, 2}, {1, 2, 3})),
                absl::StatusCode::kInvalidArgument,
                "feed 'x': shape [2, 2] holds 4 values, but 3 are given");
  EXPECT_STATUS(model->Predict(Values({1, 3}, {1, 2, 3})),
                absl::StatusCode::kInvalidArgument, "x");
  EXPECT_STATUS(model->Predict(Values({1, 2}, {1e300, 0})),
                absl::StatusCode::kInvalidArgument,
                "feed 'x': value 0 (1e+300) is out of the range of float32");
  EXPECT_STATUS(model->TrainStep({{"X", Values({1, 2}, {0, 0})}}),
                absl::StatusCode::kNotFound, "feed 'X'");
  EXPECT_STATUS(model->TrainStep({{"w1", Values({2, 4}, {})}}),
                absl::StatusCode::kInvalidArgument, "is not a Placeholder");
  EXPECT_STATUS(model->Run({}, {"output:3"}),
                absl::StatusCode::kInvalidArgument, "has no output 3");
  EXPECT_STATUS(model->Variable("hidden"), absl::StatusCode::kInvalidArgument,
                "is not a Variable");
  EXPECT_STATUS(
      model->SetVariable("w1", Values({4, 2}, std::vector<double>(8))),
      absl::StatusCode::kInvalidArgument, "w1");
  EXPECT_STATUS(model->Train({.epochs = 0}), absl::StatusCode::kInvalidArgument,
                "TrainingOptions.epochs is 0");
  EXPECT_STATUS(model->Train({.learning_rate = -1}),
                absl::StatusCode::kInvalidArgument,
                "TrainingOptions.learning_rate is -1");
  EXPECT_STATUS(model->Evaluate(Split::kValidation),
                absl::StatusCode::kNotFound, "has no validation data");
  EXPECT_EQ(model->step(), 0);
}

TEST(ModelTest, MemoryLimitAndNumericChecksReachTheSession) {
  EXPECT_STATUS(Model::FromFile(kXor, {.memory_limit_bytes = 16}),
                absl::StatusCode::kResourceExhausted,
                "more than the memory limit of 16 bytes");
  // Output weights near float32's largest overflow z2 to infinity while
  // the loss stays finite (the sigmoid saturates): only the scan sees it.
  auto model = Load(kXor, {.check_numerics = true});
  ASSERT_NE(model, nullptr);
  ASSERT_OK(model->SetVariable("w2", Values({4, 1}, {3e38, 3e38, 3e38, 3e38})));
  absl::StatusOr<TrainingResult> trained = model->Train({.epochs = 1});
  EXPECT_STATUS(trained, absl::StatusCode::kInvalidArgument,
                "the first NaN or infinity at epoch 1, step 1");
}

// Odd but possible requests: no rows, a scalar, an empty shape, a huge
// one. Each gets an answer or an error, never a crash.
TEST(ModelTest, DegenerateValuesAreAnswered) {
  auto model = Load(kXor);
  ASSERT_NE(model, nullptr);
  auto none = model->Predict(Values({0, 2}, {}));
  if (none.ok()) {
    EXPECT_EQ(none->shape, (std::vector<int64_t>{0, 1}));
    EXPECT_TRUE(none->data.empty());
  }
  EXPECT_STATUS(model->Predict(Values({}, {1})),
                absl::StatusCode::kInvalidArgument, "x");
  EXPECT_STATUS(model->Predict(Values()), absl::StatusCode::kInvalidArgument,
                "x");
  EXPECT_STATUS(model->Predict(Values({int64_t{1} << 40, 2}, {})),
                absl::StatusCode::kInvalidArgument, "feed 'x'");
  EXPECT_STATUS(model->Classify(Values({1, 2, 1}, {0, 1})),
                absl::StatusCode::kInvalidArgument, "x");
}

TEST(ModelTest, ModelWithoutTrainingPredictsButDoesNotTrain) {
  auto model = Model::FromString(R"(
    graph {
      node { name: "x" op: "Placeholder"
             attr { key: "shape" value { shape { dim: -1 dim: 2 } } } }
      node { name: "y" op: "ReduceSum" input: "x"
             attr { key: "axes" value { list { i: 1 } } } }
    }
    prediction { input: "x" output: "y" })");
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_OK_AND_ASSIGN(Values sums,
                       (*model)->Predict(Values({2, 2}, {1, 2, 3, 4})));
  EXPECT_EQ(sums.data, (std::vector<double>{3, 7}));
  EXPECT_STATUS((*model)->Train(), absl::StatusCode::kFailedPrecondition,
                "Train: <string> has no training section");
  EXPECT_STATUS((*model)->TrainStep({}), absl::StatusCode::kFailedPrecondition,
                "TrainStep: <string> has no training section");
}

TEST(ModelTest, ExportedTextLoadsAsTheSameModel) {
  auto model = Load(kTestScore);
  ASSERT_NE(model, nullptr);
  const std::string path = TempPath("exported.pbtxt");
  ASSERT_OK(model->Export(path));
  // The data section is inline, so the export loads from anywhere.
  auto exported = Load(path);
  ASSERT_NE(exported, nullptr);
  EXPECT_EQ(exported->ToText(), model->ToText());
  EXPECT_STATUS(model->Export("/no/such/dir/m.pbtxt"),
                absl::StatusCode::kInvalidArgument,
                "/no/such/dir/m.pbtxt: cannot write the model file");
}

}  // namespace
}  // namespace nabla
