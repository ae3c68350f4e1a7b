// Ranks that update a part each of the variables (a sharded update) and
// share memory hold one copy of the trainable variables
// (Session::variables_shared()) and sum their parts of the gradients where
// each rank's backward pass wrote them: on 2 and 3 thread ranks, the same
// memory, each rank's part of each gradient one session's gradient of the
// whole batch, the same bits as ranks whose communicator sums and gathers
// instead, weights within 1e-12 of one session's; back to a copy each when
// a step is not sharded, or after UnshareVariables(); SetVariable()
// collective meanwhile.
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "core/gradient_exchange.h"
#include "core/model_parser.h"
#include "core/session.h"
#include "core/update_rule.h"
#include "gtest/gtest.h"
#include "nabla/communicator.h"
#include "tests/communicator_checks.h"
#include "tests/model_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// A float64 4-40-1 regression: a 160-value first layer, so that both of
// two ranks own a part of it (parts start at multiples of 16 values).
constexpr char kModel[] = R"pb(
  node {
    name: "x"
    op: "Placeholder"
    attr {
      key: "dtype"
      value { s: "float64" }
    }
    attr {
      key: "shape"
      value { shape { dim: -1 dim: 4 } }
    }
  }
  node {
    name: "y"
    op: "Placeholder"
    attr {
      key: "dtype"
      value { s: "float64" }
    }
    attr {
      key: "shape"
      value { shape { dim: -1 dim: 1 } }
    }
  }
  node {
    name: "w1"
    op: "Variable"
    attr {
      key: "dtype"
      value { s: "float64" }
    }
    attr {
      key: "shape"
      value { shape { dim: 4 dim: 40 } }
    }
  }
  node {
    name: "b1"
    op: "Variable"
    attr {
      key: "dtype"
      value { s: "float64" }
    }
    attr {
      key: "shape"
      value { shape { dim: 40 } }
    }
    attr {
      key: "initializer"
      value { s: "normal" }
    }
  }
  node {
    name: "w2"
    op: "Variable"
    attr {
      key: "dtype"
      value { s: "float64" }
    }
    attr {
      key: "shape"
      value { shape { dim: 40 dim: 1 } }
    }
  }
  node { name: "h" op: "MatMul" input: "x" input: "w1" }
  node { name: "hb" op: "BiasAdd" input: "h" input: "b1" }
  node { name: "a" op: "Tanh" input: "hb" }
  node { name: "out" op: "MatMul" input: "a" input: "w2" }
  node { name: "loss" op: "MeanSquaredError" input: "out" input: "y" }
)pb";

