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
TEST(ReduceSumOpTest, Forward) {
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {2, 3}, {1, 2, 3, 4, 5, 6});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("ReduceSum", {}, {x}));
  ExpectTensorNear(out[0], {}, {21});
  ASSERT_OK_AND_ASSIGN(out, RunOp("ReduceSum", Axes({0}), {x}));
  ExpectTensorNear(out[0], {3}, {5, 7, 9});
  ASSERT_OK_AND_ASSIGN(out, RunOp("ReduceSum", Axes({1}), {x}));
  ExpectTensorNear(out[0], {2}, {6, 15});
  ASSERT_OK_AND_ASSIGN(out, RunOp("ReduceSum", Axes({-1}, true), {x}));
  ExpectTensorNear(out[0], {2, 1}, {6, 15});
  ASSERT_OK_AND_ASSIGN(out, RunOp("ReduceSum", Axes({}, true), {x}));
  ExpectTensorNear(out[0], {1, 1}, {21});
  ASSERT_OK_AND_ASSIGN(out, RunOp("ReduceSum", Axes({1, 0}), {x}));
  ExpectTensorNear(out[0], {}, {21});
}

TEST(ReduceSumOpTest, Gradient) { CheckReductionGradients("ReduceSum"); }

TEST(ReduceSumOpTest, Float32MatchesFloat64) {
  CheckReductionFloat32AgreesWithFloat64("ReduceSum");
}

TEST(ReduceSumOpTest, ShapeFunctionAndErrors) {
  CheckReductionShapes("ReduceSum");
}

TEST(ReduceSumOpTest, BitIdenticalForAnyThreadCount) {
  CheckReductionThreadIndependence("ReduceSum");
}

}  // namespace
}  // namespace nabla
