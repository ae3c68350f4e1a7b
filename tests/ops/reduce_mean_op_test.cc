#include <vector>

#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/ops/reduction_checks.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// x = [[1, 2, 3], [4, 5, 6]].
TEST(ReduceMeanOpTest, Forward) {
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {2, 3}, {1, 2, 3, 4, 5, 6});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("ReduceMean", {}, {x}));
  ExpectTensorNear(out[0], {}, {3.5});
  ASSERT_OK_AND_ASSIGN(out, RunOp("ReduceMean", Axes({0}), {x}));
  ExpectTensorNear(out[0], {3}, {2.5, 3.5, 4.5});
  ASSERT_OK_AND_ASSIGN(out, RunOp("ReduceMean", Axes({1}), {x}));
  ExpectTensorNear(out[0], {2}, {2, 5});
  ASSERT_OK_AND_ASSIGN(out, RunOp("ReduceMean", Axes({-1}, true), {x}));
  ExpectTensorNear(out[0], {2, 1}, {2, 5});
  ASSERT_OK_AND_ASSIGN(out, RunOp("ReduceMean", Axes({}, true), {x}));
  ExpectTensorNear(out[0], {1, 1}, {3.5});
  ASSERT_OK_AND_ASSIGN(out, RunOp("ReduceMean", Axes({1, 0}), {x}));
  ExpectTensorNear(out[0], {}, {3.5});
}

TEST(ReduceMeanOpTest, Gradient) { CheckReductionGradients("ReduceMean"); }

TEST(ReduceMeanOpTest, Float32MatchesFloat64) {
  CheckReductionFloat32AgreesWithFloat64("ReduceMean");
}

TEST(ReduceMeanOpTest, ShapeFunctionAndErrors) {
  CheckReductionShapes("ReduceMean");
}

TEST(ReduceMeanOpTest, BitIdenticalForAnyThreadCount) {
  CheckReductionThreadIndependence("ReduceMean");
}

// y = mean of 4 elements: dx = dy / 4 everywhere.
TEST(ReduceMeanOpTest, GradientByHand) {
  const Tensor x = RandomTensor(DType::kFloat64, {2, 2}, 1);
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {}, {2});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("ReduceMean", {}, {x}, {dy}));
  ExpectTensorNear(grads[0], {2, 2}, {0.5, 0.5, 0.5, 0.5});
}

}  // namespace
}  // namespace nabla