// kModel with w1 also in a penalty (its gradient a sum of two: Square's,
// written in place, and MatMul's) and a bias b2 whose gradient Neg's
// gradient writes in place of its own input's.
std::string PenaltyModel() {
  return absl::StrReplaceAll(
      kModel,
      {{R"(node { name: "loss" op: "MeanSquaredError" input: "out" input: "y" })",
        R"(node { name: "b2" op: "Variable" attr { key: "dtype" value { s: "float64" } } attr { key: "shape" value { shape { dim: 1 } } } attr { key: "initializer" value { s: "normal" } } }
  node { name: "nb2" op: "Neg" input: "b2" }
  node { name: "outb" op: "BiasAdd" input: "out" input: "nb2" }
  node { name: "mse" op: "MeanSquaredError" input: "outb" input: "y" }
  node { name: "w1_squared" op: "Square" input: "w1" }
  node { name: "penalty" op: "ReduceSum" input: "w1_squared" }
  node { name: "loss" op: "Add" input: "mse" input: "penalty" })"}});
}

constexpr int kRows = 8;

Tensor Column(int columns, double scale) {
  Tensor t(DType::kFloat64, Shape({kRows, columns}));
  double* v = t.data<double>();
  for (int i = 0; i < kRows * columns; ++i) v[i] = scale * ((i * 37 % 11) - 5);
  return t;
}

// Rows [first, first + count) of `t`.
Tensor Rows(const Tensor& t, int first, int count) {
  const int64_t columns = t.shape().dim(1);
  Tensor part(DType::kFloat64, Shape({count, columns}));
  std::copy(t.data<double>() + first * columns,
            t.data<double>() + (first + count) * columns, part.data<double>());
  return part;
}

UpdateRule Rule(double clip_value = 0) {
  OptimizerConfig config;
  config.set_name("Adam");
  (*config.mutable_attr())["learning_rate"].set_f(0.05);
  config.set_clip_value(clip_value);
  return MakeUpdateRule(config).value();
}

std::unique_ptr<Session> NewSession(const std::string& model = kModel) {
  SessionOptions options;
  options.seed = 3;
  std::unique_ptr<Session> session = SessionFromBody(model, "test", options);
  if (session != nullptr) EXPECT_OK(session->SetTraining("loss", Rule()));
  return session;
}

int Node(const Session& session, const std::string& name) {
  return session.graph().FindNode(name).value();
}

const Tensor x_all = Column(4, 0.1);
const Tensor y_all = Column(1, 0.3);

// One step of `session` on rows [first, first + count) of the batch.
void Step(Session& session, int first, int count) {
  const Tensor x = Rows(x_all, first, count);
  const Tensor y = Rows(y_all, first, count);
  const Feed feeds[] = {{"x", &x}, {"y", &y}};
  ASSERT_OK(session
                .TrainStep(feeds, BatchShard{static_cast<double>(count) / kRows,
                                             first})
                .status());
}

// Makes each rank's session of `model` (data-parallel on
// `communicators`), runs `body` on one thread each, and returns the
// sessions.
std::vector<std::unique_ptr<Session>> OnRanks(
    std::vector<std::unique_ptr<Communicator>>& communicators,
    const std::function<void(int rank, Session&)>& body,
    const std::string& model = kModel, bool overlap = false) {
  const int ranks = static_cast<int>(communicators.size());
  std::vector<std::unique_ptr<Session>> sessions(ranks);
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r) {
    threads.emplace_back([&, r] {
      sessions[r] = NewSession(model);
      if (sessions[r] == nullptr) return;
      EXPECT_OK(sessions[r]->SetDataParallel(communicators[r].get(), overlap));
      body(r, *sessions[r]);
    });
  }
  for (std::thread& t : threads) t.join();
  return sessions;
}

// Each rank's share of the batch, `steps` times.
void TrainShare(int rank, Session& session, int steps) {
  const int ranks = session.communicator()->size();
  const int first = rank * kRows / ranks, end = (rank + 1) * kRows / ranks;
  for (int s = 0; s < steps; ++s) Step(session, first, end - first);
}

std::unique_ptr<Session> Alone(int steps, const std::string& model = kModel) {
  std::unique_ptr<Session> alone = NewSession(model);
  for (int s = 0; s < steps; ++s) Step(*alone, 0, kRows);
  return alone;
}

void ExpectClose(const Session& ranks, const Session& alone) {
  for (int v : alone.variable_nodes()) {
    const Tensor& a = alone.variable(v);
    const Tensor& b = ranks.variable(v);
    for (int64_t i = 0; i < a.num_elements(); ++i) {
      EXPECT_NEAR(b.data<double>()[i], a.data<double>()[i],
                  1e-12 * (1 + std::abs(a.data<double>()[i])))
          << alone.graph().node(v).name << "[" << i << "]";
    }
  }
}

bool SameMemory(const Session& a, const Session& b, const std::string& name) {
  return a.variable(Node(a, name)).raw_data() ==
         b.variable(Node(b, name)).raw_data();
}

// Each rank's part of each gradient holds the sum over the ranks: one
// session's gradient of the whole batch, within 1e-10.
void ExpectPartsOfTheGradients(const Session& rank, int r, int ranks,
                               const Session& alone) {
  for (int v : alone.variable_nodes()) {
    const std::string& name = alone.graph().node(v).name;
    const Tensor* sum = rank.last_gradient(v);
    const Tensor* whole = alone.last_gradient(v);
    ASSERT_NE(sum, nullptr);
    ASSERT_NE(whole, nullptr);
    const int64_t n = whole->num_elements();
    for (int64_t i = ShardBegin(n, r, ranks); i < ShardBegin(n, r + 1, ranks);
         ++i) {
      EXPECT_NEAR(sum->data<double>()[i], whole->data<double>()[i],
                  1e-10 * (1 + std::abs(whole->data<double>()[i])))
          << name << "[" << i << "] on rank " << r << " of " << ranks;
    }
  }
}

// Every rank's gradients lie in one region each, the same distance apart
// for every variable: where the others sum them (a gradient stride).
void ExpectGradientsOneStrideApart(
    const std::vector<std::unique_ptr<Session>>& ranks) {
  const Session& first = *ranks[0];
  const auto address = [&](int r, int v) {
    return static_cast<const char*>(ranks[r]->last_gradient(v)->raw_data());
  };
  const int w1 = Node(first, "w1");
  const ptrdiff_t stride = address(1, w1) - address(0, w1);
  EXPECT_NE(stride, 0);
  for (int v : first.variable_nodes()) {
    for (int r = 1; r < static_cast<int>(ranks.size()); ++r) {
      EXPECT_EQ(address(r, v) - address(0, v), r * stride)
          << first.graph().node(v).name << " on rank " << r;
    }
  }
}

// 2 and 3 ranks, the buckets summed after the backward pass and on the
// exchange's thread during it.
void ExpectOneCopy(const std::string& model) {
  const std::unique_ptr<Session> alone = Alone(3, model);
  for (int n : {2, 3}) {
    for (bool overlap : {false, true}) {
      SCOPED_TRACE(absl::StrCat(n, " ranks, overlap ", overlap));
      auto communicators = MakeLocalCommunicators(n);
      auto ranks = OnRanks(
          communicators,
          [](int rank, Session& session) { TrainShare(rank, session, 3); },
          model, overlap);
      for (int r = 0; r < n; ++r) {
        ASSERT_NE(ranks[r], nullptr);
        EXPECT_TRUE(ranks[r]->variables_shared());
        for (int v : alone->variable_nodes()) {
          EXPECT_EQ(ranks[r]->variable(v).raw_data(),
                    ranks[0]->variable(v).raw_data());
        }
        ExpectPartsOfTheGradients(*ranks[r], r, n, *alone);
      }
      ExpectGradientsOneStrideApart(ranks);
      ExpectClose(*ranks[0], *alone);
    }
  }
}

TEST(SharedVariablesTest, ShardedRanksHoldOneCopy) { ExpectOneCopy(kModel); }

TEST(SharedVariablesTest, GradientsSummedAndWrittenInPlace) {
  ExpectOneCopy(PenaltyModel());
}

TEST(SharedVariablesTest, SameBitsAsRanksThatGatherTheParts) {
  auto shared_communicators = MakeLocalCommunicators(2);
  auto shared = OnRanks(shared_communicators,
                        [](int rank, Session& s) { TrainShare(rank, s, 3); });
  // Communicators without shared memory, as MPI ranks on several machines.
  auto unshared_communicators = MakeMinimalCommunicators(2);
  auto gathered = OnRanks(unshared_communicators,
                          [](int rank, Session& s) { TrainShare(rank, s, 3); });
  for (int r = 0; r < 2; ++r) {
    ASSERT_NE(gathered[r], nullptr);
    ASSERT_NE(shared[r], nullptr);
    EXPECT_FALSE(gathered[r]->variables_shared());
    EXPECT_EQ(VariableBytesOf(*gathered[r]), VariableBytesOf(*shared[r]));
  }
  EXPECT_FALSE(SameMemory(*gathered[0], *gathered[1], "w1"));
}

// Clipping needs every sum: every rank updates everything, in its own copy.
TEST(SharedVariablesTest, AStepThatIsNotShardedMakesEachRankItsOwnCopy) {
  auto communicators = MakeLocalCommunicators(2);
  std::vector<char> shared_before(2);  // not bool: one thread per element
  auto ranks = OnRanks(communicators, [&](int rank, Session& session) {
    TrainShare(rank, session, 2);
    shared_before[rank] = session.variables_shared();
    ASSERT_OK(session.SetTraining("loss", Rule(/*clip_value=*/100)));
    TrainShare(rank, session, 2);
  });
  std::unique_ptr<Session> alone = Alone(2);
  ASSERT_OK(alone->SetTraining("loss", Rule(/*clip_value=*/100)));
  Step(*alone, 0, kRows);
  Step(*alone, 0, kRows);
  for (int r = 0; r < 2; ++r) {
    ASSERT_NE(ranks[r], nullptr);
    EXPECT_TRUE(shared_before[r]);
    EXPECT_FALSE(ranks[r]->variables_shared());
    ExpectClose(*ranks[r], *alone);
  }
  EXPECT_FALSE(SameMemory(*ranks[0], *ranks[1], "w1"));
}

TEST(SharedVariablesTest, SetVariableWhileSharedIsRankZerosValue) {
  auto communicators = MakeLocalCommunicators(2);
  auto ranks = OnRanks(communicators, [](int rank, Session& session) {
    TrainShare(rank, session, 1);
    const int w2 = Node(session, "w2");
    Tensor value(DType::kFloat64, session.variable(w2).shape());
    std::fill_n(value.data<double>(), value.num_elements(), rank + 1.5);
    EXPECT_OK(session.SetVariable(w2, value));
  });
  for (const auto& session : ranks) {
    ASSERT_NE(session, nullptr);
    const Tensor& w2 = session->variable(Node(*session, "w2"));
    for (int64_t i = 0; i < w2.num_elements(); ++i) {
      EXPECT_EQ(w2.data<double>()[i], 1.5);
    }
  }
}

TEST(SharedVariablesTest, UnsharedEachRankSetsItsOwn) {
  auto communicators = MakeLocalCommunicators(2);
  auto ranks = OnRanks(communicators, [](int rank, Session& session) {
    TrainShare(rank, session, 2);
    ASSERT_OK(session.UnshareVariables());
    if (rank == 1) {  // alone: not collective any more
      const int b1 = Node(session, "b1");
      Tensor zeros(DType::kFloat64, session.variable(b1).shape());
      EXPECT_OK(session.SetVariable(b1, zeros));
    }
  });
  ASSERT_NE(ranks[0], nullptr);
  ASSERT_NE(ranks[1], nullptr);
  EXPECT_FALSE(ranks[0]->variables_shared());
  EXPECT_FALSE(SameMemory(*ranks[0], *ranks[1], "w1"));
  ExpectClose(*ranks[0], *Alone(2));
  const Tensor& b1 = ranks[1]->variable(Node(*ranks[1], "b1"));
  EXPECT_EQ(*std::max_element(b1.data<double>(),
                              b1.data<double>() + b1.num_elements()),
            0.0);
  EXPECT_NE(ranks[0]->variable(Node(*ranks[0], "b1")).data<double>()[0], 0.0);
}

}  // namespace
}  // namespace nabla
