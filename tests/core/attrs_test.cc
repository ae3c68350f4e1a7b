// Typed attributes: building values, resolving what a node gives against
// what its op declares (defaults, required, wrong type, unknown names,
// integers for floats), the getters, printing, and tensor literals.
#include "core/attrs.h"

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "google/protobuf/map.h"
#include "gtest/gtest.h"
#include "proto/graph.pb.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

using AttrMap = google::protobuf::Map<std::string, AttrValue>;

TEST(MakeAttrTest, EachOverloadSetsItsField) {
  EXPECT_EQ(MakeAttr(int64_t{1} << 40).value_case(), AttrValue::kI);
  EXPECT_EQ(MakeAttr(int64_t{1} << 40).i(), int64_t{1} << 40);
  EXPECT_EQ(MakeAttr(-3).value_case(), AttrValue::kI);
  EXPECT_EQ(MakeAttr(-3).i(), -3);
  EXPECT_EQ(MakeAttr(0.25).value_case(), AttrValue::kF);
  EXPECT_EQ(MakeAttr(0.25).f(), 0.25);
  EXPECT_EQ(MakeAttr(true).value_case(), AttrValue::kB);
  EXPECT_TRUE(MakeAttr(true).b());
  EXPECT_FALSE(MakeAttr(false).b());
  EXPECT_EQ(MakeAttr("relu").value_case(), AttrValue::kS);
  EXPECT_EQ(MakeAttr("relu").s(), "relu");
  EXPECT_EQ(MakeAttr(std::string("same")).s(), "same");
}

TEST(MakeAttrTest, ShapesKeepTheirDimensionsAndAScalarIsStillAShape) {
  const AttrValue matrix = MakeAttr(Shape({Shape::kUnknown, 3}));
  ASSERT_EQ(matrix.value_case(), AttrValue::kShape);
  ASSERT_EQ(matrix.shape().dim_size(), 2);
  EXPECT_EQ(matrix.shape().dim(0), -1);
  EXPECT_EQ(matrix.shape().dim(1), 3);
  const AttrValue scalar = MakeAttr(Shape());
  EXPECT_EQ(scalar.value_case(), AttrValue::kShape);
  EXPECT_EQ(scalar.shape().dim_size(), 0);
}

TEST(MakeAttrTest, IntList) {
  const AttrValue list = MakeIntListAttr({1, -2, 3});
  ASSERT_EQ(list.value_case(), AttrValue::kList);
  EXPECT_EQ(
      std::vector<int64_t>(list.list().i().begin(), list.list().i().end()),
      (std::vector<int64_t>{1, -2, 3}));
  // An empty list is still a list.
  EXPECT_EQ(MakeIntListAttr({}).value_case(), AttrValue::kList);
}

TEST(AttrTypeNameTest, NamesEveryType) {
  EXPECT_STREQ(AttrTypeName(AttrType::kInt), "int");
  EXPECT_STREQ(AttrTypeName(AttrType::kFloat), "float");
  EXPECT_STREQ(AttrTypeName(AttrType::kString), "string");
  EXPECT_STREQ(AttrTypeName(AttrType::kBool), "bool");
  EXPECT_STREQ(AttrTypeName(AttrType::kShape), "shape");
  EXPECT_STREQ(AttrTypeName(AttrType::kTensor), "tensor");
  EXPECT_STREQ(AttrTypeName(AttrType::kIntList), "list(int)");
  EXPECT_STREQ(AttrTypeName(AttrType::kFloatList), "list(float)");
  EXPECT_STREQ(AttrTypeName(AttrType::kStringList), "list(string)");
}

// What a Dense-like op might declare.
std::vector<AttrDef> DenseAttrs() {
  return {
      {"units", AttrType::kInt, std::nullopt},
      {"rate", AttrType::kFloat, MakeAttr(0.5)},
      {"activation", AttrType::kString, MakeAttr("linear")},
      {"use_bias", AttrType::kBool, MakeAttr(true)},
  };
}

