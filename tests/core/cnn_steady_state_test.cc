// A training step of a convolutional network allocates nothing once the
// plan is built: convolutions (stride 1, which reads the padded input in
// place, and stride 2, which goes through a column matrix), batch norm,
// both poolings, dropout, split and concat, a residual sum, global pooling,
// flatten and dense layers, forward, backward and Adam's update, with 1
// and 2 threads.
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/session.h"
#include "core/tensor.h"
#include "core/update_rule.h"
#include "gtest/gtest.h"
#include "proto/model.pb.h"
#include "tests/allocation_counter.h"
#include "tests/model_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

constexpr char kCnn[] = R"model(
node { name: "image" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 1 dim: 12 dim: 12 } } } }
node { name: "label" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 } } } }
node { name: "conv1" op: "Conv2DLayer" input: "image" attr { key: "filters" value { i: 8 } } attr { key: "kernel_size" value { list { i: [3, 3] } } } attr { key: "padding" value { s: "same" } } }
node { name: "bn1" op: "BatchNormLayer" input: "conv1" attr { key: "activation" value { s: "ReLU" } } }
node { name: "halves" op: "Split" input: "bn1" attr { key: "axis" value { i: 1 } } attr { key: "num_outputs" value { i: 2 } } }
node { name: "max" op: "MaxPool2D" input: "halves:0" attr { key: "kernel_shape" value { list { i: [2, 2] } } } }
node { name: "avg" op: "AvgPool2D" input: "halves:1" attr { key: "kernel_shape" value { list { i: [3, 3] } } } attr { key: "strides" value { list { i: [2, 2] } } } attr { key: "pads" value { list { i: [1, 1, 0, 0] } } } }
node { name: "joined" op: "Concat" input: "max" input: "avg" attr { key: "axis" value { i: 1 } } }
node { name: "conv2" op: "Conv2DLayer" input: "joined" attr { key: "filters" value { i: 8 } } attr { key: "kernel_size" value { list { i: [3, 3] } } } attr { key: "padding" value { s: "same" } } attr { key: "activation" value { s: "ReLU" } } }
node { name: "residual" op: "Add" input: "joined" input: "conv2" }
node { name: "down" op: "Conv2DLayer" input: "residual" attr { key: "filters" value { i: 12 } } attr { key: "kernel_size" value { list { i: [3, 3] } } } attr { key: "strides" value { list { i: [2, 2] } } } attr { key: "activation" value { s: "ReLU" } } }
node { name: "gap" op: "GlobalAvgPool" input: "down" }
node { name: "flat_gap" op: "Flatten" input: "gap" }
node { name: "flat_down" op: "Flatten" input: "down" }
node { name: "drop" op: "Dropout" input: "flat_down" attr { key: "rate" value { f: 0.25 } } }
node { name: "features" op: "Concat" input: "flat_gap" input: "drop" attr { key: "axis" value { i: 1 } } }
node { name: "hidden" op: "Dense" input: "features" attr { key: "units" value { i: 16 } } attr { key: "activation" value { s: "ReLU" } } }
node { name: "logits" op: "Dense" input: "hidden" attr { key: "units" value { i: 5 } } }
node { name: "loss" op: "SparseSoftmaxCrossEntropy" input: "logits" input: "label" }
)model";

constexpr int kBatch = 16;

Tensor Images() {
  Tensor images(DType::kFloat32, {kBatch, 1, 12, 12});
  float* values = images.data<float>();
  for (int64_t i = 0; i < images.num_elements(); ++i) {
    values[i] = static_cast<float>((i * 37 % 101) - 50) / 50.0f;
  }
  return images;
}

Tensor Labels() {
  Tensor labels(DType::kFloat32, {kBatch});
  for (int i = 0; i < kBatch; ++i) labels.data<float>()[i] = i % 5;
  return labels;
}

class CnnSteadyStateTest : public ::testing::TestWithParam<int> {};

TEST_P(CnnSteadyStateTest, TrainingStepsAllocateNothing) {
  SessionOptions options;
  options.threads = GetParam();
  options.adapt_threads = false;
  options.reuse_buffers = true;
  std::unique_ptr<Session> session = SessionFromBody(kCnn, "cnn", options);
  ASSERT_NE(session, nullptr);
  OptimizerConfig config;
  config.set_name("Adam");
  ASSERT_OK_AND_ASSIGN(UpdateRule adam, MakeUpdateRule(config));
  ASSERT_OK(session->SetTraining("loss", std::move(adam)));
  const Tensor images = Images();
  const Tensor labels = Labels();
  const Feed feeds[] = {{"image", &images}, {"label", &labels}};
  // The first steps build the plan and warm up the scratch pools and TBB's
  // task pools.
  for (int step = 0; step < 3; ++step) ASSERT_OK(session->TrainStep(feeds));
  const long before = AllocationCount();
  bool all_ok = true;
  for (int step = 0; step < 20; ++step) {
    all_ok = all_ok && session->TrainStep(feeds).ok();
  }
  EXPECT_EQ(AllocationCount() - before, 0)
      << "heap allocations in 20 training steps";
  EXPECT_TRUE(all_ok);
}

INSTANTIATE_TEST_SUITE_P(Threads, CnnSteadyStateTest, ::testing::Values(1, 2),
                         [](const auto& info) {
                           return absl::StrCat("threads", info.param);
                         });

}  // namespace
}  // namespace nabla
