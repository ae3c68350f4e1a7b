#include <algorithm>
#include <cmath>
#include <vector>

#include "core/attrs.h"
#include "core/gradient_check.h"
#include "core/op_registry.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

constexpr uint64_t kSeed = 42;

AttrMap Init(const char* initializer, const Shape& shape = {200, 300}) {
  return {{"initializer", MakeAttr(initializer)}, {"shape", MakeAttr(shape)}};
}

struct Stats {
  double mean = 0;
  double stddev = 0;
  double min = 0;
  double max = 0;
};

Stats StatsOf(const Tensor& t) {
  const std::vector<double> v = t.ToDoubles();
  Stats s;
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  for (double x : v) s.mean += x;
  s.mean /= v.size();
  for (double x : v) s.stddev += (x - s.mean) * (x - s.mean);
  s.stddev = std::sqrt(s.stddev / v.size());
  return s;
}

// The standard deviation of a normal truncated at +-2 standard deviations
// is 0.8796 of the untruncated one.
constexpr double kTruncatedStddevRatio = 0.8796;

TEST(VariableOpTest, Declaration) {
  ASSERT_OK_AND_ASSIGN(const OpDef* def, OpRegistry::Global().Find("Variable"));
  EXPECT_EQ(def->role(), OpRole::kVariable);
  EXPECT_FALSE(def->has_gradient());
  EXPECT_TRUE(def->inputs().empty());
}

TEST(VariableOpTest, ConstantInitializersAreExact) {
  ASSERT_OK_AND_ASSIGN(
      Tensor zeros, RunInitializer("Variable", Init("zeros", {2, 3}), kSeed));
  ExpectTensorNear(zeros, {2, 3}, {0, 0, 0, 0, 0, 0}, 0);
  ASSERT_OK_AND_ASSIGN(Tensor ones,
                       RunInitializer("Variable", Init("ones", {3}), kSeed));
  ExpectTensorNear(ones, {3}, {1, 1, 1}, 0);
  AttrMap attrs = Init("constant", {2});
  attrs["init_value"] = MakeAttr(0.25);
  ASSERT_OK_AND_ASSIGN(Tensor constant,
                       RunInitializer("Variable", attrs, kSeed));
  ExpectTensorNear(constant, {2}, {0.25, 0.25}, 0);
}

TEST(VariableOpTest, ValuesInitializer) {
  AttrMap attrs = Init("values", {2, 2});
  attrs["dtype"] = MakeAttr("float64");
  for (double v : {1.0, -2.0, 0.5, 3.0}) {
    attrs["values"].mutable_tensor()->add_value(v);
  }
  ASSERT_OK_AND_ASSIGN(Tensor value, RunInitializer("Variable", attrs, kSeed));
  EXPECT_EQ(value.dtype(), DType::kFloat64);
  ExpectTensorNear(value, {2, 2}, {1, -2, 0.5, 3}, 0);
}

TEST(VariableOpTest, Uniform) {
  AttrMap attrs = Init("uniform");
  attrs["minval"] = MakeAttr(-0.3);
  attrs["maxval"] = MakeAttr(0.7);
  ASSERT_OK_AND_ASSIGN(Tensor value, RunInitializer("Variable", attrs, kSeed));
  const Stats s = StatsOf(value);
  EXPECT_GE(s.min, -0.3);
  EXPECT_LT(s.max, 0.7);
  EXPECT_LT(s.min, -0.29);
  EXPECT_GT(s.max, 0.69);
  EXPECT_NEAR(s.mean, 0.2, 0.01);
  EXPECT_NEAR(s.stddev, 1.0 / std::sqrt(12.0), 0.01);
}

TEST(VariableOpTest, Normal) {
  AttrMap attrs = Init("normal");
  attrs["mean"] = MakeAttr(1.0);
  attrs["stddev"] = MakeAttr(2.0);
  ASSERT_OK_AND_ASSIGN(Tensor value, RunInitializer("Variable", attrs, kSeed));
  const Stats s = StatsOf(value);
  EXPECT_NEAR(s.mean, 1.0, 0.05);
  EXPECT_NEAR(s.stddev, 2.0, 0.05);
  EXPECT_GT(s.max, 1.0 + 2 * 2.0);  // not truncated
}

TEST(VariableOpTest, TruncatedNormal) {
  AttrMap attrs = Init("truncated_normal");
  attrs["mean"] = MakeAttr(0.5);
  attrs["stddev"] = MakeAttr(0.1);
  ASSERT_OK_AND_ASSIGN(Tensor value, RunInitializer("Variable", attrs, kSeed));
  const Stats s = StatsOf(value);
  EXPECT_GE(s.min, 0.5 - 0.2 - 1e-12);
  EXPECT_LE(s.max, 0.5 + 0.2 + 1e-12);
  EXPECT_NEAR(s.mean, 0.5, 0.005);
  EXPECT_NEAR(s.stddev, 0.1 * kTruncatedStddevRatio, 0.003);
}

