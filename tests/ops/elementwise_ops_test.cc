// Abs, Sqrt, Clip, Pow, Max, Min, ReduceMax and ReduceMin: values by hand;
// values and gradients against PyTorch, of those and of Erf, Floor, Ceil,
// Round and Trunc (testdata/elementwise_torch_cases.txt: ties, zeros,
// values on Clip's bounds, halves); finite differences away from the kinks;
// float32 against float64; NaN handling; bad attributes refused word for word.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/ops/binary_op_checks.h"
#include "tests/ops/torch_cases.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

Tensor T64(const Shape& shape, std::vector<double> values) {
  return Tensor::FromValues(DType::kFloat64, shape, values);
}

AttrMap ClipAttrs(double lo, double hi) {
  return {{"min", MakeAttr(lo)}, {"max", MakeAttr(hi)}};
}

AttrMap Axes(std::vector<int64_t> axes, bool keep_dims = false) {
  return {{"axes", MakeIntListAttr(axes)}, {"keep_dims", MakeAttr(keep_dims)}};
}

TEST(ElementwiseOpsTest, MatchPyTorch) {
  const std::vector<TorchCase> cases =
      ReadTorchCases("tests/ops/testdata/elementwise_torch_cases.txt");
  ASSERT_EQ(cases.size(), 20u);
  for (const TorchCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string op = OpOf(c);
    const AttrMap attrs = AttrsOf(c);
    std::vector<Tensor> inputs = {c.tensors.at("a")};
    if (c.tensors.count("b")) inputs.push_back(c.tensors.at("b"));
    ASSERT_OK_AND_ASSIGN(auto z, RunOp(op, attrs, inputs));
    ExpectTensorsClose(z[0], c.tensors.at("z"));
    ASSERT_OK_AND_ASSIGN(
        auto g, RunOpGradient(op, attrs, inputs, {c.tensors.at("dz")}));
    ExpectTensorsClose(g[0], c.tensors.at("da"));
    if (inputs.size() == 2) ExpectTensorsClose(g[1], c.tensors.at("db"));
  }
}

TEST(ElementwiseOpsTest, ValuesByHand) {
  ASSERT_OK_AND_ASSIGN(auto y, RunOp("Abs", {}, {T64({3}, {-2, 0, 3.5})}));
  ExpectTensorNear(y[0], {3}, {2, 0, 3.5});
  ASSERT_OK_AND_ASSIGN(y, RunOp("Sqrt", {}, {T64({3}, {4, 0, 2.25})}));
  ExpectTensorNear(y[0], {3}, {2, 0, 1.5});
  ASSERT_OK_AND_ASSIGN(
      y, RunOp("Clip", ClipAttrs(-1, 2), {T64({4}, {-3, -1, 0.5, 7})}));
  ExpectTensorNear(y[0], {4}, {-1, -1, 0.5, 2});
  ASSERT_OK_AND_ASSIGN(
      y, RunOp("Pow", {}, {T64({2, 2}, {2, 3, 4, 9}), T64({2}, {3, 0.5})}));
  ExpectTensorNear(y[0], {2, 2}, {8, std::sqrt(3.0), 64, 3});
  ASSERT_OK_AND_ASSIGN(
      y, RunOp("Max", {}, {T64({2, 2}, {1, 5, -2, 0}), T64({2}, {3, 0})}));
  ExpectTensorNear(y[0], {2, 2}, {3, 5, 3, 0});
  ASSERT_OK_AND_ASSIGN(
      y, RunOp("Min", {}, {T64({2, 2}, {1, 5, -2, 0}), T64({2}, {3, 0})}));
  ExpectTensorNear(y[0], {2, 2}, {1, 0, -2, 0});
  const Tensor x = T64({2, 3}, {1, 7, 3, -4, 2, 2});
  ASSERT_OK_AND_ASSIGN(y, RunOp("ReduceMax", Axes({1}), {x}));
  ExpectTensorNear(y[0], {2}, {7, 2});
  ASSERT_OK_AND_ASSIGN(y, RunOp("ReduceMin", Axes({0}, true), {x}));
  ExpectTensorNear(y[0], {1, 3}, {-4, 2, 2});
  ASSERT_OK_AND_ASSIGN(y, RunOp("ReduceMin", Axes({}), {x}));
  ExpectTensorNear(y[0], {}, {-4});
}

// Ties: Max and Min give each input half; ReduceMax splits among equal
// maxima.
TEST(ElementwiseOpsTest, TiesShareTheGradient) {
  ASSERT_OK_AND_ASSIGN(
      auto g, RunOpGradient("Max", {}, {T64({2}, {1, 2}), T64({2}, {1, 3})},
                            {T64({2}, {4, 4})}));
  ExpectTensorNear(g[0], {2}, {2, 0});
  ExpectTensorNear(g[1], {2}, {2, 4});
  ASSERT_OK_AND_ASSIGN(
      g, RunOpGradient("ReduceMax", Axes({1}),
                       {T64({2, 3}, {5, 1, 5, 0, 2, 1})}, {T64({2}, {6, 6})}));
  ExpectTensorNear(g[0], {2, 3}, {3, 0, 3, 0, 6, 0});
}

