// C-ABI plugins (core/c_api/nabla_op_plugin.h) loaded with dlopen by a
// binary that does not link them: the example SoftClip (C++ wrapper) and
// plain-C fixtures register with their origin, their kernels give the
// values computed by hand and pass the gradient check, their failures and
// exceptions come back as errors, and each way a C plugin can be wrong gets
// its own message and registers nothing.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/c_api/nabla_op_plugin.h"
#include "core/gradient_check.h"
#include "core/op_registry.h"
#include "core/plugin_loader.h"
#include "core/session.h"
#include "gtest/gtest.h"
#include "nabla/registry.h"
#include "tests/model_test_util.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// Runfiles paths: Bazel runs tests from the workspace's runfiles root.
constexpr char kSoftClip[] = "plugins/examples/c_abi/libsoft_clip.so";

std::string Fixture(absl::string_view name) {
  return absl::StrCat("tests/plugins/loader/fixtures/lib", name, ".so");
}

AttrMap FloatAttr(const std::string& name, double value) {
  AttrValue v;
  v.set_f(value);
  return {{name, v}};
}

// --- SoftClip, the example plugin, built by g++ here ----------------------

TEST(CPluginLoaderTest, SoftClipRegistersWithItsDeclaration) {
  ASSERT_OK(LoadPlugin(kSoftClip));
  ASSERT_OK_AND_ASSIGN(const OpDef* op, OpRegistry::Global().Find("SoftClip"));
  EXPECT_EQ(OpRegistry::Global().OriginOf("SoftClip"), kSoftClip);
  EXPECT_EQ(op->category(), OpCategory::kActivation);
  ASSERT_EQ(op->inputs().size(), 1u);
  EXPECT_EQ(op->inputs()[0].name, "x");
  EXPECT_TRUE(op->inputs()[0].differentiable);
  EXPECT_EQ(op->outputs(), std::vector<std::string>{"y"});
  EXPECT_TRUE(op->has_gradient());
  EXPECT_TRUE(op->in_place());
  EXPECT_TRUE(op->gradient_in_place());
  EXPECT_EQ(op->gradient_reads(), ForwardValues::kOutputs);
  EXPECT_TRUE(absl::StartsWith(op->doc(), "Smooth clip")) << op->doc();
  const std::string listing = DescribeRegistry();
  EXPECT_TRUE(absl::StrContains(
      listing,
      absl::StrCat("  SoftClip(x) -> (y)  limit=1  [", kSoftClip, "]")))
      << listing;
}

// y = 2 tanh(x / 2); dx = dy (1 - (y / 2)²).
TEST(CPluginLoaderTest, SoftClipForwardAndGradientByHand) {
  ASSERT_OK(LoadPlugin(kSoftClip));
  const AttrMap limit = FloatAttr("limit", 2);
  for (DType dtype : {DType::kFloat64, DType::kFloat32}) {
    const double tol = dtype == DType::kFloat64 ? 1e-15 : 1e-6;
    const Tensor x = Tensor::FromValues(dtype, {3}, {0, 2, -4});
    ASSERT_OK_AND_ASSIGN(auto y, RunOp("SoftClip", limit, {x}));
    ExpectTensorNear(y[0], {3}, {0, 1.5231883119115297, -1.9280551601516338},
                     tol);
    const Tensor dy = Tensor::FromValues(dtype, {3}, {1, 1, 2});
    ASSERT_OK_AND_ASSIGN(auto dx, RunOpGradient("SoftClip", limit, {x}, {dy}));
    ExpectTensorNear(dx[0], {3}, {1, 0.41997434161402614, 0.14130164970632886},
                     tol);
  }
}

TEST(CPluginLoaderTest, SoftClipGradientMatchesFiniteDifferences) {
  ASSERT_OK(LoadPlugin(kSoftClip));
  const Tensor x = RandomTensor(DType::kFloat64, {6, 5}, 11, -3, 3);
  EXPECT_OK(CheckGradient("SoftClip", {}, {x}));
  EXPECT_OK(CheckGradient("SoftClip", FloatAttr("limit", 0.5), {x}));
}

