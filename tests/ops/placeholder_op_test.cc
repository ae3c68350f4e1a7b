#include "core/attrs.h"
#include "core/gradient_check.h"
#include "core/op_registry.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(PlaceholderOpTest, Declaration) {
  ASSERT_OK_AND_ASSIGN(const OpDef* def,
                       OpRegistry::Global().Find("Placeholder"));
  EXPECT_EQ(def->role(), OpRole::kPlaceholder);
  EXPECT_TRUE(def->inputs().empty());
  EXPECT_FALSE(def->has_gradient());
  EXPECT_FALSE(static_cast<bool>(def->forward()));
}

TEST(PlaceholderOpTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(
      auto shapes,
      RunOpShape("Placeholder", {{"shape", ShapeAttr(Shape{-1, 4})}}, {}));
  EXPECT_EQ(shapes[0], Shape({-1, 4}));
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("Placeholder",
                                          {{"shape", ShapeAttr(Shape{})},
                                           {"dtype", MakeAttr("float64")}},
                                          {}));
  EXPECT_EQ(shapes[0], Shape({}));
}

TEST(PlaceholderOpTest, ShapeErrors) {
  EXPECT_STATUS(
      RunOpShape(
          "Placeholder",
          {{"shape", ShapeAttr(Shape{2})}, {"dtype", MakeAttr("float16")}}, {}),
      absl::StatusCode::kInvalidArgument, "got \"float16\"");
  EXPECT_STATUS(
      RunOpShape("Placeholder", {{"shape", ShapeAttr(Shape{-2, 3})}}, {}),
      absl::StatusCode::kInvalidArgument, "dimension -2");
  EXPECT_STATUS(RunOpShape("Placeholder", {}, {}),
                absl::StatusCode::kInvalidArgument,
                "missing required attribute 'shape'");
  EXPECT_STATUS(
      RunOpShape("Placeholder",
                 {{"shape", ShapeAttr(Shape{1, 1, 1, 1, 1, 1, 1, 1, 1})}}, {}),
      absl::StatusCode::kInvalidArgument, "rank 9");
}

}  // namespace
}  // namespace nabla
