#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/ops/binary_op_checks.h"
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

TEST(AddOpTest, GradientBroadcasting) { CheckBroadcastingGradients("Add", {}); }

TEST(AddOpTest, Float32MatchesFloat64) {
  CheckFloat32AgreesWithFloat64("Add", {});
}

TEST(AddOpTest, ShapeFunctionAndErrors) { CheckBroadcastingShapes("Add"); }

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
