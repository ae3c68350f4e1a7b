#include <cmath>

#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

const AttrMap kTanh = {{"approximate", MakeAttr("tanh")}};

Tensor Inputs() {
  return Tensor::FromValues(DType::kFloat64, {7}, {-3, -1, -0.5, 0, 0.5, 1, 3});
}

TEST(GeluTest, ForwardExact) {
  // x/2 (1 + erf(x/√2)); computed with python3's mpmath at 50 digits:
  // x * (1 + mp.erf(x / mp.sqrt(2))) / 2.
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("GELU", {}, {Inputs()}));
  ExpectTensorNear(
      out[0], {7},
      {-0.0040496940948902835, -0.15865525393145705, -0.15426876936299344, 0,
       0.34573123063700656, 0.8413447460685429, 2.99595030590511});
  // "none" is the default.
  ASSERT_OK_AND_ASSIGN(
      auto none,
      RunOp("GELU", {{"approximate", MakeAttr("none")}}, {Inputs()}));
  ExpectBitIdentical(none[0], out[0]);
}

TEST(GeluTest, ForwardTanh) {
  // x/2 (1 + tanh(√(2/π) (x + 0.044715 x³))); computed with python3's
  // mpmath at 50 digits with k = mp.sqrt(2 / mp.pi).
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("GELU", kTanh, {Inputs()}));
  ExpectTensorNear(
      out[0], {7},
      {-0.003637392081773019, -0.1588080093917233, -0.15428599017485609, 0,
       0.34571400982514394, 0.8411919906082767, 2.996362607918227});
}

// x Φ(x) at -10 is -7.619853024160526e-23 (mpmath); 1 + erf(x/√2) would
// cancel to 0 there, erfc keeps the relative precision.
TEST(GeluTest, ExactPreciseInTheLeftTail) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {1}, {-10});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("GELU", {}, {x}));
  EXPECT_NEAR(out[0].ValueAt(0) / -7.619853024160526e-23, 1.0, 1e-13);
}

TEST(GeluTest, Gradient) {
  EXPECT_OK(CheckGradient("GELU", {},
                          {RandomTensor(DType::kFloat64, {3, 4}, 1, -4, 4)}));
  EXPECT_OK(CheckGradient("GELU", kTanh,
                          {RandomTensor(DType::kFloat64, {3, 4}, 2, -4, 4)}));
}

// dy/dx = Φ(x) + x φ(x); mpmath: (1 + mp.erf(x / mp.sqrt(2))) / 2 +
// x * mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi) at -1 and 0.5.
TEST(GeluTest, GradientByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {2}, {-1, 0.5});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {2}, {1, 2});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("GELU", {}, {x}, {dy}));
  ExpectTensorNear(grads[0], {2},
                   {-0.0833154705876863, 2 * 0.8674951246561629});
}

TEST(GeluTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "GELU", {}, {RandomTensor(DType::kFloat64, {10}, 3, -5, 5)}));
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "GELU", kTanh, {RandomTensor(DType::kFloat64, {10}, 4, -5, 5)}));
}

// x² and x³ overflow float32 at 1e20; the value and the gradient must
// still be finite (the tanh form's gradient would give 0 · inf).
TEST(GeluTest, FiniteForLargeInputs) {
  for (const AttrMap& attrs : {AttrMap{}, kTanh}) {
    for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
      const Tensor x =
          Tensor::FromValues(dtype, {6}, {-1e30, -1e20, -100, 100, 1e20, 1e30});
      const Tensor dy = Tensor::FromValues(dtype, {6}, {1, 1, 1, 1, 1, 1});
      ASSERT_OK_AND_ASSIGN(auto out, RunOp("GELU", attrs, {x}));
      ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("GELU", attrs, {x}, {dy}));
      for (int i = 0; i < 6; ++i) {
        EXPECT_TRUE(std::isfinite(out[0].ValueAt(i))) << i;
        EXPECT_TRUE(std::isfinite(grads[0].ValueAt(i))) << i;
      }
      EXPECT_EQ(out[0].ValueAt(0), 0.0);
      EXPECT_EQ(out[0].ValueAt(5), x.ValueAt(5));
      EXPECT_EQ(grads[0].ValueAt(0), 0.0);
      EXPECT_EQ(grads[0].ValueAt(4), 1.0);
    }
  }
}

TEST(GeluTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("GELU", kTanh, {{-1, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 7}));
}

TEST(GeluTest, RefusesUnknownApproximation) {
  EXPECT_STATUS(
      RunOpShape("GELU", {{"approximate", MakeAttr("sigmoid")}}, {{2}}),
      absl::StatusCode::kInvalidArgument,
      "attribute 'approximate' must be \"none\" or \"tanh\", got \"sigmoid\"");
  EXPECT_STATUS(RunOpShape("GELU", {{"approximate", MakeAttr("")}}, {{2}}),
                absl::StatusCode::kInvalidArgument, "got \"\"");
}

}  // namespace
}  // namespace nabla
