#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// Values from tables of the error function (Abramowitz and Stegun 7.1).
TEST(ErfOpTest, Forward) {
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {2, 3}, {0, 0.5, 1, -1, 2, -3});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Erf", {}, {x}));
  ExpectTensorNear(
      out[0], {2, 3},
      {0, 0.5204998778130465, 0.8427007929497149, -0.8427007929497149,
       0.9953222650189527, -0.9999779095030014});
}

TEST(ErfOpTest, Gradient) {
  EXPECT_OK(CheckGradient("Erf", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 1, -2, 2)}));
  EXPECT_OK(
      CheckGradient("Erf", {}, {RandomTensor(DType::kFloat64, {}, 2, -2, 2)}));
}

TEST(ErfOpTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "Erf", {}, {RandomTensor(DType::kFloat64, {2, 5}, 3, -3, 3)}));
}

TEST(ErfOpTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Erf", {}, {{-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({-1, 3}));
}

}  // namespace
}  // namespace nabla
