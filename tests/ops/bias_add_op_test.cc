#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

Tensor T64(const Shape& shape, std::vector<double> values) {
  return Tensor::FromValues(DType::kFloat64, shape, values);
}

TEST(BiasAddOpTest, Forward) {
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("BiasAdd", {},
                                       {T64({2, 3}, {1, 2, 3, 4, 5, 6}),
                                        T64({3}, {10, 20, 30})}));
  ExpectTensorNear(out[0], {2, 3}, {11, 22, 33, 14, 25, 36});
  ASSERT_OK_AND_ASSIGN(
      out, RunOp("BiasAdd", {}, {T64({2}, {1, 2}), T64({2}, {0.5, -1})}));
  ExpectTensorNear(out[0], {2}, {1.5, 1});
}

// d bias[c] = sum over rows of dy[r, c].
TEST(BiasAddOpTest, GradientByHand) {
  const Tensor dy = T64({2, 3}, {1, 2, 3, 4, 5, 6});
  ASSERT_OK_AND_ASSIGN(auto grads,
                       RunOpGradient("BiasAdd", {},
                                     {RandomTensor(DType::kFloat64, {2, 3}, 1),
                                      RandomTensor(DType::kFloat64, {3}, 2)},
                                     {dy}));
  ExpectTensorNear(grads[0], {2, 3}, {1, 2, 3, 4, 5, 6});
  ExpectTensorNear(grads[1], {3}, {5, 7, 9});
}

TEST(BiasAddOpTest, Gradient) {
  EXPECT_OK(CheckGradient("BiasAdd", {},
                          {RandomTensor(DType::kFloat64, {2, 3, 4}, 1),
                           RandomTensor(DType::kFloat64, {4}, 2)}));
  EXPECT_OK(CheckGradient("BiasAdd", {},
                          {RandomTensor(DType::kFloat64, {5}, 3),
                           RandomTensor(DType::kFloat64, {5}, 4)}));
}

TEST(BiasAddOpTest, Float32MatchesFloat64) {
  EXPECT_OK(
      CheckFloat32MatchesFloat64("BiasAdd", {},
                                 {RandomTensor(DType::kFloat64, {3, 2, 4}, 1),
                                  RandomTensor(DType::kFloat64, {4}, 2)}));
}

TEST(BiasAddOpTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("BiasAdd", {}, {{-1, 3}, {3}}));
  EXPECT_EQ(shapes[0], Shape({-1, 3}));
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("BiasAdd", {}, {{2, -1}, {3}}));
  EXPECT_EQ(shapes[0], Shape({2, 3}));
}

TEST(BiasAddOpTest, ShapeErrors) {
  EXPECT_STATUS(RunOpShape("BiasAdd", {}, {{2, 3}, {5}}),
                absl::StatusCode::kInvalidArgument,
                "value is [2, 3], bias is [5]");
  EXPECT_STATUS(RunOpShape("BiasAdd", {}, {{}, {1}}),
                absl::StatusCode::kInvalidArgument, "value is [], bias is [1]");
  EXPECT_STATUS(RunOpShape("BiasAdd", {}, {{2, 3}, {1, 3}}),
                absl::StatusCode::kInvalidArgument, "bias is [1, 3]");
  EXPECT_STATUS(RunOpShape("BiasAdd", {}, {{2, 3}, {3}},
                           {DType::kFloat32, DType::kFloat64}),
                absl::StatusCode::kInvalidArgument,
                "value is float32, bias is float64");
}

AttrMap Axis(int64_t axis) { return {{"axis", MakeAttr(axis)}}; }

