// The planner, through Session and Plan: results bit-identical with buffer
// reuse on and off for any thread count (also where phases run steps in
// parallel, which needs the ordering that shared memory adds), the arena's
// bytes counted by hand, ops that really run in place, what stays readable
// after a step, optimizer slots across SetTraining, the origin of a NaN
// named with reuse on, and no allocation in a steady state.
#include "core/plan.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/executor.h"
#include "core/graph.h"
#include "core/profile.h"
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

// ---------------------------------------------------------------------------
// Graph text, one node per line (so node k of a body is on line k + 2 of
// its messages).

std::string Placeholder(absl::string_view name, int64_t width) {
  return absl::StrCat("node { name: \"", name,
                      "\" op: \"Placeholder\" attr { key: \"shape\" value { "
                      "shape { dim: -1 dim: ",
                      width, " } } } }\n");
}

std::string Variable(absl::string_view name,
                     std::initializer_list<int64_t> dims,
                     absl::string_view initializer = "") {
  std::string node =
      absl::StrCat("node { name: \"", name,
                   "\" op: \"Variable\" attr { key: \"shape\" value { shape {");
  for (int64_t d : dims) absl::StrAppend(&node, " dim: ", d);
  absl::StrAppend(&node, " } } }");
  if (!initializer.empty()) {
    absl::StrAppend(&node, " attr { key: \"initializer\" value { s: \"",
                    initializer, "\" } }");
  }
  return absl::StrCat(node, " }\n");
}

std::string Op(absl::string_view name, absl::string_view op,
               std::initializer_list<absl::string_view> inputs) {
  std::string node =
      absl::StrCat("node { name: \"", name, "\" op: \"", op, "\"");
  for (absl::string_view input : inputs) {
    absl::StrAppend(&node, " input: \"", input, "\"");
  }
  return absl::StrCat(node, " }\n");
}

// A small MLP: MatMul, BiasAdd, ReLU, Sigmoid and Tanh (all but MatMul run
// in place somewhere), r1 feeding two branches and w4 used twice (both
// gradients are sums of parts), and a loss. Small enough that its phases
// run in order (plan.cc's kParallelPhaseMinElements).
struct Network {
  std::string body;
  int64_t x_width;
  int64_t y_width;
  int64_t batch;
};

Network Mlp() {
  return {
      absl::StrCat(
          Placeholder("x", 6), Placeholder("y", 3), Variable("w1", {6, 10}),
          Variable("b1", {10}, "normal"), Variable("w2", {10, 7}),
          Variable("w3", {10, 7}), Variable("w4", {7, 3}),
          Op("z1", "MatMul", {"x", "w1"}), Op("h1", "BiasAdd", {"z1", "b1"}),
          Op("r1", "ReLU", {"h1"}), Op("za", "MatMul", {"r1", "w2"}),
          Op("sa", "Sigmoid", {"za"}), Op("zb", "MatMul", {"r1", "w3"}),
          Op("tb", "Tanh", {"zb"}), Op("pa", "MatMul", {"sa", "w4"}),
          Op("pb", "MatMul", {"tb", "w4"}), Op("out", "Add", {"pa", "pb"}),
          Op("loss", "MeanSquaredError", {"out", "y"})),
      6, 3, 8};
}

