#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(IdentityOpTest, Forward) {
  const Tensor x = Tensor::FromValues(DType::kFloat32, {3, 1}, {1.5, -2, 0.25});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Identity", {}, {x}));
  EXPECT_EQ(out[0].dtype(), DType::kFloat32);
  ExpectTensorNear(out[0], {3, 1}, {1.5, -2, 0.25});
}

TEST(IdentityOpTest, Gradient) {
  EXPECT_OK(CheckGradient("Identity", {},
                          {RandomTensor(DType::kFloat64, {2, 3}, 1)}));
}

TEST(IdentityOpTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "Identity", {}, {RandomTensor(DType::kFloat64, {4}, 1)}));
}

TEST(IdentityOpTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Identity", {}, {{-1, 2}}));
  EXPECT_EQ(shapes[0], Shape({-1, 2}));
  EXPECT_STATUS(
      RunOpShape("Identity", {}, {Shape({1, 1, 1, 1, 1, 1, 1, 1, 1})}),
      absl::StatusCode::kInvalidArgument, "rank 9");
}

}  // namespace
}  // namespace nabla