TEST(ResolveAttrsTest, DefaultsFillWhatIsNotGivenInDeclarationOrder) {
  AttrMap given;
  given["units"] = MakeAttr(16);
  given["activation"] = MakeAttr("relu");
  std::vector<std::string> errors;
  const ResolvedAttrs attrs = ResolveAttrs(DenseAttrs(), given, &errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(attrs.GetInt("units"), 16);
  EXPECT_EQ(attrs.GetFloat("rate"), 0.5);
  EXPECT_EQ(attrs.GetString("activation"), "relu");
  EXPECT_TRUE(attrs.GetBool("use_bias"));
  ASSERT_EQ(attrs.values().size(), 4);
  EXPECT_EQ(attrs.values()[0].first, "units");
  EXPECT_EQ(attrs.values()[1].first, "rate");
  EXPECT_EQ(attrs.values()[2].first, "activation");
  EXPECT_EQ(attrs.values()[3].first, "use_bias");
}

TEST(ResolveAttrsTest, AMissingRequiredAttributeIsNamedWithItsType) {
  AttrMap given;
  std::vector<std::string> errors;
  const ResolvedAttrs attrs = ResolveAttrs(DenseAttrs(), given, &errors);
  EXPECT_EQ(errors, std::vector<std::string>{
                        "missing required attribute 'units' (int)"});
  // The others still resolve.
  EXPECT_EQ(attrs.values().size(), 3);
  EXPECT_EQ(attrs.GetFloat("rate"), 0.5);
}

TEST(ResolveAttrsTest, AWrongTypeIsNamedWithWhatWasGiven) {
  AttrMap given;
  given["units"] = MakeAttr("sixteen");
  given["use_bias"] = MakeAttr(1);
  given["rate"] = MakeAttr(Shape({2}));
  std::vector<std::string> errors;
  ResolveAttrs(DenseAttrs(), given, &errors);
  // One message per problem, in declaration order.
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "attribute 'units' must be int, got string \"sixteen\"",
                        "attribute 'rate' must be float, got shape [2]",
                        "attribute 'use_bias' must be bool, got int 1",
                    }));
}

TEST(ResolveAttrsTest, AFloatIsNotAnInt) {
  AttrMap given;
  given["units"] = MakeAttr(2.5);
  std::vector<std::string> errors;
  ResolveAttrs(DenseAttrs(), given, &errors);
  EXPECT_EQ(errors, std::vector<std::string>{
                        "attribute 'units' must be int, got float 2.5"});
}

TEST(ResolveAttrsTest, AnIntIsAcceptedForAFloatAndStoredAsAFloat) {
  AttrMap given;
  given["units"] = MakeAttr(1);
  given["rate"] = MakeAttr(2);
  std::vector<std::string> errors;
  const ResolvedAttrs attrs = ResolveAttrs(DenseAttrs(), given, &errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(attrs.GetFloat("rate"), 2.0);
  // Normalised: the stored value is a float, so GetFloat need not care.
  EXPECT_EQ(attrs.values()[1].second.value_case(), AttrValue::kF);
}

TEST(ResolveAttrsTest, IntsAreAcceptedForAFloatListAndStoredAsFloats) {
  const std::vector<AttrDef> declared = {
      {"weights", AttrType::kFloatList, std::nullopt}};
  AttrMap given;
  given["weights"] = MakeIntListAttr({1, -2});
  std::vector<std::string> errors;
  const ResolvedAttrs attrs = ResolveAttrs(declared, given, &errors);
  EXPECT_TRUE(errors.empty());
  const AttrValue& value = attrs.values()[0].second;
  EXPECT_EQ(value.list().i_size(), 0);
  EXPECT_EQ(
      std::vector<double>(value.list().f().begin(), value.list().f().end()),
      (std::vector<double>{1.0, -2.0}));
}

TEST(ResolveAttrsTest, AnEmptyListIsAListOfAnyType) {
  const std::vector<AttrDef> declared = {
      {"axes", AttrType::kIntList, std::nullopt},
      {"weights", AttrType::kFloatList, std::nullopt},
      {"names", AttrType::kStringList, std::nullopt},
  };
  AttrValue empty;
  empty.mutable_list();
  AttrMap given;
  given["axes"] = empty;
  given["weights"] = empty;
  given["names"] = empty;
  std::vector<std::string> errors;
  const ResolvedAttrs attrs = ResolveAttrs(declared, given, &errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_TRUE(attrs.GetIntList("axes").empty());
  EXPECT_TRUE(attrs.GetStringList("names").empty());
}

TEST(ResolveAttrsTest, AListOfTheWrongElementTypeIsRefused) {
  const std::vector<AttrDef> declared = {
      {"axes", AttrType::kIntList, std::nullopt},
      {"names", AttrType::kStringList, std::nullopt},
  };
  AttrValue strings;
  strings.mutable_list()->add_s("a");
  AttrMap given;
  given["axes"] = strings;
  given["names"] = MakeIntListAttr({1});
  std::vector<std::string> errors;
  ResolveAttrs(declared, given, &errors);
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "attribute 'axes' must be list(int), got list [\"a\"]",
                        "attribute 'names' must be list(string), got list [1]",
                    }));
}

