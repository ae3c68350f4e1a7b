// Flatten: shapes for every axis (and unknown dimensions), elements kept in
// order, the gradient, float32 and float64, and axes out of range refused.
#include <string>
#include <vector>

#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

AttrMap Axis(int64_t axis) { return {{"axis", MakeAttr(axis)}}; }

// [2, 3, 4, 5] at each axis: ONNX's Flatten, and for axis 1 what PyTorch's
// torch.flatten(x, 1) and nn.Flatten() give, [2, 60].
TEST(FlattenOpTest, ShapeAtEachAxis) {
  const Shape x{2, 3, 4, 5};
  const std::vector<Shape> want = {
      {1, 120}, {2, 60}, {6, 20}, {24, 5}, {120, 1}};
  for (int axis = 0; axis <= 4; ++axis) {
    SCOPED_TRACE(axis);
    ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Flatten", Axis(axis), {x}));
    EXPECT_EQ(shapes[0], want[axis]);
  }
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Flatten", {}, {{-1, 8, 7, 7}}));
  EXPECT_EQ(shapes[0], Shape({-1, 392}));
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("Flatten", Axis(2), {{4, 8, -1, 7}}));
  EXPECT_EQ(shapes[0], Shape({32, -1}));
}

TEST(FlattenOpTest, KeepsTheElementsInOrder) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const Tensor x = RandomTensor(dtype, {2, 3, 2, 2}, 1);
    ASSERT_OK_AND_ASSIGN(auto y, RunOp("Flatten", {}, {x}));
    EXPECT_EQ(y[0].shape(), Shape({2, 12}));
    EXPECT_EQ(y[0].ToDoubles(), x.ToDoubles());
    const Tensor dy = RandomTensor(dtype, {2, 12}, 2);
    ASSERT_OK_AND_ASSIGN(auto g, RunOpGradient("Flatten", {}, {x}, {dy}));
    EXPECT_EQ(g[0].shape(), x.shape());
    EXPECT_EQ(g[0].ToDoubles(), dy.ToDoubles());
  }
}

TEST(FlattenOpTest, GradientMatchesFiniteDifferences) {
  EXPECT_OK(CheckGradient("Flatten", Axis(2),
                          {RandomTensor(DType::kFloat64, {2, 3, 4}, 3)}));
}

TEST(FlattenOpTest, AxisOutOfRangeIsRefused) {
  for (int64_t axis : {-1, 5}) {
    absl::StatusOr<std::vector<Shape>> shapes =
        RunOpShape("Flatten", Axis(axis), {{2, 3, 4, 5}});
    ASSERT_FALSE(shapes.ok());
    EXPECT_EQ(std::string(shapes.status().message()),
              "attribute 'axis' must be in [0, 4] for x of shape [2, 3, 4, 5], "
              "got " +
                  std::to_string(axis));
  }
}

}  // namespace
}  // namespace nabla
