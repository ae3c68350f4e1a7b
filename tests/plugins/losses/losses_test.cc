// What every loss op shares: it is registered as a loss with a doc, and it
// declares `reduction` and `weight` and refuses bad values of them from its
// shape function. Per-loss values live in <loss>_test.cc.
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/gradient_check.h"
#include "core/op_registry.h"
#include "gtest/gtest.h"
#include "tests/plugins/losses/loss_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

struct LossCase {
  const char* op;
  // Input shapes the op accepts, and its per-element output for "none".
  std::vector<Shape> inputs;
  Shape unreduced;
};

const LossCase kLosses[] = {
    {"MeanSquaredError", {{2, 3}, {2, 3}}, {2, 3}},
    {"MeanAbsoluteError", {{2, 3}, {2, 3}}, {2, 3}},
    {"Huber", {{2, 3}, {2, 3}}, {2, 3}},
    {"SigmoidCrossEntropy", {{2, 3}, {2, 3}}, {2, 3}},
    {"BinaryCrossEntropy", {{2, 3}, {2, 3}}, {2, 3}},
    {"Hinge", {{2, 3}, {2, 3}}, {2, 3}},
    {"SoftmaxCrossEntropy", {{2, 3}, {2, 3}}, {2}},
    {"SparseSoftmaxCrossEntropy", {{2, 3}, {2}}, {2}},
};

class LossOpTest : public ::testing::TestWithParam<LossCase> {};

TEST_P(LossOpTest, IsRegisteredAsLoss) {
  ASSERT_OK_AND_ASSIGN(const OpDef* def,
                       OpRegistry::Global().Find(GetParam().op));
  EXPECT_OK(def->Validate());
  EXPECT_EQ(def->category(), OpCategory::kLoss);
  EXPECT_FALSE(def->doc().empty());
  EXPECT_EQ(def->outputs(), std::vector<std::string>{"loss"});
  EXPECT_TRUE(def->has_gradient());
  bool has_reduction = false, has_weight = false;
  for (const AttrDef& attr : def->attrs()) {
    if (attr.name == "reduction") {
      has_reduction = true;
      EXPECT_EQ(attr.type, AttrType::kString);
      ASSERT_TRUE(attr.default_value.has_value());
      EXPECT_EQ(attr.default_value->s(), "mean");
    }
    if (attr.name == "weight") {
      has_weight = true;
      EXPECT_EQ(attr.type, AttrType::kFloat);
      ASSERT_TRUE(attr.default_value.has_value());
      EXPECT_EQ(attr.default_value->f(), 1.0);
    }
  }
  EXPECT_TRUE(has_reduction);
  EXPECT_TRUE(has_weight);
}

TEST_P(LossOpTest, OutputShapeFollowsReduction) {
  const LossCase& c = GetParam();
  for (const char* reduction : {"mean", "sum"}) {
    ASSERT_OK_AND_ASSIGN(auto shapes,
                         RunOpShape(c.op, LossAttrs(reduction), c.inputs));
    EXPECT_EQ(shapes[0], Shape({})) << reduction;
  }
  ASSERT_OK_AND_ASSIGN(auto shapes,
                       RunOpShape(c.op, LossAttrs("none"), c.inputs));
  EXPECT_EQ(shapes[0], c.unreduced);
}

TEST_P(LossOpTest, RefusesBadReduction) {
  const LossCase& c = GetParam();
  for (const char* bad : {"avg", "MEAN", "", "sum "}) {
    EXPECT_STATUS(
        RunOpShape(c.op, LossAttrs(bad), c.inputs),
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("attribute 'reduction' must be \"mean\", \"sum\" or "
                     "\"none\", got \"",
                     bad, "\""));
  }
}

TEST_P(LossOpTest, RefusesNonFiniteWeight) {
  const LossCase& c = GetParam();
  EXPECT_STATUS(RunOpShape(c.op, LossAttrs("mean", INFINITY), c.inputs),
                absl::StatusCode::kInvalidArgument,
                "attribute 'weight' must be a finite number, got inf");
  EXPECT_STATUS(RunOpShape(c.op, LossAttrs("sum", -INFINITY), c.inputs),
                absl::StatusCode::kInvalidArgument, "got -inf");
  EXPECT_STATUS(RunOpShape(c.op, LossAttrs("none", NAN), c.inputs),
                absl::StatusCode::kInvalidArgument, "got nan");
}

INSTANTIATE_TEST_SUITE_P(AllLosses, LossOpTest, ::testing::ValuesIn(kLosses),
                         [](const auto& info) { return info.param.op; });

}  // namespace
}  // namespace nabla