// A wide graph: h = tanh(x·w0) feeds four independent branches, summed
// pairwise and read out. In branch k, c_k = BiasAdd(h·w_k, b_k) feeds
// p_k = sigmoid(c_k) and q_k = act_k(c_k), added into a_k. q_k is c_k's
// last reader, so it is written over c_k in place and must wait for p_k to
// have read c_k: an ordering that no data dependency gives. At a batch of
// 128 every branch value is 128 x 64 = 8192 floats, so each phase touches
// far more than 2^14 elements and runs its steps as parallel tasks.
Network Wide() {
  std::string body = absl::StrCat(
      Placeholder("x", 64), Placeholder("y", 16), Variable("w0", {64, 64}),
      Op("z0", "MatMul", {"x", "w0"}), Op("h", "Tanh", {"z0"}));
  const char* activations[] = {"ReLU", "Tanh", "ReLU", "Tanh"};
  for (int k = 0; k < 4; ++k) {
    const std::string w = absl::StrCat("w", k + 1), b = absl::StrCat("b", k),
                      z = absl::StrCat("z", k + 1), c = absl::StrCat("c", k),
                      p = absl::StrCat("p", k), q = absl::StrCat("q", k),
                      a = absl::StrCat("a", k);
    absl::StrAppend(&body, Variable(w, {64, 64}), Variable(b, {64}, "normal"),
                    Op(z, "MatMul", {"h", w}), Op(c, "BiasAdd", {z, b}),
                    Op(p, "Sigmoid", {c}), Op(q, activations[k], {c}),
                    Op(a, "Add", {p, q}));
  }
  absl::StrAppend(&body, Op("s01", "Add", {"a0", "a1"}),
                  Op("s23", "Add", {"a2", "a3"}),
                  Op("s", "Add", {"s01", "s23"}), Variable("wo", {64, 16}),
                  Op("out", "MatMul", {"s", "wo"}),
                  Op("loss", "MeanSquaredError", {"out", "y"}));
  return {body, 64, 16, 128};
}

// Uniform in [-scale, scale) from a seeded generator: the same values on
// every machine.
Tensor RandomTensor(const Shape& shape, uint32_t seed, double scale = 1.0) {
  std::mt19937 rng(seed);
  std::vector<double> values(shape.num_elements());
  for (double& v : values) {
    v = scale * (2.0 * static_cast<double>(rng()) / 4294967296.0 - 1.0);
  }
  return Tensor::FromValues(DType::kFloat32, shape, values);
}

UpdateRule MakeRule(absl::string_view name, double learning_rate) {
  OptimizerConfig config;
  config.set_name(std::string(name));
  (*config.mutable_attr())["learning_rate"].set_f(learning_rate);
  return MakeUpdateRule(config).value();
}

int NodeIndex(const Session& session, absl::string_view name) {
  return session.graph().FindNode(name).value();
}

// Fails with the first element that differs when two tensors are not the
// same bits.
void ExpectSameBits(const Tensor& expected, const Tensor& actual,
                    const std::string& what) {
  ASSERT_EQ(expected.dtype(), actual.dtype()) << what;
  ASSERT_EQ(expected.shape(), actual.shape()) << what;
  if (std::memcmp(expected.raw_data(), actual.raw_data(),
                  expected.num_bytes()) == 0) {
    return;
  }
  const size_t size = DTypeSize(expected.dtype());
  for (int64_t i = 0; i < expected.num_elements(); ++i) {
    if (std::memcmp(static_cast<const char*>(expected.raw_data()) + i * size,
                    static_cast<const char*>(actual.raw_data()) + i * size,
                    size) != 0) {
      ADD_FAILURE() << what << " differs first at element " << i << ": "
                    << expected.ValueAt(i) << " vs " << actual.ValueAt(i);
      return;
    }
  }
}

// What a training step leaves: the loss, the kept output `out`, and every
// trainable variable's gradient and updated value (copies).
struct StepRecord {
  double loss = 0;
  Tensor out;
  std::vector<Tensor> gradients;
  std::vector<Tensor> variables;
};

struct TrainOptions {
  int threads = 1;
  bool reuse_buffers = true;
  int steps = 5;
};

std::vector<StepRecord> Train(const Network& network,
                              const TrainOptions& train) {
  SessionOptions options;
  options.threads = train.threads;
  options.seed = 42;
  options.reuse_buffers = train.reuse_buffers;
  // Every step on all threads: the tuner could otherwise run them on one.
  options.adapt_threads = false;
  std::unique_ptr<Session> session =
      SessionFromBody(network.body, "net.pbtxt", options);
  if (session == nullptr) return {};
  const int out = NodeIndex(*session, "out");
  const Endpoint keep[] = {{out, 0}};
  EXPECT_OK(session->SetTraining("loss", Sgd(0.05), keep));
  std::vector<StepRecord> records;
  for (int step = 0; step < train.steps; ++step) {
    // A new batch every step, the same in every run.
    const Tensor x =
        RandomTensor({network.batch, network.x_width}, 1000 + step);
    const Tensor y =
        RandomTensor({network.batch, network.y_width}, 2000 + step, 0.5);
    const Feed feeds[] = {{"x", &x}, {"y", &y}};
    absl::StatusOr<double> loss = session->TrainStep(feeds);
    EXPECT_OK(loss);
    if (!loss.ok()) return records;
    StepRecord record;
    record.loss = *loss;
    const Tensor* kept = session->last_value(out);
    EXPECT_NE(kept, nullptr);
    if (kept != nullptr) record.out = *kept;
    for (int v : session->variable_nodes()) {
      const Tensor* gradient = session->last_gradient(v);
      EXPECT_NE(gradient, nullptr) << session->graph().node(v).name;
      if (gradient != nullptr) record.gradients.push_back(*gradient);
      record.variables.push_back(session->variable(v));
    }
    records.push_back(std::move(record));
  }
  return records;
}