// NCHW with the bias on the channels (axis 1): value [2, 2, 3] is two
// samples of two channels of three pixels.
TEST(BiasAddOpTest, ChannelAxisByHand) {
  const Tensor value = T64({2, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  const Tensor bias = T64({2}, {100, 200});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("BiasAdd", Axis(1), {value, bias}));
  ExpectTensorNear(
      out[0], {2, 2, 3},
      {101, 102, 103, 204, 205, 206, 107, 108, 109, 210, 211, 212});
  // d bias[c] sums dy over the samples and pixels of channel c:
  // c = 0: 1 + 2 + 3 + 7 + 8 + 9 = 30; c = 1: 4 + 5 + 6 + 10 + 11 + 12 = 48.
  ASSERT_OK_AND_ASSIGN(
      auto grads, RunOpGradient("BiasAdd", Axis(1), {value, bias}, {value}));
  ExpectTensorNear(grads[0], {2, 2, 3},
                   {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  ExpectTensorNear(grads[1], {2}, {30, 48});
  // axis -2 is the same dimension.
  ASSERT_OK_AND_ASSIGN(out, RunOp("BiasAdd", Axis(-2), {value, bias}));
  ExpectTensorNear(
      out[0], {2, 2, 3},
      {101, 102, 103, 204, 205, 206, 107, 108, 109, 210, 211, 212});
}

TEST(BiasAddOpTest, EveryAxisMatchesFiniteDifferences) {
  const Shape shape = {2, 3, 4, 5};
  for (int64_t axis : {0, 1, 2, 3, -1, -3}) {
    SCOPED_TRACE(axis);
    const int64_t channels = shape.dim(axis < 0 ? axis + 4 : axis);
    const std::vector<Tensor> inputs = {
        RandomTensor(DType::kFloat64, shape, 1),
        RandomTensor(DType::kFloat64, {channels}, 2)};
    EXPECT_OK(CheckGradient("BiasAdd", Axis(axis), inputs));
    EXPECT_OK(CheckFloat32MatchesFloat64("BiasAdd", Axis(axis), inputs));
  }
}

TEST(BiasAddOpTest, AxisErrors) {
  EXPECT_STATUS(RunOpShape("BiasAdd", Axis(3), {{2, 3, 4}, {4}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'axis' is 3, outside value [2, 3, 4] (rank 3)");
  EXPECT_STATUS(RunOpShape("BiasAdd", Axis(-4), {{2, 3, 4}, {2}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'axis' is -4, outside value [2, 3, 4] (rank 3)");
  EXPECT_STATUS(RunOpShape("BiasAdd", Axis(1), {{2, 3, 4}, {4}}),
                absl::StatusCode::kInvalidArgument,
                "bias must be [C] for value with C at axis 1: value is "
                "[2, 3, 4], bias is [4]");
  ASSERT_OK_AND_ASSIGN(auto shapes,
                       RunOpShape("BiasAdd", Axis(1), {{-1, -1, 4, 4}, {8}}));
  EXPECT_EQ(shapes[0], Shape({-1, 8, 4, 4}));
}

TEST(BiasAddOpTest, ChannelAxisBitIdenticalForAnyThreadCount) {
  const Tensor v = RandomTensor(DType::kFloat32, {64, 16, 20, 20}, 1);
  const Tensor b = RandomTensor(DType::kFloat32, {16}, 2);
  auto run = [&] {
    return (*RunOpGradient("BiasAdd", Axis(1), {v, b}, {v}))[1];
  };
  ExpectBitIdentical(RunWithThreads(1, run), RunWithThreads(4, run));
}

TEST(BiasAddOpTest, BitIdenticalForAnyThreadCount) {
  const Tensor v = RandomTensor(DType::kFloat32, {3000, 64}, 1);
  const Tensor b = RandomTensor(DType::kFloat32, {64}, 2);
  const Tensor g = RandomTensor(DType::kFloat32, {3000, 64}, 3);
  auto run = [&] { return (*RunOpGradient("BiasAdd", {}, {v, b}, {g}))[1]; };
  ExpectBitIdentical(RunWithThreads(1, run), RunWithThreads(4, run));
}

}  // namespace
}  // namespace nabla