TEST(VariableOpTest, GlorotAndHeUniform) {
  // [200, 300]: fan_in 200, fan_out 300.
  const double glorot = std::sqrt(6.0 / 500);
  const double he = std::sqrt(6.0 / 200);
  for (const auto& [name, limit] :
       {std::pair<const char*, double>{"glorot_uniform", glorot},
        std::pair<const char*, double>{"he_uniform", he}}) {
    SCOPED_TRACE(name);
    ASSERT_OK_AND_ASSIGN(Tensor value,
                         RunInitializer("Variable", Init(name), kSeed));
    const Stats s = StatsOf(value);
    EXPECT_GE(s.min, -limit);
    EXPECT_LE(s.max, limit);
    EXPECT_GT(s.max, 0.99 * limit);
    EXPECT_NEAR(s.mean, 0, 0.01 * limit);
    EXPECT_NEAR(s.stddev, limit / std::sqrt(3.0), 0.01 * limit);
  }
}

TEST(VariableOpTest, GlorotAndHeNormal) {
  const double glorot = std::sqrt(2.0 / 500);
  const double he = std::sqrt(2.0 / 200);
  for (const auto& [name, stddev] :
       {std::pair<const char*, double>{"glorot_normal", glorot},
        std::pair<const char*, double>{"he_normal", he}}) {
    SCOPED_TRACE(name);
    ASSERT_OK_AND_ASSIGN(Tensor value,
                         RunInitializer("Variable", Init(name), kSeed));
    const Stats s = StatsOf(value);
    EXPECT_GE(s.min, -2 * stddev);
    EXPECT_LE(s.max, 2 * stddev);
    EXPECT_NEAR(s.mean, 0, 0.01 * stddev);
    EXPECT_NEAR(s.stddev, stddev * kTruncatedStddevRatio, 0.02 * stddev);
  }
}

TEST(VariableOpTest, FanOfConvolutionKernel) {
  // Keras: [3, 3, 16, 32] has receptive field 9, fan_in 144, fan_out 288.
  const double limit = std::sqrt(6.0 / (144 + 288));
  ASSERT_OK_AND_ASSIGN(
      Tensor value,
      RunInitializer("Variable", Init("glorot_uniform", {3, 3, 16, 32}),
                     kSeed));
  const Stats s = StatsOf(value);
  EXPECT_GE(s.min, -limit);
  EXPECT_LE(s.max, limit);
  EXPECT_GT(s.max, 0.98 * limit);
}

TEST(VariableOpTest, FanOfOutInConvolutionWeights) {
  // PyTorch and Conv2D: [32, 16, 3, 3] is (out, in, KH, KW): fan_in
  // 16 * 9 = 144, fan_out 32 * 9 = 288. Read as Keras's in_out it would be
  // fan_in 3 * 512 = 1536, fan_out 1536, a limit of 0.044 against 0.118.
  const double limit = std::sqrt(6.0 / (144 + 288));
  AttrMap attrs = Init("glorot_uniform", {32, 16, 3, 3});
  attrs["fan_layout"] = MakeAttr("out_in");
  ASSERT_OK_AND_ASSIGN(Tensor value, RunInitializer("Variable", attrs, kSeed));
  const Stats s = StatsOf(value);
  EXPECT_GE(s.min, -limit);
  EXPECT_LE(s.max, limit);
  EXPECT_GT(s.max, 0.98 * limit);
  attrs["fan_layout"] = MakeAttr("oihw");
  EXPECT_STATUS(RunOpShape("Variable", attrs, {}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'fan_layout' must be \"in_out\" or \"out_in\", "
                "got \"oihw\"");
}

TEST(VariableOpTest, DefaultIsGlorotUniformFloat32) {
  ASSERT_OK_AND_ASSIGN(
      Tensor value,
      RunInitializer("Variable", {{"shape", MakeAttr(Shape{10, 20})}}, kSeed));
  EXPECT_EQ(value.dtype(), DType::kFloat32);
  const double limit = std::sqrt(6.0 / 30);
  const Stats s = StatsOf(value);
  EXPECT_GE(s.min, -limit);
  EXPECT_LE(s.max, limit);
}

TEST(VariableOpTest, SeedDeterminesValues) {
  for (const char* name :
       {"uniform", "normal", "truncated_normal", "glorot_uniform",
        "glorot_normal", "he_uniform", "he_normal"}) {
    SCOPED_TRACE(name);
    ASSERT_OK_AND_ASSIGN(Tensor a,
                         RunInitializer("Variable", Init(name, {50}), kSeed));
    ASSERT_OK_AND_ASSIGN(Tensor b,
                         RunInitializer("Variable", Init(name, {50}), kSeed));
    ASSERT_OK_AND_ASSIGN(
        Tensor c, RunInitializer("Variable", Init(name, {50}), kSeed + 1));
    ExpectBitIdentical(a, b);
    EXPECT_NE(a.ToDoubles(), c.ToDoubles());
  }
}

TEST(VariableOpTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes,
                       RunOpShape("Variable", Init("zeros", {4, 5}), {}));
  EXPECT_EQ(shapes[0], Shape({4, 5}));
}