// The proto says a list holds values of one type. A list of both ints and
// floats has lost their relative order, so no list(float) can be made of
// it: it must be refused rather than resolved to a part of it.
TEST(ResolveAttrsTest, AListMixingElementTypesIsRefused) {
  const std::vector<AttrDef> declared = {
      {"weights", AttrType::kFloatList, std::nullopt},
      {"axes", AttrType::kIntList, std::nullopt},
  };
  AttrValue ints_and_floats;
  ints_and_floats.mutable_list()->add_i(1);
  ints_and_floats.mutable_list()->add_f(2.5);
  AttrValue ints_and_bools;
  ints_and_bools.mutable_list()->add_i(1);
  ints_and_bools.mutable_list()->add_b(true);
  AttrMap given;
  given["weights"] = ints_and_floats;
  given["axes"] = ints_and_bools;
  std::vector<std::string> errors;
  const ResolvedAttrs attrs = ResolveAttrs(declared, given, &errors);
  ASSERT_EQ(errors.size(), 2)
      << "resolved to " << attrs.values().size() << " values";
  EXPECT_TRUE(
      absl::StrContains(errors[0], "attribute 'weights' must be list(float)"))
      << errors[0];
  EXPECT_TRUE(
      absl::StrContains(errors[1], "attribute 'axes' must be list(int)"))
      << errors[1];
}

TEST(ResolveAttrsTest, UnknownNamesAreListedSortedWithTheDeclaredOnes) {
  AttrMap given;
  given["units"] = MakeAttr(4);
  given["zeta"] = MakeAttr(1);
  given["alpha"] = MakeAttr(2);
  std::vector<std::string> errors;
  ResolveAttrs(DenseAttrs(), given, &errors);
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "unknown attribute 'alpha' (declared: units, rate, "
                        "activation, use_bias)",
                        "unknown attribute 'zeta' (declared: units, rate, "
                        "activation, use_bias)",
                    }));
}

TEST(ResolveAttrsTest, AnOpWithoutAttributesSaysSo) {
  AttrMap given;
  given["units"] = MakeAttr(4);
  std::vector<std::string> errors;
  const ResolvedAttrs attrs = ResolveAttrs({}, given, &errors);
  EXPECT_EQ(errors, std::vector<std::string>{
                        "unknown attribute 'units' (declared: none)"});
  EXPECT_TRUE(attrs.values().empty());
}

