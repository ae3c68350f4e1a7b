// BatchNorm: values and running statistics by hand; y, the three gradients
// and the updated running statistics against PyTorch
// (testdata/batch_norm_torch_cases.txt) in training and inference;
// gradients against finite differences for ranks 2 to 4 in both modes;
// float32 against float64; 1 vs 2 threads bit for bit; inference leaves
// the state alone; bad shapes and attributes refused word for word.
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/ops/torch_cases.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

AttrMap Attrs(double epsilon = 1e-5, double momentum = 0.9) {
  return {{"epsilon", MakeAttr(epsilon)}, {"momentum", MakeAttr(momentum)}};
}

OpRun Training() {
  OpRun run;
  run.state.training = true;
  return run;
}

Tensor Vector(DType dtype, std::vector<double> values) {
  const int64_t n = static_cast<int64_t>(values.size());
  return Tensor::FromValues(dtype, {n}, values);
}

Tensor Converted(const Tensor& t, DType dtype) {
  std::vector<double> values(t.num_elements());
  for (int64_t i = 0; i < t.num_elements(); ++i) values[i] = t.ValueAt(i);
  return Tensor::FromValues(dtype, t.shape(), values);
}

// x, scale, bias, mean, var for x of `shape`, random but for a variance
// well away from zero.
std::vector<Tensor> Inputs(DType dtype, const Shape& shape, uint64_t seed) {
  const int64_t c = shape.dim(1);
  return {RandomTensor(dtype, shape, seed),
          RandomTensor(dtype, {c}, seed + 1, 0.5, 1.5),
          RandomTensor(dtype, {c}, seed + 2, -0.5, 0.5),
          RandomTensor(dtype, {c}, seed + 3, -0.3, 0.3),
          RandomTensor(dtype, {c}, seed + 4, 0.5, 2.0)};
}

// One channel of x [4, 1] = 1, 2, 3, 6: batch mean 3, biased variance
// (4 + 1 + 0 + 9) / 4 = 3.5, unbiased 14 / 3.
TEST(BatchNormOpTest, TrainingByHand) {
  const double eps = 1e-5;
  std::vector<Tensor> in = {
      Tensor::FromValues(DType::kFloat64, {4, 1}, {1, 2, 3, 6}),
      Vector(DType::kFloat64, {2}), Vector(DType::kFloat64, {1}),
      Vector(DType::kFloat64, {0.5}), Vector(DType::kFloat64, {1})};
  ASSERT_OK_AND_ASSIGN(
      auto y, RunOpUpdatingState("BatchNorm", Attrs(eps, 0.9), in, Training()));
  const double inv_std = 1 / std::sqrt(3.5 + eps);
  ExpectTensorNear(
      y[0], {4, 1},
      {2 * -2 * inv_std + 1, 2 * -1 * inv_std + 1, 1, 2 * 3 * inv_std + 1});
  EXPECT_NEAR(in[3].ValueAt(0), 0.9 * 0.5 + 0.1 * 3, 1e-15);
  EXPECT_NEAR(in[4].ValueAt(0), 0.9 * 1 + 0.1 * 14.0 / 3, 1e-15);
}

TEST(BatchNormOpTest, InferenceByHandLeavesTheStateAlone) {
  const double eps = 1e-3;
  std::vector<Tensor> in = {
      Tensor::FromValues(DType::kFloat64, {2, 2}, {1, 2, 3, 4}),
      Vector(DType::kFloat64, {2, 3}), Vector(DType::kFloat64, {0, 1}),
      Vector(DType::kFloat64, {1, -1}), Vector(DType::kFloat64, {4, 0.25})};
  const std::vector<Tensor> before = in;
  ASSERT_OK_AND_ASSIGN(auto y, RunOpUpdatingState("BatchNorm", Attrs(eps), in));
  const double s0 = 2 / std::sqrt(4 + eps), s1 = 3 / std::sqrt(0.25 + eps);
  ExpectTensorNear(y[0], {2, 2}, {0 * s0, 3 * s1 + 1, 2 * s0, 5 * s1 + 1});
  ExpectBitIdentical(in[3], before[3]);
  ExpectBitIdentical(in[4], before[4]);
}