TEST(ElementwiseOpsTest, NaNIsTheExtremumAndClipKeepsIt) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const char* op : {"Max", "Min"}) {
    ASSERT_OK_AND_ASSIGN(
        auto z, RunOp(op, {}, {T64({2}, {nan, 1}), T64({2}, {0, nan})}));
    EXPECT_TRUE(std::isnan(z[0].ValueAt(0))) << op;
    EXPECT_TRUE(std::isnan(z[0].ValueAt(1))) << op;
  }
  for (const char* op : {"ReduceMax", "ReduceMin"}) {
    ASSERT_OK_AND_ASSIGN(auto y, RunOp(op, Axes({}), {T64({3}, {1, nan, -1})}));
    EXPECT_TRUE(std::isnan(y[0].ValueAt(0))) << op;
  }
  ASSERT_OK_AND_ASSIGN(auto y,
                       RunOp("Clip", ClipAttrs(0, 1), {T64({1}, {nan})}));
  EXPECT_TRUE(std::isnan(y[0].ValueAt(0)));
}

// Inputs away from the kinks (0 for Abs, the bounds for Clip, ties for
// Max and Min) and from Sqrt's and Pow's domain edges.
TEST(ElementwiseOpsTest, GradientsMatchFiniteDifferences) {
  const Tensor x = RandomTensor(DType::kFloat64, {3, 4}, 1, 0.2, 2);
  EXPECT_OK(CheckGradient("Abs", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 2, -2, 2)}));
  EXPECT_OK(CheckGradient("Sqrt", {}, {x}));
  EXPECT_OK(CheckGradient("Clip", ClipAttrs(-0.5, 0.5),
                          {RandomTensor(DType::kFloat64, {4, 5}, 3, -1, 1)}));
  EXPECT_OK(CheckGradient("Pow", {},
                          {x, RandomTensor(DType::kFloat64, {4}, 4, -2, 2)}));
  CheckBroadcastingGradients("Max", {});
  CheckBroadcastingGradients("Min", {});
  for (const char* op : {"ReduceMax", "ReduceMin"}) {
    SCOPED_TRACE(op);
    const Tensor r = RandomTensor(DType::kFloat64, {3, 4, 5}, 5);
    EXPECT_OK(CheckGradient(op, Axes({1}), {r}));
    EXPECT_OK(CheckGradient(op, Axes({0, 2}, true), {r}));
    EXPECT_OK(CheckGradient(op, Axes({}), {r}));
  }
}

TEST(ElementwiseOpsTest, Float32MatchesFloat64) {
  const Tensor x = RandomTensor(DType::kFloat64, {3, 7}, 6, 0.2, 3);
  EXPECT_OK(CheckFloat32MatchesFloat64("Abs", {}, {x}));
  EXPECT_OK(CheckFloat32MatchesFloat64("Sqrt", {}, {x}));
  EXPECT_OK(CheckFloat32MatchesFloat64("Clip", ClipAttrs(0.5, 2), {x}));
  CheckFloat32AgreesWithFloat64("Max", {});
  CheckFloat32AgreesWithFloat64("Min", {});
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "Pow", {}, {x, RandomTensor(DType::kFloat64, {7}, 7, -2, 2)}));
  EXPECT_OK(CheckFloat32MatchesFloat64("ReduceMax", Axes({1}), {x}));
  EXPECT_OK(CheckFloat32MatchesFloat64("ReduceMin", Axes({0}), {x}));
}

TEST(ElementwiseOpsTest, ShapesAndErrors) {
  CheckBroadcastingShapes("Max");
  CheckBroadcastingShapes("Min");
  CheckBroadcastingShapes("Pow");
  EXPECT_STATUS(RunOpShape("Clip", ClipAttrs(1, -1), {{2}}),
                absl::StatusCode::kInvalidArgument,
                "attributes 'min' and 'max' must be numbers with min <= max, "
                "got min 1, max -1");
  EXPECT_STATUS(RunOpShape("Clip", ClipAttrs(std::nan(""), 1), {{2}}),
                absl::StatusCode::kInvalidArgument,
                "attributes 'min' and 'max' must be numbers with min <= max, "
                "got min nan, max 1");
  EXPECT_STATUS(RunOpShape("ReduceMax", Axes({2}), {{2, 3}}),
                absl::StatusCode::kInvalidArgument, "axis 2");
}

}  // namespace
}  // namespace nabla
