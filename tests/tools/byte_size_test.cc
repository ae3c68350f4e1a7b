// Byte sizes on the command line: plain bytes, binary suffixes, fractions,
// and every malformed value refused with what is expected.
#include "tools/byte_size.h"

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(ParseByteSizeTest, PlainBytes) {
  EXPECT_EQ(ParseByteSize("0").value(), 0u);
  EXPECT_EQ(ParseByteSize("4000").value(), 4000u);
}

TEST(ParseByteSizeTest, BinarySuffixesInEitherCase) {
  EXPECT_EQ(ParseByteSize("1K").value(), 1024u);
  EXPECT_EQ(ParseByteSize("512M").value(), 512u << 20);
  EXPECT_EQ(ParseByteSize("4g").value(), uint64_t{4} << 30);
  EXPECT_EQ(ParseByteSize("2T").value(), uint64_t{2} << 40);
}

TEST(ParseByteSizeTest, FractionsRoundDown) {
  EXPECT_EQ(ParseByteSize("1.5G").value(), uint64_t{3} << 29);
  EXPECT_EQ(ParseByteSize("0.001K").value(), 1u);
}

TEST(ParseByteSizeTest, MalformedValuesAreRefused) {
  for (const char* text : {"", "M", "-1", "+5", "1X", "1.5.G", "inf", "nan",
                           "1 G", "G1", "1GB", "1e3"}) {
    EXPECT_STATUS(ParseByteSize(text), absl::StatusCode::kInvalidArgument,
                  "expected bytes, or a number with K, M, G or T (powers of "
                  "1024) as in 512M or 4G, got '")
        << text;
  }
}

TEST(ParseByteSizeTest, TooLargeIsRefused) {
  EXPECT_STATUS(ParseByteSize("8388608T"), absl::StatusCode::kInvalidArgument,
                "got '8388608T': more than 2^63 bytes");
  EXPECT_EQ(ParseByteSize("8388607T").value(), uint64_t{8388607} << 40);
}

TEST(PhysicalMemoryTest, ThisMachineHasSome) {
  EXPECT_GT(PhysicalMemoryBytes(), uint64_t{1} << 20);
}

}  // namespace
}  // namespace nabla