TEST(BatchNormOpTest, MatchesPyTorch) {
  const std::vector<TorchCase> cases =
      ReadTorchCases("tests/ops/testdata/batch_norm_torch_cases.txt");
  ASSERT_EQ(cases.size(), 7u);
  for (const TorchCase& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_EQ(c.attrs.size(), 3u);
    const bool training = Ints(c.attrs[0]) == std::vector<int64_t>{1};
    OpRun run;
    run.state.training = training;
    const AttrMap attrs = Attrs(std::stod(c.attrs[1]), std::stod(c.attrs[2]));
    std::vector<Tensor> in = {c.tensors.at("x"), c.tensors.at("scale"),
                              c.tensors.at("bias"), c.tensors.at("mean"),
                              c.tensors.at("var")};
    ASSERT_OK_AND_ASSIGN(auto g, RunOpGradient("BatchNorm", attrs, in,
                                               {c.tensors.at("dy")}, run));
    ASSERT_OK_AND_ASSIGN(auto y,
                         RunOpUpdatingState("BatchNorm", attrs, in, run));
    // x near 40 with a spread of 0.01 (train_shifted) loses digits to
    // cancellation in any order of operations.
    const double tolerance = c.name == "train_shifted" ? 1e-9 : 1e-12;
    ExpectTensorsClose(y[0], c.tensors.at("y"), tolerance);
    ExpectTensorsClose(g[0], c.tensors.at("dx"), tolerance);
    ExpectTensorsClose(g[1], c.tensors.at("dscale"), tolerance);
    ExpectTensorsClose(g[2], c.tensors.at("dbias"), 1e-12);
    ExpectTensorsClose(in[3], c.tensors.at("new_mean"), 1e-12);
    ExpectTensorsClose(in[4], c.tensors.at("new_var"), 1e-12);
  }
}

TEST(BatchNormOpTest, GradientMatchesFiniteDifferences) {
  for (const Shape& shape :
       {Shape{5, 3}, Shape{3, 2, 7}, Shape{2, 3, 4, 5}, Shape{3, 2, 1, 1}}) {
    SCOPED_TRACE(shape.ToString());
    const std::vector<Tensor> in = Inputs(DType::kFloat64, shape, 7);
    GradientCheckOptions training;
    training.run = Training();
    EXPECT_OK(CheckGradient("BatchNorm", Attrs(), in, training));
    EXPECT_OK(CheckGradient("BatchNorm", Attrs(), in));
  }
}

TEST(BatchNormOpTest, Float32MatchesFloat64) {
  const std::vector<Tensor> in64 = Inputs(DType::kFloat64, {4, 3, 5, 5}, 11);
  EXPECT_OK(CheckFloat32MatchesFloat64("BatchNorm", Attrs(), in64));
  std::vector<Tensor> in32;
  for (const Tensor& t : in64) in32.push_back(Converted(t, DType::kFloat32));
  std::vector<Tensor> state64 = in64;
  ASSERT_OK_AND_ASSIGN(
      auto y64, RunOpUpdatingState("BatchNorm", Attrs(), state64, Training()));
  ASSERT_OK_AND_ASSIGN(
      auto y32, RunOpUpdatingState("BatchNorm", Attrs(), in32, Training()));
  EXPECT_EQ(y32[0].dtype(), DType::kFloat32);
  ExpectTensorsClose(Converted(y32[0], DType::kFloat64), y64[0], 1e-5);
  ExpectTensorsClose(Converted(in32[4], DType::kFloat64), state64[4], 1e-6);
}