TEST(CPluginLoaderTest, SoftClipRefusesALimitThatIsNotPositive) {
  ASSERT_OK(LoadPlugin(kSoftClip));
  EXPECT_STATUS(RunOpShape("SoftClip", FloatAttr("limit", -1), {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'limit' must be positive and finite, got -1");
}

// --- plain-C fixtures ------------------------------------------------------

TEST(CPluginLoaderTest, ScaleInCRunsThroughParallelFor) {
  const std::string path = Fixture("c_ops");
  ASSERT_OK(LoadPlugin(path));
  ASSERT_OK_AND_ASSIGN(const OpDef* op, OpRegistry::Global().Find("CScale"));
  EXPECT_EQ(OpRegistry::Global().OriginOf("CScale"), path);
  EXPECT_EQ(op->category(), OpCategory::kOp);
  EXPECT_EQ(op->gradient_reads(), ForwardValues::kNone);
  // Five elements in chunks of two: three chunks, the last one short.
  for (DType dtype : {DType::kFloat64, DType::kFloat32}) {
    const Tensor x = Tensor::FromValues(dtype, {5}, {1, -2, 3, 0.5, 4});
    ASSERT_OK_AND_ASSIGN(auto y, RunOp("CScale", FloatAttr("scale", 3), {x}));
    ExpectTensorNear(y[0], {5}, {3, -6, 9, 1.5, 12});
    const Tensor dy = Tensor::FromValues(dtype, {5}, {1, 2, 3, 4, 5});
    ASSERT_OK_AND_ASSIGN(auto dx, RunOpGradient("CScale", {}, {x}, {dy}));
    ExpectTensorNear(dx[0], {5}, {2, 4, 6, 8, 10});  // scale defaults to 2
  }
  EXPECT_OK(CheckGradient("CScale", {},
                          {RandomTensor(DType::kFloat64, {4, 3}, 5, -1, 1)}));
}

// Every element is count + offset + (flag ? 100 : 0) + length of tag, in
// the shape `dims`.
TEST(CPluginLoaderTest, AttributeGettersReadDefaultsAndSetValues) {
  ASSERT_OK(LoadPlugin(Fixture("c_ops")));
  ASSERT_OK_AND_ASSIGN(auto defaults, RunOp("CAttrs", {}, {}));
  ExpectTensorNear(defaults[0], {2, 3},
                   std::vector<double>(6, 7 + 0.5 + 100 + 3));

  AttrMap attrs;
  attrs["count"].set_i(1);
  attrs["offset"].set_f(0.25);
  attrs["flag"].set_b(false);
  attrs["tag"].set_s("hello");
  attrs["dims"].mutable_list()->add_i(4);
  ASSERT_OK_AND_ASSIGN(auto set, RunOp("CAttrs", attrs, {}));
  ExpectTensorNear(set[0], {4}, std::vector<double>(4, 1 + 0.25 + 0 + 5));
}

TEST(CPluginLoaderTest, KernelErrorNamesTheNodeWithThePluginsMessage) {
  ASSERT_OK(LoadPlugin(Fixture("c_ops")));
  auto session =
      SessionFromBody(R"pb(
                        node {
                          name: "x"
                          op: "Placeholder"
                          attr {
                            key: "shape"
                            value { shape { dim: 3 } }
                          }
                        }
                        node { name: "checked" op: "CCheckPositive" input: "x" }
                      )pb",
                      "positive.pbtxt", {});
  ASSERT_NE(session, nullptr);
  const Tensor good = Tensor::FromValues(DType::kFloat32, {3}, {1, 2, 3});
  ASSERT_OK_AND_ASSIGN(auto out, session->Run({{"x", &good}}, {"checked"}));
  ExpectTensorNear(out[0], {3}, {1, 2, 3});
  const Tensor bad = Tensor::FromValues(DType::kFloat32, {3}, {1, -2, 3});
  EXPECT_STATUS(session->Run({{"x", &bad}}, {"checked"}),
                absl::StatusCode::kInvalidArgument,
                "node 'checked' (CCheckPositive) forward: x must be positive; "
                "element 1 is not");
}

TEST(CPluginLoaderTest, RefusedOutputFailsTheShapeFunction) {
  ASSERT_OK(LoadPlugin(Fixture("c_ops")));
  EXPECT_STATUS(RunOpShape("CBadShape", {}, {{2}}),
                absl::StatusCode::kInvalidArgument,
                "the shape function set an impossible output: output 3 does "
                "not exist (the op has 1)");
}

// kernel_run reports the run: inference at step 0 by default, and what a
// training plan sets.
TEST(CPluginLoaderTest, KernelsSeeTheRun) {
  ASSERT_OK(LoadPlugin(Fixture("c_ops")));
  const Tensor x = Tensor::FromValues(DType::kFloat64, {1}, {0});
  ASSERT_OK_AND_ASSIGN(auto y, RunOp("CRunInfo", {}, {x}));
  ExpectTensorNear(y[0], {3}, {0, 0, 0});
  OpRun run;
  run.state.training = true;
  run.state.step = 7;
  run.node_seed = 12345;
  ASSERT_OK_AND_ASSIGN(y, RunOp("CRunInfo", {}, {x}, run));
  ExpectTensorNear(y[0], {3}, {1, 7, 345});
}

// A plugin of a later C API version, whose NablaOpDesc is larger: the host
// reads the fields it knows.
TEST(CPluginLoaderTest, NewerPluginWithALargerStructLoads) {
  ASSERT_OK(LoadPlugin(Fixture("c_newer")));
  const Tensor x = Tensor::FromValues(DType::kFloat64, {2}, {1.5, -1});
  ASSERT_OK_AND_ASSIGN(auto y, RunOp("CScaleV2", {}, {x}));
  ExpectTensorNear(y[0], {2}, {3, -2});
}

// --- exceptions in the C++ wrapper -------------------------------------

TEST(CPluginLoaderTest, ExceptionsInWrapperKernelsBecomeErrors) {
  ASSERT_OK(LoadPlugin(Fixture("c_throwing")));
  const Tensor x = Tensor::FromValues(DType::kFloat64, {5}, {1, 2, 3, 4, 5});
  EXPECT_STATUS(RunOp("ThrowsInKernel", {}, {x}),
                absl::StatusCode::kInvalidArgument,
                "threw an exception: no kernel today");
  ASSERT_OK_AND_ASSIGN(auto y, RunOp("FailsInGradient", {}, {x}));
  ExpectTensorNear(y[0], {5}, {1, 2, 3, 4, 5});
  EXPECT_STATUS(RunOpGradient("FailsInGradient", {}, {x}, {x}),
                absl::StatusCode::kInvalidArgument, "no gradient today");
  EXPECT_STATUS(RunOp("ThrowsInChunk", {}, {x}),
                absl::StatusCode::kInvalidArgument,
                "threw an exception: element 3 is out of range");
  EXPECT_STATUS(RunOp("ReadsAsFloat", {}, {x}),
                absl::StatusCode::kInvalidArgument,
                "threw an exception: the tensor is float64, read as float32");
  const Tensor x32 = Tensor::FromValues(DType::kFloat32, {1}, {7});
  ASSERT_OK_AND_ASSIGN(auto y32, RunOp("ReadsAsFloat", {}, {x32}));
  ExpectTensorNear(y32[0], {1}, {7});
  EXPECT_STATUS(RunOp("ReadsUndeclaredAttr", {}, {x}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'undeclared' is not declared by the op");
}

// --- bad C plugins -----------------------------------------------------

// Loads the fixture `name`, which must fail with `code` and, after
// "plugin <path>: ", `message`.
void ExpectRefused(absl::string_view name, absl::StatusCode code,
                   absl::string_view message) {
  const std::string path = Fixture(name);
  EXPECT_STATUS(LoadPlugin(path), code,
                absl::StrCat("plugin ", path, ": ", message));
}

TEST(CPluginLoaderTest, OldApiVersionIsRefused) {
  ExpectRefused("c_old_version", absl::StatusCode::kFailedPrecondition,
                "it was built for C API version 0, older than the oldest this "
                "nabla loads (1)");
}

TEST(CPluginLoaderTest, InfoSmallerThanVersionOneIsRefused) {
  ExpectRefused(
      "c_small_info", absl::StatusCode::kInvalidArgument,
      absl::StrCat("its NablaCPluginInfo is 4 bytes, smaller than "
                   "the ",
                   sizeof(NablaCPluginInfo), " bytes of C API version 1"));
}

TEST(CPluginLoaderTest, OpDescSmallerThanVersionOneIsRefused) {
  ExpectRefused("c_small_desc", absl::StatusCode::kInvalidArgument,
                absl::StrCat("its op #0 has a NablaOpDesc of 16 bytes, smaller "
                             "than the ",
                             sizeof(NablaOpDesc), " bytes of C API version 1"));
}

TEST(CPluginLoaderTest, OpWithoutNameIsRefused) {
  ExpectRefused("c_null_name", absl::StatusCode::kInvalidArgument,
                "it declares an op without a name (op #0)");
}

TEST(CPluginLoaderTest, OpWithoutShapeFunctionIsRefused) {
  ExpectRefused("c_null_shape", absl::StatusCode::kInvalidArgument,
                "op 'CScale' cannot be registered: it has no shape function");
}

TEST(CPluginLoaderTest, TakenNameIsRefused) {
  ExpectRefused("c_taken_name", absl::StatusCode::kAlreadyExists,
                "op 'Sigmoid' is already registered (built in)");
}

// It declared its ops before it returned the error: none may register.
TEST(CPluginLoaderTest, ErrorFromRegisterOpsIsRefused) {
  ExpectRefused("c_register_error", absl::StatusCode::kInvalidArgument,
                "its registration failed: no license for these ops");
  for (const auto& entry : OpRegistry::Global().Entries()) {
    EXPECT_NE(entry.origin, Fixture("c_register_error")) << entry.def->name();
  }
}

TEST(CPluginLoaderTest, NullInfoIsRefused) {
  ExpectRefused("c_null_info", absl::StatusCode::kInvalidArgument,
                "its entry point nabla_c_plugin_entry() returned null");
}

TEST(CPluginLoaderTest, BothEntryPointsAreRefused) {
  ExpectRefused("c_both_entries", absl::StatusCode::kInvalidArgument,
                "it has both entry points, nabla_plugin_entry() and "
                "nabla_c_plugin_entry()");
}

// A refused library registers nothing, and is not remembered as loaded.
TEST(CPluginLoaderTest, RefusedPluginsRegisterNothing) {
  for (const char* name : {"c_null_shape", "c_small_desc", "c_null_name"}) {
    EXPECT_FALSE(LoadPlugin(Fixture(name)).ok()) << name;
    for (const std::string& loaded : LoadedPlugins()) {
      EXPECT_NE(loaded, Fixture(name));
    }
  }
  for (const auto& entry : OpRegistry::Global().Entries()) {
    EXPECT_FALSE(absl::StrContains(entry.origin, "c_null_shape") ||
                 absl::StrContains(entry.origin, "c_small_desc") ||
                 absl::StrContains(entry.origin, "c_null_name"))
        << entry.def->name() << " from " << entry.origin;
  }
}

}  // namespace
}  // namespace nabla
