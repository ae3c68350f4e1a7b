// Floor, Ceil, Round and Trunc against values worked out by hand, halves
// and negatives included; their gradient is 0.
#include "absl/strings/str_cat.h"
#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

const std::vector<double> kX = {-2.5, -1.5, -0.4, 0.5, 1.5, 2.7};

void ExpectRounds(const char* op, const std::vector<double>& expected) {
  for (DType dtype : {DType::kFloat64, DType::kFloat32}) {
    SCOPED_TRACE(absl::StrCat(op, " ", DTypeName(dtype)));
    const Tensor x = Tensor::FromValues(dtype, {2, 3}, kX);
    ASSERT_OK_AND_ASSIGN(auto out, RunOp(op, {}, {x}));
    ExpectTensorNear(out[0], {2, 3}, expected);
  }
}

TEST(RoundingOpsTest, Forward) {
  ExpectRounds("Floor", {-3, -2, -1, 0, 1, 2});
  ExpectRounds("Ceil", {-2, -1, -0.0, 1, 2, 3});
  ExpectRounds("Round", {-2, -2, -0.0, 0, 2, 3});
  ExpectRounds("Trunc", {-2, -1, -0.0, 0, 1, 2});
}

TEST(RoundingOpsTest, GradientIsZero) {
  for (const char* op : {"Floor", "Ceil", "Round", "Trunc"}) {
    SCOPED_TRACE(op);
    const Tensor x = Tensor::FromValues(DType::kFloat64, {2, 3}, kX);
    const Tensor dy =
        Tensor::FromValues(DType::kFloat64, {2, 3}, {1, 2, 3, 4, 5, 6});
    ASSERT_OK_AND_ASSIGN(auto dx, RunOpGradient(op, {}, {x}, {dy}));
    ExpectTensorNear(dx[0], {2, 3}, {0, 0, 0, 0, 0, 0});
  }
}

TEST(RoundingOpsTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Trunc", {}, {{-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({-1, 3}));
}

}  // namespace
}  // namespace nabla
