// --predict prints each output value with as many digits as reading it
// back into the model's dtype needs: 9 significant digits for float32, the
// shortest round-trip text for float64 (before, float64 got 9 digits too).
#include <cstdlib>
#include <string>

#include "core/run/prediction.h"
#include "core/tensor.h"
#include "gtest/gtest.h"

namespace nabla {
namespace {

TEST(RoundTripTextTest, Float64ValuesReadBackExactly) {
  EXPECT_EQ(RoundTripText(0.1, DType::kFloat64), "0.1");
  EXPECT_EQ(RoundTripText(89.70772550000001, DType::kFloat64),
            "89.70772550000001");
  EXPECT_EQ(RoundTripText(1.0 / 3.0, DType::kFloat64), "0.3333333333333333");
  for (double value : {1.0 / 3.0, 2.0 / 7.0, 1e-300, -123456.789012345678}) {
    const std::string text = RoundTripText(value, DType::kFloat64);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), value) << text;
  }
}

TEST(RoundTripTextTest, Float32ValuesGetNineDigits) {
  const float third = 1.0f / 3.0f;
  const std::string text = RoundTripText(third, DType::kFloat32);
  EXPECT_EQ(text, "0.333333343");
  EXPECT_EQ(std::strtof(text.c_str(), nullptr), third);
}

}  // namespace
}  // namespace nabla
