// Every loss trains inside a session, for any thread count, without heap
// allocation once the plan is built (kernels run every training step).
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/session.h"
#include "gtest/gtest.h"
#include "tests/allocation_counter.h"
#include "tests/model_test_util.h"

namespace nabla {
namespace {

std::string Placeholder(const char* name, const char* dims) {
  return absl::StrCat("node { name: \"", name,
                      "\" op: \"Placeholder\" attr { key: \"shape\" value { "
                      "shape { ",
                      dims, " } } } }\n");
}

std::string Loss(const char* name, const char* op, const char* predictions,
                 const char* labels, const char* reduction = "mean") {
  return absl::StrCat("node { name: \"", name, "\" op: \"", op, "\" input: \"",
                      predictions, "\" input: \"", labels,
                      "\" attr { key: \"reduction\" value { s: \"", reduction,
                      "\" } } attr { key: \"weight\" value { f: 0.5 } } }\n");
}

std::string Add(const char* name, const char* a, const char* b) {
  return absl::StrCat("node { name: \"", name, "\" op: \"Add\" input: \"", a,
                      "\" input: \"", b, "\" }\n");
}

// logits = x W, and every loss of them against t (targets), y (one-hot,
// also {0, 1} hinge labels) or k (class indices), summed. MeanAbsoluteError
// runs unreduced and is summed by ReduceSum.
std::string Body() {
  return absl::StrCat(
      Placeholder("x", "dim: -1 dim: 16"), Placeholder("t", "dim: -1 dim: 5"),
      Placeholder("y", "dim: -1 dim: 5"), Placeholder("k", "dim: -1"),
      "node { name: \"W\" op: \"Variable\" attr { key: \"shape\" value { "
      "shape { dim: 16 dim: 5 } } } }\n",
      "node { name: \"logits\" op: \"MatMul\" input: \"x\" input: \"W\" }\n",
      "node { name: \"probs\" op: \"Sigmoid\" input: \"logits\" }\n",
      Loss("mse", "MeanSquaredError", "logits", "t"),
      Loss("mae", "MeanAbsoluteError", "logits", "t", "none"),
      "node { name: \"mae_sum\" op: \"ReduceSum\" input: \"mae\" }\n",
      Loss("huber", "Huber", "logits", "t", "sum"),
      Loss("sce", "SigmoidCrossEntropy", "logits", "y"),
      Loss("bce", "BinaryCrossEntropy", "probs", "y"),
      Loss("hinge", "Hinge", "logits", "y"),
      Loss("ce", "SoftmaxCrossEntropy", "logits", "y"),
      Loss("sparse", "SparseSoftmaxCrossEntropy", "logits", "k", "sum"),
      Add("s1", "mse", "mae_sum"), Add("s2", "s1", "huber"),
      Add("s3", "s2", "sce"), Add("s4", "s3", "bce"), Add("s5", "s4", "hinge"),
      Add("s6", "s5", "ce"), Add("total", "s6", "sparse"));
}

struct Data {
  // Big enough that every kernel splits its work into several chunks.
  static constexpr int kBatch = 2048;
  Tensor x{DType::kFloat32, {kBatch, 16}};
  Tensor t{DType::kFloat32, {kBatch, 5}};
  Tensor y{DType::kFloat32, {kBatch, 5}};
  Tensor k{DType::kFloat32, {kBatch}};

  Data() {
    for (int64_t i = 0; i < x.num_elements(); ++i) {
      x.data<float>()[i] = static_cast<float>(std::sin(0.37 * i + 0.1));
    }
    for (int n = 0; n < kBatch; ++n) {
      const int label = (n * 7) % 5;
      k.data<float>()[n] = static_cast<float>(label);
      for (int c = 0; c < 5; ++c) {
        y.data<float>()[n * 5 + c] = c == label ? 1.0f : 0.0f;
        t.data<float>()[n * 5 + c] = 0.1f * static_cast<float>(c - label);
      }
    }
  }
  std::vector<Feed> feeds() const {
    return {{"x", &x}, {"t", &t}, {"y", &y}, {"k", &k}};
  }
};

// The losses and final variable after `steps` steps.
std::vector<double> Train(int threads, int steps, long* allocations) {
  std::unique_ptr<Session> session =
      SessionFromBody(Body(), "losses.pbtxt", {.threads = threads, .seed = 7});
  EXPECT_NE(session, nullptr);
  if (session == nullptr) return {};
  EXPECT_TRUE(session->SetTraining("total", Sgd(0.05)).ok());
  const Data data;
  const std::vector<Feed> feeds = data.feeds();
  std::vector<double> losses;
  losses.reserve(steps);
  // The first steps build the plan and warm up TBB's task pools.
  for (int s = 0; s < 3; ++s) {
    auto loss = session->TrainStep(feeds);
    EXPECT_TRUE(loss.ok()) << loss.status();
    if (!loss.ok()) return {};
  }
  const long before = AllocationCount();
  bool all_ok = true;
  for (int s = 0; s < steps; ++s) {
    auto loss = session->TrainStep(feeds);
    all_ok = all_ok && loss.ok();
    losses.push_back(loss.ok() ? *loss : 0);
  }
  *allocations = AllocationCount() - before;
  EXPECT_TRUE(all_ok);
  return losses;
}

TEST(LossesSteadyStateTest, TrainWithoutAllocatingAndDeterministically) {
  long allocations = -1;
  const std::vector<double> reference = Train(1, 50, &allocations);
  ASSERT_EQ(reference.size(), 50u);
  EXPECT_EQ(allocations, 0) << "heap allocations in 50 steps, 1 thread";
  EXPECT_LT(reference.back(), reference.front());
  for (int threads : {2, 4}) {
    const std::vector<double> other = Train(threads, 50, &allocations);
    EXPECT_EQ(allocations, 0)
        << "heap allocations in 50 steps, " << threads << " threads";
    // Exact equality: the loss sums do not depend on the thread count.
    EXPECT_EQ(other, reference) << threads << " threads";
  }
}

TEST(LossesSteadyStateTest, CounterSeesAllocations) {
  const long before = AllocationCount();
  void* volatile p = std::malloc(1000);
  std::free(p);
  EXPECT_EQ(AllocationCount() - before, 1);
}

}  // namespace
}  // namespace nabla