void ExpectSameTraining(const std::vector<StepRecord>& expected,
                        const std::vector<StepRecord>& actual,
                        const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t s = 0; s < expected.size(); ++s) {
    const std::string at = absl::StrCat(what, ", step ", s + 1);
    EXPECT_EQ(std::memcmp(&expected[s].loss, &actual[s].loss, sizeof(double)),
              0)
        << at << ": loss " << expected[s].loss << " vs " << actual[s].loss;
    ExpectSameBits(expected[s].out, actual[s].out, at + ", out");
    ASSERT_EQ(actual[s].gradients.size(), expected[s].gradients.size()) << at;
    for (size_t v = 0; v < expected[s].gradients.size(); ++v) {
      ExpectSameBits(expected[s].gradients[v], actual[s].gradients[v],
                     absl::StrCat(at, ", gradient of variable ", v));
      ExpectSameBits(expected[s].variables[v], actual[s].variables[v],
                     absl::StrCat(at, ", variable ", v));
    }
  }
}

// ---------------------------------------------------------------------------
// Bit-identical results.

TEST(PlanReuseTest, MlpIsBitIdenticalWithAndWithoutReuseOnOneAndFourThreads) {
  const Network network = Mlp();
  const std::vector<StepRecord> reference =
      Train(network, {.threads = 1, .reuse_buffers = false, .steps = 8});
  ASSERT_EQ(reference.size(), 8);
  // The run trains: a comparison of runs that changed nothing proves little.
  EXPECT_NE(reference.front().loss, reference.back().loss);
  for (int threads : {1, 4}) {
    for (bool reuse : {true, false}) {
      ExpectSameTraining(
          reference,
          Train(network,
                {.threads = threads, .reuse_buffers = reuse, .steps = 8}),
          absl::StrCat("threads ", threads, ", reuse ", reuse));
    }
  }
}

TEST(PlanReuseTest, WideGraphIsLargeEnoughForParallelPhases) {
  // The premise of the next test: plan.cc runs a phase's steps as tasks
  // only when its buffers hold at least 2^14 floats unshared.
  const Network network = Wide();
  std::unique_ptr<Session> session = SessionFromBody(network.body, "w", {});
  ASSERT_NE(session, nullptr);
  ASSERT_OK(session->SetTraining("loss", Sgd()));
  const Tensor x = RandomTensor({network.batch, network.x_width}, 1);
  const Tensor y = RandomTensor({network.batch, network.y_width}, 2);
  const Feed feeds[] = {{"x", &x}, {"y", &y}};
  ASSERT_OK_AND_ASSIGN(const MemoryPlan memory, session->TrainingMemory(feeds));
  // Four times over, so that a count per phase would pass it too.
  EXPECT_GE(memory.unshared_arena_bytes / sizeof(float), 4 * (1 << 14));
}

// Steps of one phase run at the same time on four threads; with reuse,
// a step may write memory that an earlier step of the phase still reads
// unless the planner orders them. Any missing ordering shows up as bits
// that differ from a run where nothing shares memory and nothing runs at
// the same time.
TEST(PlanReuseTest, WideGraphOnFourThreadsWithReuseIsBitIdenticalToOneWithout) {
  const Network network = Wide();
  constexpr int kSteps = 40;
  const std::vector<StepRecord> reference =
      Train(network, {.threads = 1, .reuse_buffers = false, .steps = kSteps});
  ASSERT_EQ(reference.size(), kSteps);
  EXPECT_LT(reference.back().loss, reference.front().loss);
  ExpectSameTraining(
      reference,
      Train(network, {.threads = 1, .reuse_buffers = true, .steps = kSteps}),
      "threads 1, reuse");
  ExpectSameTraining(
      reference,
      Train(network, {.threads = 4, .reuse_buffers = false, .steps = kSteps}),
      "threads 4, no reuse");
  for (int run = 0; run < 3; ++run) {
    ExpectSameTraining(
        reference,
        Train(network, {.threads = 4, .reuse_buffers = true, .steps = kSteps}),
        absl::StrCat("threads 4, reuse, run ", run));
  }
}

