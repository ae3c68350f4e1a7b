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

TEST(MulOpTest, ForwardBroadcasting) {
  // [[1, 2, 3], [4, 5, 6]] * [10, 20, 30]
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Mul", {},
                                       {T64({2, 3}, {1, 2, 3, 4, 5, 6}),
                                        T64({3}, {10, 20, 30})}));
  ExpectTensorNear(out[0], {2, 3}, {10, 40, 90, 40, 100, 180});
  // [[1], [2]] * [[10, 20, 30]]
  ASSERT_OK_AND_ASSIGN(
      out, RunOp("Mul", {}, {T64({2, 1}, {1, 2}), T64({1, 3}, {10, 20, 30})}));
  ExpectTensorNear(out[0], {2, 3}, {10, 20, 30, 20, 40, 60});
  // 5 * [[1, 2], [4, 8]]
  ASSERT_OK_AND_ASSIGN(
      out, RunOp("Mul", {}, {T64({}, {5}), T64({2, 2}, {1, 2, 4, 8})}));
  ExpectTensorNear(out[0], {2, 2}, {5, 10, 20, 40});
}

TEST(MulOpTest, GradientBroadcasting) { CheckBroadcastingGradients("Mul", {}); }

TEST(MulOpTest, Float32MatchesFloat64) {
  CheckFloat32AgreesWithFloat64("Mul", {});
}

TEST(MulOpTest, ShapeFunctionAndErrors) { CheckBroadcastingShapes("Mul"); }

}  // namespace
}  // namespace nabla
