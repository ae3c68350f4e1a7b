// data_file::Read: gzip files are inflated no further than a reader wants,
// and never past a size that may be held.
#include "plugins/data_sources/data_file.h"

#include <zlib.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/plugins/data_sources/data_source_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

using data_source_test::TestPath;

void WriteGzip(const std::string& path, const std::string& bytes) {
  gzFile file = gzopen(path.c_str(), "wb9");
  ASSERT_NE(file, nullptr) << path;
  ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(file), Z_OK);
}

// 1 MB of zeros compresses to about 1 KB: a file that inflates a thousand
// times over is refused at the cap instead of held whole.
TEST(DataFileTest, InflatingPastTheCapIsRefused) {
  const std::string path = TestPath("zeros.csv.gz");
  WriteGzip(path, std::string(1 << 20, '0'));
  EXPECT_STATUS(data_file::Read(path, {}, 4096),
                absl::StatusCode::kInvalidArgument,
                absl::StrCat(path,
                             ": decompresses to more than 4096 bytes, more "
                             "than a data file read whole may hold (the "
                             "machine's memory)"));
  ASSERT_OK_AND_ASSIGN(data_file::Contents whole,
                       data_file::Read(path, {}, 1 << 20));
  EXPECT_EQ(whole.bytes.size(), size_t{1} << 20);
  EXPECT_TRUE(whole.gzipped);
  EXPECT_FALSE(whole.cut_short);
}

// A reader that wants 10 bytes, as soon as it sees 2, gets those 10.
TEST(DataFileTest, InflationStopsAtWhatIsWanted) {
  const std::string path = TestPath("digits.gz");
  WriteGzip(path, "0123456789abcdefghij");
  int asked = 0;
  ASSERT_OK_AND_ASSIGN(
      data_file::Contents head,
      data_file::Read(path, [&asked](absl::string_view prefix) {
        ++asked;
        return prefix.size() >= 2 ? uint64_t{10} : UINT64_MAX;
      }));
  EXPECT_EQ(head.bytes, "0123456789");
  EXPECT_TRUE(head.cut_short);
  EXPECT_GE(asked, 1);
}

}  // namespace
}  // namespace nabla
