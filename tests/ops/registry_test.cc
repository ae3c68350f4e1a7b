// Every built-in op and plugin is registered (a dropped alwayslink or
// registrar fails here), and the registry refuses bad declarations.
#include <string>
#include <vector>

#include "core/op_registry.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(RegistryTest, HoldsEveryBuiltinOp) {
  const std::vector<std::string> expected = {
      "Placeholder", "Const",     "Variable",
      "MatMul",      "Add",       "Sub",
      "Mul",         "Div",       "BiasAdd",
      "Neg",         "Square",    "Exp",
      "Log",         "ReduceSum", "ReduceMean",
      "Reshape",     "Identity",  "Sigmoid",
      "Tanh",        "ReLU",      "MeanSquaredError"};
  for (const std::string& name : expected) {
    auto def = OpRegistry::Global().Find(name);
    ASSERT_OK(def);
    EXPECT_EQ((*def)->name(), name);
    EXPECT_OK((*def)->Validate());
  }
}

TEST(RegistryTest, RefusesDuplicateName) {
  OpDef def("MatMul");
  def.Input("x").Output("y").ShapeFn(
      [](ShapeContext&) { return absl::OkStatus(); });
  def.Forward([](const KernelContext&) { return absl::OkStatus(); });
  def.NoGradient();
  EXPECT_STATUS(OpRegistry::Global().Register(def),
                absl::StatusCode::kAlreadyExists, "'MatMul'");
}

TEST(RegistryTest, UnknownNameSuggestsCloseOne) {
  EXPECT_STATUS(OpRegistry::Global().Find("Sigmod"),
                absl::StatusCode::kNotFound, "Sigmoid");
}

TEST(RegistryTest, RefusesIncompleteDeclaration) {
  OpDef no_shape_fn("TestNoShapeFn");
  no_shape_fn.Input("x").Output("y").NoGradient().Forward(
      [](const KernelContext&) { return absl::OkStatus(); });
  EXPECT_STATUS(OpRegistry::Global().Register(no_shape_fn),
                absl::StatusCode::kInvalidArgument, "no shape function");

  OpDef no_gradient("TestNoGradientDeclared");
  no_gradient.Input("x")
      .Output("y")
      .ShapeFn([](ShapeContext&) { return absl::OkStatus(); })
      .Forward([](const KernelContext&) { return absl::OkStatus(); });
  EXPECT_STATUS(OpRegistry::Global().Register(no_gradient),
                absl::StatusCode::kInvalidArgument, "NoGradient()");
  EXPECT_STATUS(OpRegistry::Global().Find("TestNoGradientDeclared"),
                absl::StatusCode::kNotFound, "TestNoGradientDeclared");
}

}  // namespace
}  // namespace nabla