TEST(ResolvedAttrsTest, GettersOfEveryType) {
  ResolvedAttrs attrs;
  attrs.Set("i", MakeAttr(-7));
  attrs.Set("f", MakeAttr(1.25));
  attrs.Set("s", MakeAttr("abc"));
  attrs.Set("b", MakeAttr(true));
  attrs.Set("shape", MakeAttr(Shape({Shape::kUnknown, 4})));
  AttrValue tensor;
  tensor.mutable_tensor()->add_value(3);
  attrs.Set("t", tensor);
  attrs.Set("il", MakeIntListAttr({4, 5}));
  AttrValue strings;
  strings.mutable_list()->add_s("x");
  strings.mutable_list()->add_s("y");
  attrs.Set("sl", strings);
  EXPECT_EQ(attrs.GetInt("i"), -7);
  EXPECT_EQ(attrs.GetFloat("f"), 1.25);
  EXPECT_EQ(attrs.GetString("s"), "abc");
  EXPECT_TRUE(attrs.GetBool("b"));
  EXPECT_EQ(attrs.GetShape("shape"), Shape({Shape::kUnknown, 4}));
  EXPECT_EQ(attrs.GetTensor("t").value_size(), 1);
  EXPECT_EQ(std::vector<int64_t>(attrs.GetIntList("il").begin(),
                                 attrs.GetIntList("il").end()),
            (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(attrs.GetStringList("sl"), (std::vector<std::string>{"x", "y"}));
}

TEST(ResolvedAttrsTest, SetReplacesAValueInPlace) {
  ResolvedAttrs attrs;
  attrs.Set("a", MakeAttr(1));
  attrs.Set("b", MakeAttr(2));
  attrs.Set("a", MakeAttr(10));
  ASSERT_EQ(attrs.values().size(), 2);
  EXPECT_EQ(attrs.values()[0].first, "a");
  EXPECT_EQ(attrs.GetInt("a"), 10);
  EXPECT_EQ(attrs.GetInt("b"), 2);
}

TEST(AttrValueToStringTest, EveryKind) {
  EXPECT_EQ(AttrValueToString(MakeAttr(-3)), "-3");
  EXPECT_EQ(AttrValueToString(MakeAttr(1.5)), "1.5");
  EXPECT_EQ(AttrValueToString(MakeAttr("glorot_uniform")),
            "\"glorot_uniform\"");
  EXPECT_EQ(AttrValueToString(MakeAttr(true)), "true");
  EXPECT_EQ(AttrValueToString(MakeAttr(false)), "false");
  EXPECT_EQ(AttrValueToString(MakeAttr(Shape({2, 3}))), "[2, 3]");
  EXPECT_EQ(AttrValueToString(MakeAttr(Shape({Shape::kUnknown}))), "[?]");
  AttrValue tensor;
  tensor.mutable_tensor()->add_value(1);
  tensor.mutable_tensor()->add_value(2);
  EXPECT_EQ(AttrValueToString(tensor), "tensor of 2 values");
  EXPECT_EQ(AttrValueToString(MakeIntListAttr({2, 3})), "[2, 3]");
  EXPECT_EQ(AttrValueToString(MakeIntListAttr({})), "[]");
  AttrValue floats;
  floats.mutable_list()->add_f(0.5);
  floats.mutable_list()->add_f(2);
  EXPECT_EQ(AttrValueToString(floats), "[0.5, 2]");
  AttrValue strings;
  strings.mutable_list()->add_s("a");
  strings.mutable_list()->add_s("b");
  EXPECT_EQ(AttrValueToString(strings), "[\"a\", \"b\"]");
  EXPECT_EQ(AttrValueToString(AttrValue()), "(unset)");
}

TEST(DTypeNamesTest, FromNameAndFromProto) {
  EXPECT_EQ(DTypeFromName("float32").value(), DType::kFloat32);
  EXPECT_EQ(DTypeFromName("float64").value(), DType::kFloat64);
  EXPECT_STATUS(DTypeFromName("int32"), absl::StatusCode::kInvalidArgument,
                "dtype must be \"float32\" or \"float64\", got \"int32\"");
  EXPECT_EQ(DTypeFromProto(DT_FLOAT64, "t").value(), DType::kFloat64);
  EXPECT_EQ(DTypeFromProto(DT_FLOAT32, "t").value(), DType::kFloat32);
  // Unset means float32, as the proto says.
  EXPECT_EQ(DTypeFromProto(DT_INVALID, "t").value(), DType::kFloat32);
  EXPECT_STATUS(DTypeFromProto(static_cast<DataType>(99), "node 'c'"),
                absl::StatusCode::kInvalidArgument,
                "node 'c': unknown dtype 99");
}

TensorProto Proto(std::vector<int64_t> dims, std::vector<double> values,
                  DataType dtype = DT_INVALID) {
  TensorProto proto;
  proto.set_dtype(dtype);
  for (int64_t d : dims) proto.mutable_shape()->add_dim(d);
  for (double v : values) proto.add_value(v);
  return proto;
}

TEST(TensorFromProtoTest, ValuesShapeAndDType) {
  ASSERT_OK_AND_ASSIGN(
      const Tensor t,
      TensorFromProto(Proto({2, 2}, {1, 2, 3, 0.1}, DT_FLOAT64), "c"));
  EXPECT_EQ(t.dtype(), DType::kFloat64);
  EXPECT_EQ(t.shape(), Shape({2, 2}));
  EXPECT_EQ(t.ToDoubles(), (std::vector<double>{1, 2, 3, 0.1}));
}

TEST(TensorFromProtoTest, AnUnsetDTypeIsTheCallersChoice) {
  ASSERT_OK_AND_ASSIGN(const Tensor f32,
                       TensorFromProto(Proto({1}, {0.1}), "c"));
  EXPECT_EQ(f32.dtype(), DType::kFloat32);
  EXPECT_EQ(f32.ValueAt(0), static_cast<double>(0.1f));
  ASSERT_OK_AND_ASSIGN(const Tensor f64, TensorFromProto(Proto({1}, {0.1}), "c",
                                                         DType::kFloat64));
  EXPECT_EQ(f64.dtype(), DType::kFloat64);
  EXPECT_EQ(f64.ValueAt(0), 0.1);
}

TEST(TensorFromProtoTest, OneValueFillsTheTensor) {
  ASSERT_OK_AND_ASSIGN(const Tensor t,
                       TensorFromProto(Proto({2, 3}, {7}), "c"));
  EXPECT_EQ(t.ToDoubles(), std::vector<double>(6, 7.0));
}

TEST(TensorFromProtoTest, BadLiteralsAreRefusedWithTheirName) {
  EXPECT_STATUS(TensorFromProto(Proto({2, 2}, {1, 2, 3}), "node 'c'"),
                absl::StatusCode::kInvalidArgument,
                "node 'c': tensor of shape [2, 2] needs 4 values, got 3");
  EXPECT_STATUS(TensorFromProto(Proto({2, -1}, {1}), "node 'c'"),
                absl::StatusCode::kInvalidArgument,
                "node 'c': tensor shape [2, ?] has a negative dimension");
  EXPECT_STATUS(
      TensorFromProto(Proto({2}, {1, std::numeric_limits<double>::quiet_NaN()}),
                      "node 'c'"),
      absl::StatusCode::kInvalidArgument,
      "node 'c': tensor holds a non-finite value nan");
  EXPECT_STATUS(TensorFromProto(Proto({1}, {1e39}), "node 'c'"),
                absl::StatusCode::kInvalidArgument,
                "node 'c': value 1e+39 does not fit in float32");
  // 1e39 is a fine float64.
  EXPECT_OK(TensorFromProto(Proto({1}, {1e39}, DT_FLOAT64), "node 'c'"));
}

TEST(TensorFromProtoTest, AShapeTooLargeIsRefusedBeforeAllocating) {
  // 2^20 * 2^20 * 2^20 elements would overflow the count and the memory.
  EXPECT_STATUS(
      TensorFromProto(Proto({1 << 20, 1 << 20, 1 << 20}, {1}), "node 'c'"),
      absl::StatusCode::kInvalidArgument,
      "node 'c': tensor shape [1048576, 1048576] has more than 4294967296 "
      "elements");
}

TEST(TensorToProtoTest, RoundTripsBothDTypes) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    SCOPED_TRACE(DTypeName(dtype));
    const Tensor t = Tensor::FromValues(dtype, Shape({3, 1}), {0.5, -1, 1e-3});
    TensorProto proto = Proto({9}, {9, 9});  // cleared first
    TensorToProto(t, &proto);
    EXPECT_EQ(proto.dtype(),
              dtype == DType::kFloat64 ? DT_FLOAT64 : DT_FLOAT32);
    ASSERT_OK_AND_ASSIGN(const Tensor back, TensorFromProto(proto, "t"));
    EXPECT_EQ(back.dtype(), dtype);
    EXPECT_EQ(back.shape(), t.shape());
    EXPECT_EQ(back.ToDoubles(), t.ToDoubles());
  }
}

}  // namespace
}  // namespace nabla