TEST(VariableOpTest, ShapeErrors) {
  EXPECT_STATUS(RunOpShape("Variable", Init("glorot", {2}), {}),
                absl::StatusCode::kInvalidArgument,
                "unknown initializer \"glorot\"; valid: zeros, ones, constant, "
                "uniform, normal, truncated_normal, glorot_uniform");
  AttrMap attrs = Init("values", {2, 2});
  for (double v : {1.0, 2.0, 3.0}) {
    attrs["values"].mutable_tensor()->add_value(v);
  }
  EXPECT_STATUS(RunOpShape("Variable", attrs, {}),
                absl::StatusCode::kInvalidArgument,
                "'values' holds 3 values but shape [2, 2] needs 4");
  EXPECT_STATUS(RunOpShape("Variable", Init("values", {2}), {}),
                absl::StatusCode::kInvalidArgument,
                "initializer \"values\" needs the attribute 'values'");
  EXPECT_STATUS(RunOpShape("Variable", Init("zeros", {-1, 3}), {}),
                absl::StatusCode::kInvalidArgument,
                "shape [?, 3] must be fully defined");
  AttrMap bad_range = Init("uniform", {2});
  bad_range["minval"] = MakeAttr(1.0);
  bad_range["maxval"] = MakeAttr(1.0);
  EXPECT_STATUS(RunOpShape("Variable", bad_range, {}),
                absl::StatusCode::kInvalidArgument, "minval < maxval");
  AttrMap bad_dtype = Init("zeros", {2});
  bad_dtype["dtype"] = MakeAttr("int32");
  EXPECT_STATUS(RunOpShape("Variable", bad_dtype, {}),
                absl::StatusCode::kInvalidArgument, "got \"int32\"");
}

// A setting the initializer would ignore is refused, whether the
// initializer is given or the default.
TEST(VariableOpTest, SettingsTheInitializerIgnoresAreRefused) {
  AttrMap values_only;
  values_only["shape"] = MakeAttr(Shape{2});
  values_only["values"].mutable_tensor()->add_value(1);
  values_only["values"].mutable_tensor()->add_value(2);
  EXPECT_STATUS(
      RunOpShape("Variable", values_only, {}),
      absl::StatusCode::kInvalidArgument,
      "attribute 'values' is set, but initializer \"glorot_uniform\" (the "
      "default) does not use it: set initializer: \"values\", or remove "
      "'values'");
  AttrMap init_value = Init("uniform", {2});
  init_value["init_value"] = MakeAttr(0.5);
  EXPECT_STATUS(RunOpShape("Variable", init_value, {}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'init_value' is set, but initializer \"uniform\" "
                "does not use it: set initializer: \"constant\", or remove "
                "'init_value'");
  AttrMap stddev = Init("he_normal", {2});
  stddev["stddev"] = MakeAttr(0.1);
  EXPECT_STATUS(RunOpShape("Variable", stddev, {}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'stddev' is set, but initializer \"he_normal\" "
                "does not use it: set initializer: \"normal\" or "
                "\"truncated_normal\", or remove 'stddev'");
  // Each setting with an initializer that reads it is fine.
  const std::pair<const char*, const char*> used[] = {
      {"init_value", "constant"},
      {"minval", "uniform"},
      {"maxval", "uniform"},
      {"mean", "normal"},
      {"stddev", "truncated_normal"}};
  for (const auto& [setting, initializer] : used) {
    SCOPED_TRACE(setting);
    AttrMap attrs = Init(initializer, {2});
    attrs[setting] = MakeAttr(std::string(setting) == "maxval" ? 1.0 : 0.0);
    EXPECT_OK(RunOpShape("Variable", attrs, {}).status());
  }
}

}  // namespace
}  // namespace nabla