// ---------------------------------------------------------------------------
// Bytes.

// x [2, 4] -> MatMul w1 [4, 4] -> z1 -> Tanh -> t1 -> MatMul w2 [4, 4] -> z2
// -> ReduceSum -> loss. Every tensor is at most 16 floats (the weights'
// gradients), so each buffer takes 64 bytes.
constexpr char kChain[] = R"model(
node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 4 } } } }
node { name: "w1" op: "Variable" attr { key: "shape" value { shape { dim: 4 dim: 4 } } } }
node { name: "w2" op: "Variable" attr { key: "shape" value { shape { dim: 4 dim: 4 } } } }
node { name: "z1" op: "MatMul" input: "x" input: "w1" }
node { name: "t1" op: "Tanh" input: "z1" }
node { name: "z2" op: "MatMul" input: "t1" input: "w2" }
node { name: "loss" op: "ReduceSum" input: "z2" }
)model";

std::unique_ptr<Session> ChainSession(bool reuse,
                                      absl::Span<const Endpoint> keep = {}) {
  SessionOptions options;
  options.reuse_buffers = reuse;
  std::unique_ptr<Session> session =
      SessionFromBody(kChain, "chain.pbtxt", options);
  if (session != nullptr) {
    EXPECT_OK(session->SetTraining("loss", Sgd(0.1), keep));
  }
  return session;
}

// The training plan of kChain at batch 2, by hand. Steps: forward
// 0 MatMul z1, 1 Tanh t1, 2 MatMul z2, 3 ReduceSum loss; backward
// 4 ReduceSum' (writes dz2), 5 MatMul z2' (reads t1, dz2; writes dt1, dw2),
// 6 Tanh' (reads t1, dt1; writes dz1), 7 MatMul z1' (reads x, dz1; writes
// dw1). Eleven tensors: x, z1, t1, z2, loss and dw1, dw2, dz1, dt1, dz2,
// dloss; unshared, 11 * 64 = 704 bytes.
// With reuse, Tanh writes t1 over z1 and its gradient writes dz1 over dt1,
// leaving nine buffers, alive over [first, last] step:
//   x [fed, 7]   z1=t1 [0, 6]   z2 [2, 3]   loss [3, after]
//   dloss [whole run: set when the plan is built]   dz2 [4, 5]
//   dt1=dz1 [5, 7]   dw2 [5, after]   dw1 [7, after]
// At step 5 all but z2 and dw1 are alive, seven; no step has more. For
// buffers of one size the layout needs exactly the most alive at once:
// 7 * 64 = 448 bytes.
TEST(PlanMemoryTest, ChainArenaByHand) {
  const Tensor x(DType::kFloat32, {2, 4});
  const Feed feeds[] = {{"x", &x}};
  std::unique_ptr<Session> reusing = ChainSession(/*reuse=*/true);
  ASSERT_NE(reusing, nullptr);
  ASSERT_OK_AND_ASSIGN(const MemoryPlan shared, reusing->TrainingMemory(feeds));
  EXPECT_EQ(shared.unshared_arena_bytes, 11 * 64);
  EXPECT_EQ(shared.arena_bytes, 7 * 64);
  std::unique_ptr<Session> keeping = ChainSession(/*reuse=*/false);
  ASSERT_NE(keeping, nullptr);
  ASSERT_OK_AND_ASSIGN(const MemoryPlan unshared,
                       keeping->TrainingMemory(feeds));
  EXPECT_EQ(unshared.arena_bytes, 11 * 64);
  EXPECT_EQ(unshared.unshared_arena_bytes, 11 * 64);
}

