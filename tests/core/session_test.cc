// Session behaviour that users rely on: bit-identical results for any
// thread count, fan-out gradients summed, and no heap allocation in a
// steady-state training step.
#include "core/session.h"

#include <cmath>
#include <cstdlib>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/graph.h"
#include "core/model_parser.h"
#include "core/optimizer.h"
#include "gtest/gtest.h"
#include "tests/allocation_counter.h"
#include "tests/model_test_util.h"

namespace nabla {
namespace {

// Two parallel branches that share the variable `shared` (fan-out), join,
// and feed the loss; `x` also fans out to both branches. Sizes are large
// enough that MatMul and the reductions split their work.
constexpr char kBranchyModel[] = R"pb(
  graph {
    node {
      name: "x"
      op: "Placeholder"
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 96 } }
      }
    }
    node {
      name: "y"
      op: "Placeholder"
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 8 } }
      }
    }
    node {
      name: "shared"
      op: "Variable"
      attr {
        key: "shape"
        value { shape { dim: 96 dim: 200 } }
      }
    }
    node {
      name: "left_w"
      op: "Variable"
      attr {
        key: "shape"
        value { shape { dim: 200 dim: 8 } }
      }
    }
    node {
      name: "right_w"
      op: "Variable"
      attr {
        key: "shape"
        value { shape { dim: 200 dim: 8 } }
      }
    }
    node {
      name: "bias"
      op: "Variable"
      attr {
        key: "shape"
        value { shape { dim: 200 } }
      }
      attr {
        key: "initializer"
        value { s: "normal" }
      }
    }
    node { name: "h" op: "MatMul" input: "x" input: "shared" }
    node { name: "hb" op: "BiasAdd" input: "h" input: "bias" }
    node { name: "left" op: "Tanh" input: "hb" }
    node { name: "right" op: "Sigmoid" input: "hb" }
    node { name: "left_out" op: "MatMul" input: "left" input: "left_w" }
    node { name: "right_out" op: "MatMul" input: "right" input: "right_w" }
    node {
      name: "x_mean"
      op: "ReduceMean"
      input: "x"
      attr {
        key: "axes"
        value { list { i: 1 } }
      }
      attr {
        key: "keep_dims"
        value { b: true }
      }
    }
    node { name: "joined" op: "Add" input: "left_out" input: "right_out" }
    node { name: "shifted" op: "Add" input: "joined" input: "x_mean" }
    node { name: "squared" op: "Mul" input: "shifted" input: "shifted" }
    node { name: "penalty" op: "ReduceSum" input: "squared" }
    node {
      name: "scale"
      op: "Const"
      attr {
        key: "value"
        value {
          tensor {
            shape {}
            value: 1e-4
          }
        }
      }
    }
    node { name: "scaled_penalty" op: "Mul" input: "penalty" input: "scale" }
    node { name: "mse" op: "MeanSquaredError" input: "shifted" input: "y" }
    node { name: "loss" op: "Add" input: "mse" input: "scaled_penalty" }
  }
)pb";

std::unique_ptr<Session> MakeSession(const SessionOptions& options) {
  std::unique_ptr<Session> session =
      SessionFromModelText(kBranchyModel, options);
  EXPECT_NE(session, nullptr);
  if (session == nullptr) return nullptr;
  EXPECT_TRUE(session->SetTraining("loss", Sgd(0.05)).ok());
  return session;
}

Tensor Filled(const Shape& shape, double scale) {
  std::vector<double> values(shape.num_elements());
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = scale * std::sin(0.37 * static_cast<double>(i) + 0.1);
  }
  return Tensor::FromValues(DType::kFloat32, shape, values);
}

struct RunResult {
  std::vector<double> losses;
  std::vector<std::vector<float>> variables;
};

RunResult Train(const SessionOptions& options, int steps) {
  std::unique_ptr<Session> session = MakeSession(options);
  const Tensor x = Filled({64, 96}, 1.0), y = Filled({64, 8}, 0.5);
  const Feed feeds[] = {{"x", &x}, {"y", &y}};
  RunResult result;
  for (int s = 0; s < steps; ++s) {
    auto loss = session->TrainStep(feeds);
    EXPECT_TRUE(loss.ok()) << loss.status();
    result.losses.push_back(*loss);
  }
  for (int v : session->variable_nodes()) {
    const Tensor& t = session->variable(v);
    result.variables.emplace_back(t.data<float>(),
                                  t.data<float>() + t.num_elements());
  }
  return result;
}

RunResult Train(int threads, int steps) {
  return Train({.threads = threads, .seed = 42}, steps);
}

