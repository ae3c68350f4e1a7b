#include "core/attrs.h"
#include "gtest/gtest.h"
#include "tests/gradient_checker.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

Tensor T64(const Shape& shape, std::vector<double> values) {
  return Tensor::FromValues(DType::kFloat64, shape, values);
}

TEST(AddOpTest, ForwardBroadcasting) {
  // [[1, 2, 3], [4, 5, 6]] + [10, 20, 30]
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Add", {},
                                       {T64({2, 3}, {1, 2, 3, 4, 5, 6}),
                                        T64({3}, {10, 20, 30})}));
  ExpectTensorNear(out[0], {2, 3}, {11, 22, 33, 14, 25, 36});
  // [[1], [2]] + [[10, 20, 30]]
  ASSERT_OK_AND_ASSIGN(
      out, RunOp("Add", {}, {T64({2, 1}, {1, 2}), T64({1, 3}, {10, 20, 30})}));
  ExpectTensorNear(out[0], {2, 3}, {11, 21, 31, 12, 22, 32});
  // 5 + [[1, 2], [4, 8]]
  ASSERT_OK_AND_ASSIGN(
      out, RunOp("Add", {}, {T64({}, {5}), T64({2, 2}, {1, 2, 4, 8})}));
  ExpectTensorNear(out[0], {2, 2}, {6, 7, 9, 13});
}

TEST(AddOpTest, GradientBroadcasting) {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{2, 3}, {2, 3}},    {{2, 3}, {3}},         {{3}, {2, 3}},
      {{2, 1}, {1, 3}},    {{}, {2, 2}},          {{2, 2}, {}},
      {{2, 1, 3}, {4, 1}}, {{1, 4, 1}, {3, 1, 2}}};
  uint64_t seed = 1;
  for (const auto& [sa, sb] : cases) {
    SCOPED_TRACE(sa.ToString() + " + " + sb.ToString());
    const Tensor a = RandomTensor(DType::kFloat64, sa, seed++, -2, 2);
    const Tensor b = RandomTensor(DType::kFloat64, sb, seed++, -2, 2);
    EXPECT_OK(CheckGradient("Add", {}, {a, b}));
  }
}

TEST(AddOpTest, Float32MatchesFloat64) {
  const Tensor a = RandomTensor(DType::kFloat64, {4, 3}, 1, -2, 2);
  const Tensor b = RandomTensor(DType::kFloat64, {3}, 2, -2, 2);
  EXPECT_OK(CheckFloat32MatchesFloat64("Add", {}, {a, b}));
}

TEST(AddOpTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Add", {}, {{-1, 3}, {3}}));
  EXPECT_EQ(shapes[0], Shape({-1, 3}));
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("Add", {}, {{-1, 1}, {1, 4}}));
  EXPECT_EQ(shapes[0], Shape({-1, 4}));
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("Add", {}, {{-1, 5}, {4, -1}}));
  EXPECT_EQ(shapes[0], Shape({4, 5}));
}

TEST(AddOpTest, ShapeErrors) {
  EXPECT_STATUS(RunOpShape("Add", {}, {{2, 3}, {4}}),
                absl::StatusCode::kInvalidArgument, "a is [2, 3], b is [4]");
  EXPECT_STATUS(
      RunOpShape("Add", {}, {{2}, {2}}, {DType::kFloat64, DType::kFloat32}),
      absl::StatusCode::kInvalidArgument, "a is float64, b is float32");
  EXPECT_STATUS(
      RunOpShape("Add", {}, {Shape({1, 1, 1, 1, 1, 1, 1, 1, 1}), {1}}),
      absl::StatusCode::kInvalidArgument, "rank 9");
}

}  // namespace
}  // namespace nabla

namespace nabla {
namespace {

// z = a + b with a [2, 3] and b [3]: db sums dz over the broadcast rows.
TEST(AddOpTest, GradientByHand) {
  const Tensor a = RandomTensor(DType::kFloat64, {2, 3}, 1);
  const Tensor b = RandomTensor(DType::kFloat64, {3}, 2);
  const Tensor dz =
      Tensor::FromValues(DType::kFloat64, {2, 3}, {1, 2, 3, 4, 5, 6});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("Add", {}, {a, b}, {dz}));
  ExpectTensorNear(grads[0], {2, 3}, {1, 2, 3, 4, 5, 6});
  ExpectTensorNear(grads[1], {3}, {5, 7, 9});
}

}  // namespace
}  // namespace nabla
