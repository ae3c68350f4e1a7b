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

TEST(LogSoftmaxTest, ForwardLastAxis) {
  // x - ln sum e^x per row; computed with python3's mpmath at 50 digits:
  // [a - mp.log(sum(mp.exp(b) for b in row)) for a in row].
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("LogSoftmax", {}, {TwoRows()}));
  ExpectTensorNear(
      out[0], {2, 3},
      {-2.40760596444438, -1.4076059644443804, -0.4076059644443803,
       -2.1041306053367284, -1.1041306053367284, -0.6041306053367282});
}

TEST(LogSoftmaxTest, ForwardFirstAxis) {
  // Columns [1, -1], [2, 0] and [3, 0.5]; mpmath as above.
  for (int64_t axis : {0, -2}) {
    ASSERT_OK_AND_ASSIGN(auto out,
                         RunOp("LogSoftmax", Axis(axis), {TwoRows()}));
    ExpectTensorNear(
        out[0], {2, 3},
        {-0.1269280110429725, -0.1269280110429725, -0.07888973429254963,
         -2.1269280110429727, -2.1269280110429727, -2.5788897342925496});
  }
}

// LogSoftmax over the middle axis of x [2, 3, 2] equals LogSoftmax over the
// last axis of its transpose [2, 2, 3]: checks the strided rows.
TEST(LogSoftmaxTest, MiddleAxisMatchesTransposedLastAxis) {
  const Tensor x = RandomTensor(DType::kFloat64, {2, 3, 2}, 1, -3, 3);
  std::vector<double> t(12);
  for (int a = 0; a < 2; ++a) {
    for (int b = 0; b < 3; ++b) {
      for (int c = 0; c < 2; ++c)
        t[a * 6 + c * 3 + b] = x.ValueAt(a * 6 + b * 2 + c);
    }
  }
  const Tensor xt = Tensor::FromValues(DType::kFloat64, {2, 2, 3}, t);
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("LogSoftmax", Axis(1), {x}));
  ASSERT_OK_AND_ASSIGN(auto out_t, RunOp("LogSoftmax", {}, {xt}));
  for (int a = 0; a < 2; ++a) {
    for (int b = 0; b < 3; ++b) {
      for (int c = 0; c < 2; ++c) {
        EXPECT_NEAR(out[0].ValueAt(a * 6 + b * 2 + c),
                    out_t[0].ValueAt(a * 6 + c * 3 + b), 1e-15);
      }
    }
  }
}

// e^1002 overflows; log-sum-exp gives the LogSoftmax of [1, 2, 3] for
// [1000, 1001, 1002], and [-2000, -1000, 0] for [-1000, 0, 1000], where a
// softmax followed by a log would give -inf (mpmath values).
TEST(LogSoftmaxTest, StableForLargeInputs) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const Tensor x =
        Tensor::FromValues(dtype, {2, 3}, {1000, 1001, 1002, -1000, 0, 1000});
    ASSERT_OK_AND_ASSIGN(auto out, RunOp("LogSoftmax", {}, {x}));
    ExpectTensorNear(out[0], {2, 3},
                     {-2.40760596444438, -1.4076059644443804,
                      -0.4076059644443803, -2000, -1000, 0},
                     1e-4);
    const Tensor dy = RandomTensor(dtype, {2, 3}, 3);
    ASSERT_OK_AND_ASSIGN(auto grads,
                         RunOpGradient("LogSoftmax", {}, {x}, {dy}));
    for (int i = 0; i < 6; ++i) {
      EXPECT_TRUE(std::isfinite(out[0].ValueAt(i))) << i;
      EXPECT_TRUE(std::isfinite(grads[0].ValueAt(i))) << i;
    }
  }
}

TEST(LogSoftmaxTest, Gradient) {
  EXPECT_OK(CheckGradient("LogSoftmax", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 4, -3, 3)}));
  EXPECT_OK(CheckGradient("LogSoftmax", {},
                          {RandomTensor(DType::kFloat64, {5}, 5, -3, 3)}));
  for (int64_t axis : {0, 1, -3}) {
    SCOPED_TRACE(absl::StrCat("axis ", axis));
    EXPECT_OK(
        CheckGradient("LogSoftmax", Axis(axis),
                      {RandomTensor(DType::kFloat64, {2, 3, 2}, 6, -3, 3)}));
  }
}

// dx = dy - softmax(x) sum(dy) for x = [1, 2, 3], dy = [1, 2, -1]; mpmath:
// [dy_i - mp.exp(y_i) * sum(dy) for i].
TEST(LogSoftmaxTest, GradientByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {3}, {1, 2, 3});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {3}, {1, 2, -1});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("LogSoftmax", {}, {x}, {dy}));
  ExpectTensorNear(
      grads[0], {3},
      {0.8199388536592391, 1.5105430578904047, -2.3304819115496436});
}

TEST(LogSoftmaxTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "LogSoftmax", Axis(1),
      {RandomTensor(DType::kFloat64, {3, 4, 2}, 7, -5, 5)}));
}

// Rows are split across threads by a fixed partition.
TEST(LogSoftmaxTest, SameForAnyThreadCount) {
  const Tensor x = RandomTensor(DType::kFloat32, {300, 200}, 8, -5, 5);
  const Tensor dy = RandomTensor(DType::kFloat32, {300, 200}, 9);
  auto run = [&] { return RunOpGradient("LogSoftmax", {}, {x}, {dy}); };
  ASSERT_OK_AND_ASSIGN(auto one, RunWithThreads(1, run));
  ASSERT_OK_AND_ASSIGN(auto four, RunWithThreads(4, run));
  ExpectBitIdentical(one[0], four[0]);
}

TEST(LogSoftmaxTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("LogSoftmax", {}, {{-1, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 7}));
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("LogSoftmax", Axis(0), {{-1, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 7}));
}

TEST(LogSoftmaxTest, RefusesAxisOutOfRange) {
  EXPECT_STATUS(RunOpShape("LogSoftmax", Axis(2), {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'axis' is 2, out of range for x of shape [2, 3] "
                "(rank 2; valid axes are -2 to 1)");
  EXPECT_STATUS(RunOpShape("LogSoftmax", Axis(-3), {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'axis' is -3, out of range");
  EXPECT_STATUS(RunOpShape("LogSoftmax", {}, {Shape()}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'axis' is -1, out of range for x of shape [] "
                "(rank 0; a scalar has no axis)");
}

}  // namespace
}  // namespace nabla