TEST(SessionTest, BitIdenticalForAnyThreadCountAndAcrossRuns) {
  const RunResult reference = Train(1, 5);
  // Training does something: the loss goes down.
  EXPECT_LT(reference.losses.back(), reference.losses.front());
  for (int threads : {1, 2, 3, 8}) {
    const RunResult other = Train(threads, 5);
    ASSERT_EQ(other.losses.size(), reference.losses.size());
    for (size_t s = 0; s < other.losses.size(); ++s) {
      // Exact equality, not a tolerance: determinism is a feature.
      EXPECT_EQ(other.losses[s], reference.losses[s])
          << "threads " << threads << " step " << s;
    }
    EXPECT_EQ(other.variables, reference.variables) << "threads " << threads;
  }
}

// The concurrency tuner may run a step on one thread and the next on all:
// the results must not change. Under this clock every block of steps takes
// less time than the one before, so every probe wins and the training plan
// changes mode every other step.
TEST(SessionTest, BitIdenticalWhileTheTunerSwitchesThreads) {
  struct ShrinkingBlocks {
    int64_t now = 0;
    int64_t block = int64_t{1} << 50;
    bool in_block = false;
  };
  auto clock = std::make_shared<ShrinkingBlocks>();
  SessionOptions options{.threads = 2, .seed = 42};
  options.thread_tuning.block_steps = 1;
  options.thread_tuning.first_probe_interval = 1;
  options.thread_tuning.TEST_clock_ns = [clock] {
    if (clock->in_block) {
      clock->now += clock->block;
      clock->block = clock->block * 9 / 10;
    }
    clock->in_block = !clock->in_block;
    return clock->now;
  };
  const RunResult reference = Train(1, 40);
  const RunResult switching = Train(options, 40);
  EXPECT_EQ(switching.losses, reference.losses);
  EXPECT_EQ(switching.variables, reference.variables);
  // The clock was read at the start and end of every step.
  EXPECT_FALSE(clock->in_block);
  EXPECT_LT(clock->block, int64_t{1} << 50 >> 3);
}

// A trainable variable the loss does not use gets no update (and no
// gradient to read), while the others train.
TEST(SessionTest, VariableOutsideTheLossIsLeftAlone) {
  std::unique_ptr<Session> session = SessionFromBody(
      "  node { name: \"x\" op: \"Placeholder\" attr { key: \"shape\" "
      "value { shape { dim: 2 dim: 2 } } } }\n"
      "  node { name: \"w\" op: \"Variable\" attr { key: \"shape\" value { "
      "shape { dim: 2 dim: 1 } } } }\n"
      "  node { name: \"unused\" op: \"Variable\" attr { key: \"shape\" "
      "value { shape { dim: 3 } } } }\n"
      "  node { name: \"p\" op: \"MatMul\" input: \"x\" input: \"w\" }\n"
      "  node { name: \"loss\" op: \"ReduceSum\" input: \"p\" }\n",
      "u.pbtxt", {});
  ASSERT_NE(session, nullptr);
  ASSERT_TRUE(session->SetTraining("loss", Sgd(0.1)).ok());
  const int w = session->graph().FindNode("w").value();
  const int unused = session->graph().FindNode("unused").value();
  const Tensor unused_before = session->variable(unused);
  const Tensor w_before = session->variable(w);
  const Tensor x = Tensor::FromValues(DType::kFloat32, {2, 2}, {1, 2, 3, 4});
  const Feed feeds[] = {{"x", &x}};
  ASSERT_TRUE(session->TrainStep(feeds).ok());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(session->variable(unused).ValueAt(i), unused_before.ValueAt(i));
  }
  // dloss/dw = column sums of x: (4, 6).
  EXPECT_NEAR(session->variable(w).ValueAt(0), w_before.ValueAt(0) - 0.4, 1e-6);
  EXPECT_NEAR(session->variable(w).ValueAt(1), w_before.ValueAt(1) - 0.6, 1e-6);
}

TEST(SessionTest, FanOutGradientsAreSummed) {
  // loss = mean((w * w) - 0)^2 through Mul(w, w): d/dw of (w^2)^2 = 4 w^3.
  std::unique_ptr<Session> session = SessionFromModelText(
      R"pb(
        graph {
          node {
            name: "w"
            op: "Variable"
            attr {
              key: "dtype"
              value { s: "float64" }
            }
            attr {
              key: "shape"
              value { shape { dim: 2 } }
            }
            attr {
              key: "initializer"
              value { s: "values" }
            }
            attr {
              key: "values"
              value {
                tensor {
                  shape { dim: 2 }
                  value: [ 0.5, -2 ]
                }
              }
            }
          }
          node {
            name: "zero"
            op: "Const"
            attr {
              key: "value"
              value {
                tensor {
                  dtype: DT_FLOAT64
                  shape { dim: 2 }
                  value: 0
                }
              }
            }
          }
          node { name: "sq" op: "Mul" input: "w" input: "w" }
          node { name: "loss" op: "MeanSquaredError" input: "sq" input: "zero" }
        })pb",
      {});
  ASSERT_NE(session, nullptr);
  ASSERT_TRUE(session->SetTraining("loss", Sgd()).ok());
  auto loss = session->TrainStep({});
  ASSERT_TRUE(loss.ok()) << loss.status();
  // mean over 2 elements of w^4: (0.0625 + 16) / 2.
  EXPECT_DOUBLE_EQ(*loss, (0.0625 + 16.0) / 2);
  const Tensor* grad = session->last_gradient(0);
  ASSERT_NE(grad, nullptr);
  // d/dw (w^4 / 2) = 2 w^3.
  EXPECT_DOUBLE_EQ(grad->ValueAt(0), 2 * 0.125);
  EXPECT_DOUBLE_EQ(grad->ValueAt(1), 2 * -8.0);
}

