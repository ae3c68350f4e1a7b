#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

AttrMap Axis(int64_t axis) { return {{"axis", MakeAttr(axis)}}; }

// Rows [1, 2, 3] and [-1, 0, 0.5].
Tensor TwoRows() {
  return Tensor::FromValues(DType::kFloat64, {2, 3}, {1, 2, 3, -1, 0, 0.5});
}

TEST(SoftmaxTest, ForwardLastAxis) {
  // e^x / sum e^x per row; computed with python3's mpmath at 50 digits:
  // [mp.exp(a) / sum(mp.exp(b) for b in row) for a in row].
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Softmax", {}, {TwoRows()}));
  ExpectTensorNear(
      out[0], {2, 3},
      {0.09003057317038046, 0.24472847105479764, 0.6652409557748219,
       0.12195165230972886, 0.3314989604240915, 0.5465493872661796});
}

TEST(SoftmaxTest, ForwardFirstAxis) {
  // Columns [1, -1], [2, 0] and [3, 0.5]; mpmath as above.
  for (int64_t axis : {0, -2}) {
    ASSERT_OK_AND_ASSIGN(auto out, RunOp("Softmax", Axis(axis), {TwoRows()}));
    ExpectTensorNear(
        out[0], {2, 3},
        {0.8807970779778824, 0.8807970779778824, 0.9241418199787564,
         0.11920292202211756, 0.11920292202211756, 0.07585818002124355});
  }
}

// Softmax over the middle axis of x [2, 3, 2] equals softmax over the last
// axis of its transpose [2, 2, 3]: checks the strided rows.
TEST(SoftmaxTest, MiddleAxisMatchesTransposedLastAxis) {
  const Tensor x = RandomTensor(DType::kFloat64, {2, 3, 2}, 1, -3, 3);
  std::vector<double> t(12);
  for (int a = 0; a < 2; ++a) {
    for (int b = 0; b < 3; ++b) {
      for (int c = 0; c < 2; ++c)
        t[a * 6 + c * 3 + b] = x.ValueAt(a * 6 + b * 2 + c);
    }
  }
  const Tensor xt = Tensor::FromValues(DType::kFloat64, {2, 2, 3}, t);
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Softmax", Axis(1), {x}));
  ASSERT_OK_AND_ASSIGN(auto out_t, RunOp("Softmax", {}, {xt}));
  for (int a = 0; a < 2; ++a) {
    for (int b = 0; b < 3; ++b) {
      for (int c = 0; c < 2; ++c) {
        EXPECT_NEAR(out[0].ValueAt(a * 6 + b * 2 + c),
                    out_t[0].ValueAt(a * 6 + c * 3 + b), 1e-15);
      }
    }
  }
}

TEST(SoftmaxTest, RowsSumToOne) {
  ASSERT_OK_AND_ASSIGN(
      auto out,
      RunOp("Softmax", {}, {RandomTensor(DType::kFloat64, {4, 5}, 2, -5, 5)}));
  for (int r = 0; r < 4; ++r) {
    double sum = 0;
    for (int k = 0; k < 5; ++k) sum += out[0].ValueAt(r * 5 + k);
    EXPECT_NEAR(sum, 1.0, 1e-15) << "row " << r;
  }
}

// e^1002 overflows; with the maximum subtracted, [1000, 1001, 1002] gives
// the softmax of [1, 2, 3] (mpmath values above).
TEST(SoftmaxTest, StableForLargeInputs) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const Tensor x =
        Tensor::FromValues(dtype, {2, 3}, {1000, 1001, 1002, -1000, 0, 1000});
    ASSERT_OK_AND_ASSIGN(auto out, RunOp("Softmax", {}, {x}));
    ExpectTensorNear(
        out[0], {2, 3},
        {0.09003057317038046, 0.24472847105479764, 0.6652409557748219, 0, 0, 1},
        1e-6);
    const Tensor dy = RandomTensor(dtype, {2, 3}, 3);
    ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("Softmax", {}, {x}, {dy}));
    for (int i = 0; i < 6; ++i) {
      EXPECT_TRUE(std::isfinite(out[0].ValueAt(i))) << i;
      EXPECT_TRUE(std::isfinite(grads[0].ValueAt(i))) << i;
    }
  }
}

TEST(SoftmaxTest, Gradient) {
  EXPECT_OK(CheckGradient("Softmax", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 4, -3, 3)}));
  EXPECT_OK(CheckGradient("Softmax", {},
                          {RandomTensor(DType::kFloat64, {5}, 5, -3, 3)}));
  for (int64_t axis : {0, 1, -3}) {
    SCOPED_TRACE(absl::StrCat("axis ", axis));
    EXPECT_OK(
        CheckGradient("Softmax", Axis(axis),
                      {RandomTensor(DType::kFloat64, {2, 3, 2}, 6, -3, 3)}));
  }
}

// dx = y (dy - sum(dy y)) for x = [1, 2, 3], dy = [1, 0, 0]; mpmath:
// [y_i * (dy_i - y_0) for i].
TEST(SoftmaxTest, GradientByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {3}, {1, 2, 3});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {3}, {1, 0, 0});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("Softmax", {}, {x}, {dy}));
  ExpectTensorNear(
      grads[0], {3},
      {0.08192506906499322, -0.022033044520174298, -0.059892024544818935});
}

TEST(SoftmaxTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "Softmax", Axis(1),
      {RandomTensor(DType::kFloat64, {3, 4, 2}, 7, -5, 5)}));
}

// Rows are split across threads by a fixed partition.
TEST(SoftmaxTest, SameForAnyThreadCount) {
  const Tensor x = RandomTensor(DType::kFloat32, {300, 200}, 8, -5, 5);
  const Tensor dy = RandomTensor(DType::kFloat32, {300, 200}, 9);
  auto run = [&] { return RunOpGradient("Softmax", {}, {x}, {dy}); };
  ASSERT_OK_AND_ASSIGN(auto one, RunWithThreads(1, run));
  ASSERT_OK_AND_ASSIGN(auto four, RunWithThreads(4, run));
  ExpectBitIdentical(one[0], four[0]);
}

TEST(SoftmaxTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Softmax", {}, {{-1, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 7}));
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("Softmax", Axis(0), {{-1, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 7}));
}

TEST(SoftmaxTest, RefusesAxisOutOfRange) {
  EXPECT_STATUS(RunOpShape("Softmax", Axis(2), {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'axis' is 2, out of range for x of shape [2, 3] "
                "(rank 2; valid axes are -2 to 1)");
  EXPECT_STATUS(RunOpShape("Softmax", Axis(-3), {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'axis' is -3, out of range");
  EXPECT_STATUS(RunOpShape("Softmax", {}, {Shape()}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'axis' is -1, out of range for x of shape [] "
                "(rank 0; a scalar has no axis)");
}

}  // namespace
}  // namespace nabla
