#include "core/gradient_check.h"
#include "core/op_registry.h"
#include "gtest/gtest.h"
#include "ops/unary_op.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// y = x², with a deliberately wrong derivative x (the right one is 2x).
struct WrongSquareFn {
  template <typename T>
  static T Value(T x) {
    return x * x;
  }
  template <typename T>
  static T Derivative(T x, T) {
    return x;
  }
};

NABLA_REGISTER_OP("TestWrongGradient")
    .Input("x")
    .Output("y")
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<WrongSquareFn>)
    .Gradient(UnaryGradient<WrongSquareFn>);

TEST(GradientCheckerTest, CatchesWrongGradient) {
  const Tensor x = RandomTensor(DType::kFloat64, {2, 3}, 1, 0.5, 2.0);
  const absl::Status status = CheckGradient("TestWrongGradient", {}, {x});
  EXPECT_STATUS(status, absl::StatusCode::kInternal, "TestWrongGradient");
  EXPECT_STATUS(status, absl::StatusCode::kInternal, "input 0 (x");
  EXPECT_STATUS(status, absl::StatusCode::kInternal, "analytic");
  EXPECT_STATUS(status, absl::StatusCode::kInternal, "numeric");
}

TEST(GradientCheckerTest, PassesCorrectGradient) {
  const Tensor x = RandomTensor(DType::kFloat64, {2, 3}, 1, -2.0, 2.0);
  EXPECT_OK(CheckGradient("Square", {}, {x}));
  const Tensor a = RandomTensor(DType::kFloat64, {3, 4}, 2);
  const Tensor b = RandomTensor(DType::kFloat64, {4, 2}, 3);
  EXPECT_OK(CheckGradient("MatMul", {}, {a, b}));
}

TEST(GradientCheckerTest, SkipsKinks) {
  // Two of six ReLU inputs sit exactly on the kink at 0.
  const Tensor x = Tensor::FromValues(DType::kFloat64, {2, 3},
                                      {0.0, -1.5, 0.7, 0.0, 2.0, -0.3});
  EXPECT_OK(CheckGradient("ReLU", {}, {x}));
}

TEST(GradientCheckerTest, FailsWhenMostElementsAreKinks) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {4}, {0, 0, 0, 1});
  EXPECT_STATUS(CheckGradient("ReLU", {}, {x}), absl::StatusCode::kInternal,
                "3 of 4 elements are at kinks");
}

TEST(GradientCheckerTest, RefusesFloat32Inputs) {
  const Tensor x = RandomTensor(DType::kFloat32, {2}, 1);
  EXPECT_STATUS(CheckGradient("Square", {}, {x}),
                absl::StatusCode::kInvalidArgument, "needs float64");
}

TEST(GradientCheckerTest, ReportsUnknownOpAndBadAttrs) {
  EXPECT_STATUS(RunOp("Sigmod", {}, {}), absl::StatusCode::kNotFound,
                "Sigmoid");
  const Tensor x = RandomTensor(DType::kFloat64, {2}, 1);
  EXPECT_STATUS(RunOp("Square", {{"alpha", MakeAttr(1.0)}}, {x}),
                absl::StatusCode::kInvalidArgument,
                "unknown attribute 'alpha'");
}

TEST(GradientCheckerTest, RandomTensorIsSeeded) {
  const Tensor a = RandomTensor(DType::kFloat64, {100}, 7, -3, 5);
  const Tensor b = RandomTensor(DType::kFloat64, {100}, 7, -3, 5);
  const Tensor c = RandomTensor(DType::kFloat64, {100}, 8, -3, 5);
  EXPECT_EQ(a.ToDoubles(), b.ToDoubles());
  EXPECT_NE(a.ToDoubles(), c.ToDoubles());
  for (double v : a.ToDoubles()) {
    EXPECT_GE(v, -3);
    EXPECT_LT(v, 5);
  }
}

}  // namespace
}  // namespace nabla
