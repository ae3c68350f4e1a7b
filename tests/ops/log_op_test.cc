#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(LogOpTest, Forward) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {2, 2}, {1, 2, 0.5, 10});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Log", {}, {x}));
  ExpectTensorNear(
      out[0], {2, 2},
      {0, 0.6931471805599453, -0.6931471805599453, 2.302585092994046});
}

TEST(LogOpTest, Gradient) {
  EXPECT_OK(CheckGradient("Log", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 1, 0.5, 3)}));
  EXPECT_OK(
      CheckGradient("Log", {}, {RandomTensor(DType::kFloat64, {}, 2, 0.5, 3)}));
}

TEST(LogOpTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "Log", {}, {RandomTensor(DType::kFloat64, {2, 5}, 3, 0.5, 3)}));
}

TEST(LogOpTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Log", {}, {{-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({-1, 3}));
  EXPECT_STATUS(RunOpShape("Log", {}, {Shape({1, 2, 1, 1, 1, 1, 1, 1, 1})}),
                absl::StatusCode::kInvalidArgument,
                "x is [1, 2, 1, 1, 1, 1, 1, 1, 1] of rank 9");
}

}  // namespace
}  // namespace nabla