// Split's parts are outputs 0 and 1 of one node: part 1 fans out to both
// inputs of a Mul, part 0 feeds nothing, so its dL/d(part) is zero, step
// after step (its buffer must not be shared with anything that writes).
TEST(SessionTest, SplitPartsCarryTheirOwnGradients) {
  std::unique_ptr<Session> session = SessionFromModelText(
      R"pb(
        graph {
          node {
            name: "w"
            op: "Variable"
            attr {
              key: "dtype"
              value { s: "float64" }
            }
            attr {
              key: "shape"
              value { shape { dim: 4 } }
            }
            attr {
              key: "initializer"
              value { s: "values" }
            }
            attr {
              key: "values"
              value {
                tensor {
                  shape { dim: 4 }
                  value: [ 1, 2, -3, 0.5 ]
                }
              }
            }
          }
          node {
            name: "zero"
            op: "Const"
            attr {
              key: "value"
              value {
                tensor {
                  dtype: DT_FLOAT64
                  shape { dim: 3 }
                  value: 0
                }
              }
            }
          }
          node {
            name: "s"
            op: "Split"
            input: "w"
            attr {
              key: "split"
              value { list { i: [ 1, 3 ] } }
            }
          }
          node { name: "sq" op: "Mul" input: "s:1" input: "s:1" }
          node { name: "loss" op: "MeanSquaredError" input: "sq" input: "zero" }
        })pb",
      {});
  ASSERT_NE(session, nullptr);
  ASSERT_TRUE(session->SetTraining("loss", Sgd(0.01)).ok());
  std::vector<double> w = {1, 2, -3, 0.5};
  for (int step = 0; step < 3; ++step) {
    SCOPED_TRACE(step);
    auto loss = session->TrainStep({});
    ASSERT_TRUE(loss.ok()) << loss.status();
    double want_loss = 0;
    for (int k = 1; k < 4; ++k) want_loss += w[k] * w[k] * w[k] * w[k] / 3;
    EXPECT_NEAR(*loss, want_loss, 1e-12 * want_loss);
    const Tensor* grad = session->last_gradient(0);
    ASSERT_NE(grad, nullptr);
    EXPECT_EQ(grad->ValueAt(0), 0.0);
    for (int k = 1; k < 4; ++k) {
      // d/dw (w^4 / 3) = 4 w^3 / 3.
      const double want = 4 * w[k] * w[k] * w[k] / 3;
      EXPECT_NEAR(grad->ValueAt(k), want, 1e-12 * std::abs(want));
      w[k] -= 0.01 * want;
    }
  }
}

class SteadyStateTest : public ::testing::TestWithParam<int> {};

TEST_P(SteadyStateTest, TrainingStepsAllocateNothing) {
  std::unique_ptr<Session> session =
      MakeSession({.threads = GetParam(), .seed = 42});
  const Tensor x = Filled({64, 96}, 1.0), y = Filled({64, 8}, 0.5);
  const Feed feeds[] = {{"x", &x}, {"y", &y}};
  // The first steps build the plan and warm up TBB's task pools.
  for (int s = 0; s < 3; ++s) ASSERT_TRUE(session->TrainStep(feeds).ok());
  const long before = AllocationCount();
  bool all_ok = true;
  for (int s = 0; s < 100; ++s)
    all_ok = all_ok && session->TrainStep(feeds).ok();
  const long allocations = AllocationCount() - before;
  EXPECT_TRUE(all_ok);
  EXPECT_EQ(allocations, 0) << "heap allocations in 100 steady-state steps";
}

TEST(SteadyStateCounterTest, CounterSeesAllocations) {
  // Guards the test above against a counter that counts nothing.
  const long before = AllocationCount();
  void* volatile p = std::malloc(1000);
  std::free(p);
  EXPECT_EQ(AllocationCount() - before, 1);
}

INSTANTIATE_TEST_SUITE_P(Threads, SteadyStateTest, ::testing::Values(1, 2),
                         [](const auto& info) {
                           return absl::StrCat("threads", info.param);
                         });

}  // namespace
}  // namespace nabla