// Four layers of 32 x 32 at batch 64: with reuse the arena is smaller than
// every buffer on its own; without, it is exactly that.
TEST(PlanMemoryTest, ReuseShrinksTheArenaOfADeepChain) {
  std::string body = Placeholder("x", 32);
  std::string input = "x";
  for (int layer = 0; layer < 4; ++layer) {
    const std::string w = absl::StrCat("w", layer),
                      z = absl::StrCat("z", layer),
                      a = absl::StrCat("a", layer);
    absl::StrAppend(&body, Variable(w, {32, 32}), Op(z, "MatMul", {input, w}),
                    Op(a, layer % 2 == 0 ? "Tanh" : "Sigmoid", {z}));
    input = a;
  }
  absl::StrAppend(&body, Op("loss", "ReduceSum", {input}));
  const Tensor x(DType::kFloat32, {64, 32});
  const Feed feeds[] = {{"x", &x}};
  for (bool reuse : {true, false}) {
    SCOPED_TRACE(reuse ? "reuse" : "no reuse");
    SessionOptions options;
    options.reuse_buffers = reuse;
    std::unique_ptr<Session> session = SessionFromBody(body, "deep", options);
    ASSERT_NE(session, nullptr);
    ASSERT_OK(session->SetTraining("loss", Sgd()));
    ASSERT_OK_AND_ASSIGN(const MemoryPlan memory,
                         session->TrainingMemory(feeds));
    // x, 8 values and the loss; 8 gradients of values, 4 of weights and
    // dloss: 64 * 32 floats for each [64, 32] tensor, 32 * 32 for the
    // weights' gradients, a scalar's 64 bytes for loss and dloss.
    const size_t activation = 64 * 32 * 4, weight = 32 * 32 * 4;
    EXPECT_EQ(memory.unshared_arena_bytes,
              17 * activation + 4 * weight + 2 * 64);
    if (reuse) {
      EXPECT_LT(memory.arena_bytes, memory.unshared_arena_bytes);
    } else {
      EXPECT_EQ(memory.arena_bytes, memory.unshared_arena_bytes);
    }
  }
}

// ---------------------------------------------------------------------------
// In place.

// x [4, 8] -> MatMul w [8, 16] -> z -> BiasAdd b [16] -> zb -> ReLU -> r,
// fetched at r. x is 128 bytes, z, zb and r 256 each.
constexpr char kForward[] = R"model(
node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 8 } } } }
node { name: "w" op: "Variable" attr { key: "shape" value { shape { dim: 8 dim: 16 } } } }
node { name: "b" op: "Variable" attr { key: "shape" value { shape { dim: 16 } } } }
node { name: "z" op: "MatMul" input: "x" input: "w" }
node { name: "zb" op: "BiasAdd" input: "z" input: "b" }
node { name: "r" op: "ReLU" input: "zb" }
)model";

struct ForwardRun {
  std::unique_ptr<Plan> plan;
  MemoryPlan memory;
  Tensor r;
};

// Builds the forward plan of kForward directly and runs it once.
void RunForwardPlan(const Graph& graph, std::vector<Tensor>& variables,
                    const Tensor& x, bool reuse, ForwardRun* run) {
  const int x_node = graph.FindNode("x").value();
  const int r_node = graph.FindNode("r").value();
  PlanRequest request;
  request.feeds = {{x_node, x.shape()}};
  request.targets = {r_node};
  request.reuse_buffers = reuse;
  ASSERT_OK_AND_ASSIGN(run->plan, Plan::Build(graph, variables, request));
  EXPECT_EQ(run->plan->reuses_buffers(), reuse);
  Tensor* feed = run->plan->feed_buffer(x_node);
  ASSERT_NE(feed, nullptr);
  std::memcpy(feed->raw_data(), x.raw_data(), x.num_bytes());
  Executor executor(1);
  absl::Status status;
  executor.Enter([&] { status = run->plan->RunForward(executor); });
  ASSERT_OK(status);
  const Tensor* r = run->plan->value({r_node, 0});
  ASSERT_NE(r, nullptr);
  run->r = *r;
  run->memory = run->plan->Memory();
}

