#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(ExpOpTest, Forward) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {2, 2}, {0, 1, -1, 2});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Exp", {}, {x}));
  ExpectTensorNear(
      out[0], {2, 2},
      {1, 2.718281828459045, 0.36787944117144233, 7.38905609893065});
}

TEST(ExpOpTest, Gradient) {
  EXPECT_OK(CheckGradient("Exp", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 1, -2, 2)}));
  EXPECT_OK(
      CheckGradient("Exp", {}, {RandomTensor(DType::kFloat64, {}, 2, -2, 2)}));
}

TEST(ExpOpTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "Exp", {}, {RandomTensor(DType::kFloat64, {2, 5}, 3, -2, 2)}));
}

TEST(ExpOpTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Exp", {}, {{-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({-1, 3}));
  EXPECT_STATUS(RunOpShape("Exp", {}, {Shape({1, 2, 1, 1, 1, 1, 1, 1, 1})}),
                absl::StatusCode::kInvalidArgument,
                "x is [1, 2, 1, 1, 1, 1, 1, 1, 1] of rank 9");
}

}  // namespace
}  // namespace nabla
