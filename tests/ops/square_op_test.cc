#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(SquareOpTest, Forward) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {2, 2}, {1, -2.5, 0, 3});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Square", {}, {x}));
  ExpectTensorNear(out[0], {2, 2}, {1, 6.25, 0, 9});
}

TEST(SquareOpTest, Gradient) {
  EXPECT_OK(CheckGradient("Square", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 1, -3, 3)}));
  EXPECT_OK(CheckGradient("Square", {},
                          {RandomTensor(DType::kFloat64, {}, 2, -3, 3)}));
}

TEST(SquareOpTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "Square", {}, {RandomTensor(DType::kFloat64, {2, 5}, 3, -3, 3)}));
}

TEST(SquareOpTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Square", {}, {{-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({-1, 3}));
  EXPECT_STATUS(RunOpShape("Square", {}, {Shape({1, 2, 1, 1, 1, 1, 1, 1, 1})}),
                absl::StatusCode::kInvalidArgument,
                "x is [1, 2, 1, 1, 1, 1, 1, 1, 1] of rank 9");
}

}  // namespace
}  // namespace nabla