// The forward plan's steps: 0 MatMul (x -> z), 1 BiasAdd (z -> zb),
// 2 ReLU (zb -> r), and r is read after the run. Without in place, z and
// zb are both alive at step 1, so no layout can take less than 2 * 256 =
// 512 bytes (sharing alone gets there: z and r take turns, x sits beside
// them). In place, BiasAdd writes zb over z and ReLU writes r over zb: one
// 256-byte buffer holds all three, alive with x at step 0, so 128 + 256 =
// 384 bytes. Every buffer on its own takes 128 + 3 * 256 = 896 bytes, the
// arena without reuse: in place saved exactly the buffers of zb and r.
TEST(PlanInPlaceTest, BiasAddAndReluWriteOverTheirInputs) {
  ASSERT_OK_AND_ASSIGN(const Graph graph, GraphFromBody(kForward, "f.pbtxt"));
  const int w = graph.FindNode("w").value(), b = graph.FindNode("b").value();
  std::vector<Tensor> variables(graph.num_nodes());
  variables[w] = RandomTensor({8, 16}, 11);
  variables[b] = RandomTensor({16}, 12, 0.5);
  const Tensor x = RandomTensor({4, 8}, 13);
  ForwardRun reusing, keeping;
  RunForwardPlan(graph, variables, x, /*reuse=*/true, &reusing);
  RunForwardPlan(graph, variables, x, /*reuse=*/false, &keeping);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  EXPECT_EQ(reusing.memory.unshared_arena_bytes, 128 + 3 * 256);
  EXPECT_EQ(reusing.memory.arena_bytes, 128 + 256);
  EXPECT_EQ(keeping.memory.arena_bytes, 128 + 3 * 256);
  EXPECT_EQ(keeping.memory.arena_bytes - reusing.memory.arena_bytes, 2 * 256);
  // In place computed the same bits, and the right values: relu(x·w + b),
  // summed here in double.
  ExpectSameBits(keeping.r, reusing.r, "r");
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 16; ++j) {
      double sum = variables[b].ValueAt(j);
      for (int k = 0; k < 8; ++k) {
        sum += x.ValueAt(i * 8 + k) * variables[w].ValueAt(k * 16 + j);
      }
      EXPECT_NEAR(reusing.r.ValueAt(i * 16 + j), std::max(sum, 0.0), 1e-5)
          << "r[" << i << ", " << j << "]";
    }
  }
}

TEST(PlanInPlaceTest, WithReuseOnlyTheTargetIsReadable) {
  ASSERT_OK_AND_ASSIGN(const Graph graph, GraphFromBody(kForward, "f.pbtxt"));
  std::vector<Tensor> variables(graph.num_nodes());
  variables[graph.FindNode("w").value()] = RandomTensor({8, 16}, 11);
  variables[graph.FindNode("b").value()] = RandomTensor({16}, 12);
  const Tensor x = RandomTensor({4, 8}, 13);
  for (bool reuse : {true, false}) {
    SCOPED_TRACE(reuse ? "reuse" : "no reuse");
    ForwardRun run;
    RunForwardPlan(graph, variables, x, reuse, &run);
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
    for (const char* name : {"x", "z", "zb"}) {
      const Tensor* value = run.plan->value({graph.FindNode(name).value(), 0});
      EXPECT_EQ(value != nullptr, !reuse) << name;
    }
    // Variables are the caller's, and always readable.
    EXPECT_EQ(run.plan->value({graph.FindNode("w").value(), 0}),
              &variables[graph.FindNode("w").value()]);
  }
}

// ---------------------------------------------------------------------------
// What a training step leaves readable.

