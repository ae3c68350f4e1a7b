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

TEST(SubOpTest, ForwardBroadcasting) {
  // [[1, 2, 3], [4, 5, 6]] - [10, 20, 30]
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Sub", {},
                                       {T64({2, 3}, {1, 2, 3, 4, 5, 6}),
                                        T64({3}, {10, 20, 30})}));
  ExpectTensorNear(out[0], {2, 3}, {-9, -18, -27, -6, -15, -24});
  // [[1], [2]] - [[10, 20, 30]]
  ASSERT_OK_AND_ASSIGN(
      out, RunOp("Sub", {}, {T64({2, 1}, {1, 2}), T64({1, 3}, {10, 20, 30})}));
  ExpectTensorNear(out[0], {2, 3}, {-9, -19, -29, -8, -18, -28});
  // 5 - [[1, 2], [4, 8]]
  ASSERT_OK_AND_ASSIGN(
      out, RunOp("Sub", {}, {T64({}, {5}), T64({2, 2}, {1, 2, 4, 8})}));
  ExpectTensorNear(out[0], {2, 2}, {4, 3, 1, -3});
}

TEST(SubOpTest, GradientBroadcasting) { CheckBroadcastingGradients("Sub", {}); }

TEST(SubOpTest, Float32MatchesFloat64) {
  CheckFloat32AgreesWithFloat64("Sub", {});
}

TEST(SubOpTest, ShapeFunctionAndErrors) { CheckBroadcastingShapes("Sub"); }

}  // namespace
}  // namespace nabla
