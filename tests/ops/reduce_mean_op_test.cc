#include <vector>

#include "core/attrs.h"
#include "gtest/gtest.h"
#include "tests/gradient_checker.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

AttrMap Axes(std::vector<int64_t> axes, bool keep_dims = false) {
  return {{"axes", MakeIntListAttr(axes)}, {"keep_dims", MakeAttr(keep_dims)}};
}

// x = [[1, 2, 3], [4, 5, 6]].
TEST(ReduceMeanOpTest, Forward) {
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {2, 3}, {1, 2, 3, 4, 5, 6});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("ReduceMean", {}, {x}));
  ExpectTensorNear(out[0], {}, {3.5});
  ASSERT_OK_AND_ASSIGN(out, RunOp("ReduceMean", Axes({0}), {x}));
  ExpectTensorNear(out[0], {3}, {2.5, 3.5, 4.5});
  ASSERT_OK_AND_ASSIGN(out, RunOp("ReduceMean", Axes({1}), {x}));
  ExpectTensorNear(out[0], {2}, {2, 5});
  ASSERT_OK_AND_ASSIGN(out, RunOp("ReduceMean", Axes({-1}, true), {x}));
  ExpectTensorNear(out[0], {2, 1}, {2, 5});
  ASSERT_OK_AND_ASSIGN(out, RunOp("ReduceMean", Axes({}, true), {x}));
  ExpectTensorNear(out[0], {1, 1}, {3.5});
  ASSERT_OK_AND_ASSIGN(out, RunOp("ReduceMean", Axes({1, 0}), {x}));
  ExpectTensorNear(out[0], {}, {3.5});
}

TEST(ReduceMeanOpTest, Gradient) {
  const Tensor x = RandomTensor(DType::kFloat64, {2, 3, 4}, 1);
  const std::vector<std::vector<int64_t>> axes_cases = {
      {}, {0}, {1}, {2}, {-1}, {0, 2}, {-3, -2}, {0, 1, 2}};
  for (const auto& axes : axes_cases) {
    for (bool keep_dims : {false, true}) {
      SCOPED_TRACE(testing::Message() << "axes size " << axes.size()
                                      << " keep_dims " << keep_dims);
      EXPECT_OK(CheckGradient("ReduceMean", Axes(axes, keep_dims), {x}));
    }
  }
  EXPECT_OK(
      CheckGradient("ReduceMean", {}, {RandomTensor(DType::kFloat64, {}, 2)}));
}

TEST(ReduceMeanOpTest, Float32MatchesFloat64) {
  const Tensor x = RandomTensor(DType::kFloat64, {3, 4, 5}, 1);
  EXPECT_OK(CheckFloat32MatchesFloat64("ReduceMean", {}, {x}));
  EXPECT_OK(CheckFloat32MatchesFloat64("ReduceMean", Axes({0, 2}, true), {x}));
}

TEST(ReduceMeanOpTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes,
                       RunOpShape("ReduceMean", Axes({1}), {{-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({-1}));
  ASSERT_OK_AND_ASSIGN(shapes,
                       RunOpShape("ReduceMean", Axes({-2}, true), {{-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({1, 3}));
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("ReduceMean", {}, {{-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({}));
}

TEST(ReduceMeanOpTest, ShapeErrors) {
  EXPECT_STATUS(RunOpShape("ReduceMean", Axes({2}), {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "axis 2 is out of range for x of shape [2, 3]");
  EXPECT_STATUS(RunOpShape("ReduceMean", Axes({-3}), {{2, 3}}),
                absl::StatusCode::kInvalidArgument, "axis -3 is out of range");
  EXPECT_STATUS(RunOpShape("ReduceMean", Axes({0, -2}), {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "axes [0, -2] name dimension 0 twice (x is [2, 3])");
}

TEST(ReduceMeanOpTest, BitIdenticalForAnyThreadCount) {
  const Tensor x = RandomTensor(DType::kFloat32, {400, 300}, 1);
  for (const std::vector<int64_t>& axes :
       {std::vector<int64_t>{0}, std::vector<int64_t>{1},
        std::vector<int64_t>{}}) {
    const AttrMap attrs = Axes(axes);
    auto run = [&] {
      std::vector<Tensor> out = *RunOp("ReduceMean", attrs, {x});
      const Tensor dy = RandomTensor(DType::kFloat32, out[0].shape(), 2);
      out.push_back((*RunOpGradient("ReduceMean", attrs, {x}, {dy}))[0]);
      return out;
    };
    const std::vector<Tensor> one = RunWithThreads(1, run);
    const std::vector<Tensor> four = RunWithThreads(4, run);
    ExpectBitIdentical(one[0], four[0]);
    ExpectBitIdentical(one[1], four[1]);
  }
}

}  // namespace
}  // namespace nabla

namespace nabla {
namespace {

// y = mean of 4 elements: dx = dy / 4 everywhere.
TEST(ReduceMeanOpTest, GradientByHand) {
  const Tensor x = RandomTensor(DType::kFloat64, {2, 2}, 1);
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {}, {2});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("ReduceMean", {}, {x}, {dy}));
  ExpectTensorNear(grads[0], {2, 2}, {0.5, 0.5, 0.5, 0.5});
}

}  // namespace
}  // namespace nabla