TEST(PlanLastValueTest, WithReuseOnlyKeptOutputsAreReadable) {
  // Keep t1, which Tanh wrote over z1.
  ASSERT_OK_AND_ASSIGN(const Graph chain, GraphFromBody(kChain, "chain.pbtxt"));
  const int t1 = chain.FindNode("t1").value();
  const Endpoint keep[] = {{t1, 0}};
  std::unique_ptr<Session> reusing = ChainSession(/*reuse=*/true, keep);
  std::unique_ptr<Session> keeping = ChainSession(/*reuse=*/false, keep);
  ASSERT_NE(reusing, nullptr);
  ASSERT_NE(keeping, nullptr);
  const Tensor x = RandomTensor({2, 4}, 5);
  const Feed feeds[] = {{"x", &x}};
  ASSERT_OK(reusing->TrainStep(feeds));
  ASSERT_OK(keeping->TrainStep(feeds));
  const Graph& graph = reusing->graph();
  for (int node = 0; node < graph.num_nodes(); ++node) {
    const std::string& name = graph.node(node).name;
    const bool kept =
        name == "loss" || name == "t1" || name == "w1" || name == "w2";
    EXPECT_EQ(reusing->last_value(node) != nullptr, kept) << name;
    ASSERT_NE(keeping->last_value(node), nullptr) << name;
    if (kept) {
      ExpectSameBits(*keeping->last_value(node), *reusing->last_value(node),
                     name);
    }
  }
  // Variables read as they are now, after the update.
  EXPECT_EQ(reusing->last_value(NodeIndex(*reusing, "w1")),
            &reusing->variable(NodeIndex(*reusing, "w1")));
  // t1 is really tanh(z1): the kept buffer was not reused for a gradient.
  const Tensor& z1 = *keeping->last_value(NodeIndex(*keeping, "z1"));
  const Tensor& t1_value = *reusing->last_value(t1);
  for (int64_t i = 0; i < z1.num_elements(); ++i) {
    EXPECT_NEAR(t1_value.ValueAt(i), std::tanh(z1.ValueAt(i)), 1e-6) << i;
  }
}

// ---------------------------------------------------------------------------
// Optimizer slots.

std::vector<Tensor> AllSlots(const Session& session) {
  std::vector<Tensor> slots;
  for (int v : session.variable_nodes()) {
    for (const Tensor& slot : session.slots(v)) slots.push_back(slot);
  }
  return slots;
}

TEST(PlanSlotsTest, SlotsSurviveSetTrainingByName) {
  std::unique_ptr<Session> session = ChainSession(true);
  ASSERT_NE(session, nullptr);
  ASSERT_OK(session->SetTraining("loss", MakeRule("Adam", 0.01)));
  for (int step = 0; step < 3; ++step) {
    const Tensor x = RandomTensor({2, 4}, 100 + step);
    const Feed feeds[] = {{"x", &x}};
    ASSERT_OK(session->TrainStep(feeds));
  }
  const std::vector<Tensor> trained = AllSlots(*session);
  // Two trainable variables, two slots each (first and second moment),
  // holding what three steps put there.
  ASSERT_EQ(trained.size(), 4);
  for (const Tensor& slot : trained) {
    double sum = 0;
    for (double v : slot.ToDoubles()) sum += std::abs(v);
    EXPECT_GT(sum, 0);
  }

  // The same optimizer at another rate continues the same state.
  ASSERT_OK(session->SetTraining("loss", MakeRule("Adam", 0.001)));
  const std::vector<Tensor> kept = AllSlots(*session);
  ASSERT_EQ(kept.size(), trained.size());
  for (size_t i = 0; i < kept.size(); ++i) {
    ExpectSameBits(trained[i], kept[i], absl::StrCat("slot ", i));
  }

  // SGD without momentum has no slots.
  ASSERT_OK(session->SetTraining("loss", Sgd(0.1)));
  EXPECT_TRUE(AllSlots(*session).empty());

  // Back to Adam: the state was dropped with SGD, so it starts at zero.
  ASSERT_OK(session->SetTraining("loss", MakeRule("Adam", 0.01)));
  const std::vector<Tensor> fresh = AllSlots(*session);
  ASSERT_EQ(fresh.size(), 4);
  for (size_t i = 0; i < fresh.size(); ++i) {
    EXPECT_EQ(fresh[i].shape(), trained[i].shape());
    for (double v : fresh[i].ToDoubles()) ASSERT_EQ(v, 0) << "slot " << i;
  }
}

// ---------------------------------------------------------------------------
// A NaN's origin with reuse on.

