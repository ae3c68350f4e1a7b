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

TEST(DivOpTest, ForwardBroadcasting) {
  // [[1, 2, 3], [4, 5, 6]] / [10, 20, 30]
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Div", {},
                                       {T64({2, 3}, {1, 2, 3, 4, 5, 6}),
                                        T64({3}, {10, 20, 30})}));
  ExpectTensorNear(out[0], {2, 3}, {0.1, 0.1, 0.1, 0.4, 0.25, 0.2});
  // [[1], [2]] / [[10, 20, 30]]
  ASSERT_OK_AND_ASSIGN(
      out, RunOp("Div", {}, {T64({2, 1}, {1, 2}), T64({1, 3}, {10, 20, 30})}));
  ExpectTensorNear(out[0], {2, 3}, {0.1, 0.05, 1.0 / 30, 0.2, 0.1, 1.0 / 15});
  // 5 / [[1, 2], [4, 8]]
  ASSERT_OK_AND_ASSIGN(
      out, RunOp("Div", {}, {T64({}, {5}), T64({2, 2}, {1, 2, 4, 8})}));
  ExpectTensorNear(out[0], {2, 2}, {5, 2.5, 1.25, 0.625});
}

TEST(DivOpTest, GradientBroadcasting) {
  CheckBroadcastingGradients("Div", {.b_lo = 0.5, .b_hi = 2});
}

TEST(DivOpTest, Float32MatchesFloat64) {
  CheckFloat32AgreesWithFloat64("Div", {.b_lo = 0.5, .b_hi = 2});
}

TEST(DivOpTest, ShapeFunctionAndErrors) { CheckBroadcastingShapes("Div"); }

// z = a / b: dz/da = 1/b, dz/db = -a/b². a = [1, 2], b = 4 (scalar),
// dz = [1, 1]: da = [0.25, 0.25], db = -(1 + 2) / 16.
TEST(DivOpTest, GradientByHand) {
  const Tensor a = Tensor::FromValues(DType::kFloat64, {2}, {1, 2});
  const Tensor b = Tensor::FromValues(DType::kFloat64, {}, {4});
  const Tensor dz = Tensor::FromValues(DType::kFloat64, {2}, {1, 1});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("Div", {}, {a, b}, {dz}));
  ExpectTensorNear(grads[0], {2}, {0.25, 0.25});
  ExpectTensorNear(grads[1], {}, {-3.0 / 16});
}

}  // namespace
}  // namespace nabla