TEST(BatchNormOpTest, SameBitsForAnyThreadCount) {
  const std::vector<Tensor> in = Inputs(DType::kFloat32, {16, 24, 9, 9}, 3);
  const Tensor dy = RandomTensor(DType::kFloat32, {16, 24, 9, 9}, 9);
  auto run = [&] {
    std::vector<Tensor> state = in;
    absl::StatusOr<std::vector<Tensor>> y =
        RunOpUpdatingState("BatchNorm", Attrs(), state, Training());
    absl::StatusOr<std::vector<Tensor>> g =
        RunOpGradient("BatchNorm", Attrs(), in, {dy}, Training());
    EXPECT_TRUE(y.ok() && g.ok());
    return std::vector<Tensor>{(*y)[0], (*g)[0], (*g)[1], state[3], state[4]};
  };
  const std::vector<Tensor> one = RunWithThreads(1, run);
  const std::vector<Tensor> two = RunWithThreads(2, run);
  for (size_t i = 0; i < one.size(); ++i) ExpectBitIdentical(one[i], two[i]);
}

// RunOp works on copies of the state: the caller's tensors stay.
TEST(BatchNormOpTest, RunOpDoesNotUpdateTheCallersState) {
  const std::vector<Tensor> in = Inputs(DType::kFloat64, {4, 2}, 5);
  const std::vector<Tensor> before = in;
  ASSERT_OK(RunOp("BatchNorm", Attrs(), in, Training()).status());
  ExpectBitIdentical(in[3], before[3]);
  ExpectBitIdentical(in[4], before[4]);
}

void ExpectShapeError(const AttrMap& attrs, const std::vector<Shape>& shapes,
                      const std::string& message,
                      std::vector<DType> dtypes = {}) {
  absl::StatusOr<std::vector<Shape>> got =
      RunOpShape("BatchNorm", attrs, shapes, std::move(dtypes));
  ASSERT_FALSE(got.ok()) << message;
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(got.status().message()), message);
}

TEST(BatchNormOpTest, BadShapesAndAttributesAreRefused) {
  ExpectShapeError(Attrs(), {{6}, {6}, {6}, {6}, {6}},
                   "x [6] has no channel dimension: BatchNorm normalises x "
                   "[N, C] or [N, C, ...] per channel C");
  ExpectShapeError(Attrs(), {{2, 3, 4, 4}, {4}, {3}, {3}, {3}},
                   "scale must be [C] for x [N, C, ...]: x is [2, 3, 4, 4], "
                   "scale is [4]");
  ExpectShapeError(Attrs(), {{2, 3}, {3}, {3}, {3}, {3, 1}},
                   "var must be [C] for x [N, C, ...]: x is [2, 3], var is "
                   "[3, 1]");
  for (double eps : {0.0, -1e-5, std::nan(""), HUGE_VAL}) {
    ExpectShapeError(Attrs(eps), {{2, 3}, {3}, {3}, {3}, {3}},
                     absl::StrCat("attribute 'epsilon' must be positive and "
                                  "finite (it keeps a constant channel from "
                                  "dividing by zero), got ",
                                  eps));
  }
  for (double momentum : {-0.1, 1.5, std::nan("")}) {
    ExpectShapeError(Attrs(1e-5, momentum), {{2, 3}, {3}, {3}, {3}, {3}},
                     absl::StrCat("attribute 'momentum' must be in [0, 1] (the "
                                  "weight of the old running statistics), "
                                  "got ",
                                  momentum));
  }
  absl::StatusOr<std::vector<Shape>> mixed =
      RunOpShape("BatchNorm", Attrs(), {{2, 3}, {3}, {3}, {3}, {3}},
                 {DType::kFloat32, DType::kFloat32, DType::kFloat64,
                  DType::kFloat32, DType::kFloat32});
  EXPECT_FALSE(mixed.ok());
}

// One value per channel has no variance to estimate: refused in training
// (PyTorch refuses it too), fine in inference.
TEST(BatchNormOpTest, TrainingOnOneValuePerChannelIsRefused) {
  const std::vector<Tensor> in = Inputs(DType::kFloat64, {1, 3}, 2);
  absl::StatusOr<std::vector<Tensor>> y =
      RunOp("BatchNorm", Attrs(), in, Training());
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(std::string(y.status().message()),
            "training needs more than one value per channel to estimate its "
            "variance; x is [1, 3]");
  EXPECT_OK(RunOp("BatchNorm", Attrs(), in).status());
}

}  // namespace
}  // namespace nabla
