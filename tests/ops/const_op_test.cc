#include "core/attrs.h"
#include "core/gradient_check.h"
#include "core/op_registry.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

AttrMap Value(DataType dtype, std::vector<int64_t> dims,
              std::vector<double> values) {
  AttrValue attr;
  TensorProto* t = attr.mutable_tensor();
  t->set_dtype(dtype);
  for (int64_t d : dims) t->mutable_shape()->add_dim(d);
  for (double v : values) t->add_value(v);
  return {{"value", attr}};
}

TEST(ConstOpTest, Forward) {
  ASSERT_OK_AND_ASSIGN(
      auto out, RunOp("Const", Value(DT_FLOAT64, {2, 2}, {1, 2.5, -3, 4}), {}));
  EXPECT_EQ(out[0].dtype(), DType::kFloat64);
  ExpectTensorNear(out[0], {2, 2}, {1, 2.5, -3, 4});
  // One value fills the tensor; an unset dtype means float32.
  ASSERT_OK_AND_ASSIGN(out, RunOp("Const", Value(DT_INVALID, {3}, {0.5}), {}));
  EXPECT_EQ(out[0].dtype(), DType::kFloat32);
  ExpectTensorNear(out[0], {3}, {0.5, 0.5, 0.5});
}

TEST(ConstOpTest, Declaration) {
  ASSERT_OK_AND_ASSIGN(const OpDef* def, OpRegistry::Global().Find("Const"));
  EXPECT_EQ(def->role(), OpRole::kConstant);
  EXPECT_FALSE(def->has_gradient());
}

TEST(ConstOpTest, ShapeErrors) {
  EXPECT_STATUS(RunOpShape("Const", Value(DT_FLOAT32, {2, 2}, {1, 2, 3}), {}),
                absl::StatusCode::kInvalidArgument,
                "tensor of shape [2, 2] needs 4 values, got 3");
  EXPECT_STATUS(RunOpShape("Const", {}, {}), absl::StatusCode::kInvalidArgument,
                "missing required attribute 'value'");
}

}  // namespace
}  // namespace nabla