// z = x·w is negative, so lg = ln z and lg2 = ln z are NaN. ReLU writes
// r = max(lg, 0) = 0 over lg (nothing else reads lg), so in a plan that
// reuses memory lg's bytes hold 0 after the run: only a plan that keeps
// every buffer still shows that the first NaN, in graph order, is lg's.
constexpr char kNaN[] = R"model(
node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 2 } } } }
node { name: "y" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
node { name: "w" op: "Variable" attr { key: "shape" value { shape { dim: 2 dim: 2 } } } attr { key: "initializer" value { s: "ones" } } }
node { name: "w2" op: "Variable" attr { key: "shape" value { shape { dim: 2 dim: 1 } } } attr { key: "initializer" value { s: "ones" } } }
node { name: "z" op: "MatMul" input: "x" input: "w" }
node { name: "lg" op: "Log" input: "z" }
node { name: "r" op: "ReLU" input: "lg" }
node { name: "lg2" op: "Log" input: "z" }
node { name: "sum" op: "Add" input: "r" input: "lg2" }
node { name: "out" op: "MatMul" input: "sum" input: "w2" }
node { name: "loss" op: "MeanSquaredError" input: "out" input: "y" }
)model";

TEST(PlanNaNTest, ANaNLossWithReuseNamesTheFirstNodeHoldingANaN) {
  for (bool reuse : {true, false}) {
    SCOPED_TRACE(reuse ? "reuse" : "no reuse");
    SessionOptions options;
    options.reuse_buffers = reuse;
    std::unique_ptr<Session> session =
        SessionFromBody(kNaN, "nan.pbtxt", options);
    ASSERT_NE(session, nullptr);
    ASSERT_OK(session->SetTraining("loss", Sgd(0.1)));
    const Tensor x =
        Tensor::FromValues(DType::kFloat32, {3, 2}, {1, 1, -1, -2, 2, 1});
    const Tensor y = Tensor(DType::kFloat32, {3, 1});
    const Feed feeds[] = {{"x", &x}, {"y", &y}};
    // Without check_numerics the step goes through, with a NaN loss.
    ASSERT_OK_AND_ASSIGN(const double loss, session->TrainStep(feeds));
    EXPECT_TRUE(std::isnan(loss));
    EXPECT_EQ(session->step(), 1);
    // With reuse, lg itself is not readable after the step.
    EXPECT_EQ(session->last_value(NodeIndex(*session, "lg")) == nullptr, reuse);
    const NumericalFault* fault = session->numerical_fault();
    ASSERT_NE(fault, nullptr);
    EXPECT_EQ(fault->step, 1);
    EXPECT_TRUE(std::isnan(fault->loss));
    EXPECT_EQ(fault->node, NodeIndex(*session, "lg"));
    EXPECT_FALSE(fault->gradient);
    // Row 1 of x is (-1, -2): z[1, :] = -3, the first negative.
    EXPECT_EQ(fault->where,
              "nan.pbtxt:8: node 'lg' (Log): its output value holds nan at "
              "[1, 0]");
  }
}

// ---------------------------------------------------------------------------
// Steady state.

class PlanSteadyStateTest : public ::testing::TestWithParam<int> {};

TEST_P(PlanSteadyStateTest, ReusingStepsAllocateNothing) {
  const Network network = Wide();
  SessionOptions options;
  options.threads = GetParam();
  options.adapt_threads = false;
  options.reuse_buffers = true;
  std::unique_ptr<Session> session =
      SessionFromBody(network.body, "w", options);
  ASSERT_NE(session, nullptr);
  ASSERT_OK(session->SetTraining("loss", Sgd()));
  const Tensor x = RandomTensor({network.batch, network.x_width}, 1);
  const Tensor y = RandomTensor({network.batch, network.y_width}, 2);
  const Feed feeds[] = {{"x", &x}, {"y", &y}};
  // The first steps build the plan and warm up TBB's task pools.
  for (int step = 0; step < 3; ++step) ASSERT_OK(session->TrainStep(feeds));
  const long before = AllocationCount();
  bool all_ok = true;
  for (int step = 0; step < 50; ++step) {
    all_ok = all_ok && session->TrainStep(feeds).ok();
  }
  const long allocations = AllocationCount() - before;
  EXPECT_TRUE(all_ok);
  EXPECT_EQ(allocations, 0) << "heap allocations in 50 steady-state steps";
}

INSTANTIATE_TEST_SUITE_P(Threads, PlanSteadyStateTest, ::testing::Values(1, 4),
                         [](const auto& info) {
                           return absl::StrCat("threads", info.param);
                         });

}  // namespace
}  // namespace nabla
