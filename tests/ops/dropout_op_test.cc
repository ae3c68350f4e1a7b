// Dropout: the identity in inference; in training, each element zeroed or
// scaled by 1 / (1 - rate), with the share dropped near `rate`, a mask that
// is a function of the node's seed, the step and the element (the same for
// the gradient, any thread count and both dtypes, another for another step
// or node), gradients against finite differences, and bad rates refused.
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

AttrMap Rate(double rate) { return {{"rate", MakeAttr(rate)}}; }

OpRun Training(int64_t step, uint64_t node_seed = 42) {
  OpRun run;
  run.state.training = true;
  run.state.step = step;
  run.node_seed = node_seed;
  return run;
}

// x[i] = i + 1, never zero, so a zero in y is a dropped element.
Tensor Counting(DType dtype, int64_t n) {
  std::vector<double> values(n);
  for (int64_t i = 0; i < n; ++i) values[i] = i + 1;
  return Tensor::FromValues(dtype, {n}, values);
}

TEST(DropoutOpTest, InferenceIsTheIdentity) {
  const Tensor x = RandomTensor(DType::kFloat32, {3, 5}, 1);
  ASSERT_OK_AND_ASSIGN(auto y, RunOp("Dropout", Rate(0.5), {x}));
  ExpectBitIdentical(y[0], x);
  ASSERT_OK_AND_ASSIGN(auto g, RunOpGradient("Dropout", Rate(0.5), {x}, {x}));
  ExpectBitIdentical(g[0], x);
}

// Each element is 0 or x / (1 - rate); about `rate` of them are 0 (over
// 100000 elements the share is within 0.01 of the rate: the standard
// deviation of the share is under 0.0016).
TEST(DropoutOpTest, TrainingDropsAboutRateAndScalesTheRest) {
  const int64_t n = 100000;
  const Tensor x = Counting(DType::kFloat64, n);
  for (double rate : {0.1, 0.5, 0.8}) {
    SCOPED_TRACE(rate);
    ASSERT_OK_AND_ASSIGN(auto y,
                         RunOp("Dropout", Rate(rate), {x}, Training(3)));
    int64_t dropped = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double v = y[0].ValueAt(i);
      if (v == 0) {
        ++dropped;
      } else {
        ASSERT_EQ(v, (i + 1) * (1 / (1 - rate))) << "element " << i;
      }
    }
    EXPECT_NEAR(static_cast<double>(dropped) / n, rate, 0.01);
  }
}

TEST(DropoutOpTest, RateZeroKeepsEverything) {
  const Tensor x = RandomTensor(DType::kFloat64, {4, 4}, 2);
  ASSERT_OK_AND_ASSIGN(auto y, RunOp("Dropout", Rate(0), {x}, Training(0)));
  ExpectBitIdentical(y[0], x);
}

// Which elements are dropped: a bit per element.
std::vector<bool> DroppedOf(const Tensor& y) {
  std::vector<bool> dropped(y.num_elements());
  for (int64_t i = 0; i < y.num_elements(); ++i) {
    dropped[i] = y.ValueAt(i) == 0;
  }
  return dropped;
}

TEST(DropoutOpTest, MaskDependsOnStepAndNodeOnly) {
  const Tensor x64 = Counting(DType::kFloat64, 1000);
  const Tensor x32 = Counting(DType::kFloat32, 1000);
  auto mask = [&](const Tensor& x, const OpRun& run) {
    absl::StatusOr<std::vector<Tensor>> y =
        RunOp("Dropout", Rate(0.5), {x}, run);
    EXPECT_TRUE(y.ok()) << y.status();
    return DroppedOf((*y)[0]);
  };
  const std::vector<bool> base = mask(x64, Training(7));
  EXPECT_EQ(mask(x64, Training(7)), base);
  EXPECT_EQ(mask(x32, Training(7)), base);
  EXPECT_NE(mask(x64, Training(8)), base);
  EXPECT_NE(mask(x64, Training(7, 43)), base);
  // The gradient drops the elements the forward dropped.
  ASSERT_OK_AND_ASSIGN(
      auto g, RunOpGradient("Dropout", Rate(0.5), {x64}, {x64}, Training(7)));
  EXPECT_EQ(DroppedOf(g[0]), base);
}

TEST(DropoutOpTest, SameBitsForAnyThreadCount) {
  const Tensor x = RandomTensor(DType::kFloat32, {300, 700}, 3);
  auto run = [&] {
    absl::StatusOr<std::vector<Tensor>> y =
        RunOp("Dropout", Rate(0.3), {x}, Training(11));
    EXPECT_TRUE(y.ok()) << y.status();
    return (*y)[0];
  };
  ExpectBitIdentical(RunWithThreads(1, run), RunWithThreads(2, run));
}

TEST(DropoutOpTest, GradientMatchesFiniteDifferences) {
  const Tensor x = RandomTensor(DType::kFloat64, {6, 7}, 4);
  GradientCheckOptions options;
  options.run = Training(5);
  EXPECT_OK(CheckGradient("Dropout", Rate(0.4), {x}, options));
  EXPECT_OK(CheckGradient("Dropout", Rate(0.4), {x}));  // inference
}

TEST(DropoutOpTest, RatesOutsideZeroToOneAreRefused) {
  for (double rate : {-0.1, 1.0, 2.0, std::nan("")}) {
    absl::StatusOr<std::vector<Shape>> shapes =
        RunOpShape("Dropout", Rate(rate), {{2, 3}});
    ASSERT_FALSE(shapes.ok()) << rate;
    EXPECT_EQ(shapes.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(shapes.status().message()),
              "attribute 'rate' must be in [0, 1), got " + absl::StrCat(rate));
  }
}

}  // namespace
}  // namespace nabla
