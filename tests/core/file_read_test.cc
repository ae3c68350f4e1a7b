// Reading whole input files: regular files only, refused by kind before
// anything blocks (a FIFO with no writer would block an open for reading),
// a size limit with the exact message, and paths relative to a model's
// directory.
#include "core/file_read.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/test_files.h"

namespace nabla {
namespace {

// TEST_TMPDIR/name, holding `bytes`.
std::string Written(const std::string& name, const std::string& bytes) {
  WriteFile(TestPath(name), bytes);
  return TestPath(name);
}

TEST(FileReadTest, ReadsARegularFileUpToTheLimit) {
  const std::string path = Written("ten", "0123456789");
  ASSERT_OK_AND_ASSIGN(const std::string bytes, ReadRegularFile(path, 10));
  EXPECT_EQ(bytes, "0123456789");
  EXPECT_STATUS(ReadRegularFile(path, 9).status(),
                absl::StatusCode::kResourceExhausted,
                absl::StrCat(path,
                             ": 10 bytes is more than the 9 bytes a file of "
                             "its kind may hold"));
}

TEST(FileReadTest, LargeSizesAreSaidInUnits) {
  const std::string path = Written("two_mib", std::string(2 << 20, 'x'));
  EXPECT_STATUS(ReadRegularFile(path, 1 << 20).status(),
                absl::StatusCode::kResourceExhausted,
                absl::StrCat(path,
                             ": 2 MiB (2097152 bytes) is more than the 1 MiB "
                             "(1048576 bytes) a file of its kind may hold"));
}

TEST(FileReadTest, EmptyFileIsEmpty) {
  ASSERT_OK_AND_ASSIGN(const std::string bytes,
                       ReadRegularFile(Written("empty", ""), 10));
  EXPECT_EQ(bytes, "");
}

TEST(FileReadTest, OtherKindsAreRefusedByName) {
  const std::string fifo = TestPath("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Returns at once: nothing opens the FIFO for reading.
  EXPECT_STATUS(ReadRegularFile(fifo, 10).status(),
                absl::StatusCode::kInvalidArgument,
                absl::StrCat(fifo, ": is a FIFO, not a regular file"));
  EXPECT_STATUS(CheckRegularFile(fifo), absl::StatusCode::kInvalidArgument,
                absl::StrCat(fifo, ": is a FIFO, not a regular file"));
  EXPECT_STATUS(ReadRegularFile(TestPath(""), 10).status(),
                absl::StatusCode::kInvalidArgument,
                absl::StrCat(TestPath(""), ": is a directory"));
  EXPECT_STATUS(ReadRegularFile("/dev/zero", 10).status(),
                absl::StatusCode::kInvalidArgument,
                "/dev/zero: is a character device, not a regular file");
}

TEST(FileReadTest, MissingFileIsNotFound) {
  EXPECT_STATUS(ReadRegularFile(TestPath("missing"), 10).status(),
                absl::StatusCode::kNotFound,
                absl::StrCat(TestPath("missing"), ": "));
}

TEST(FileReadTest, WholeFileLimitIsTheMachinesMemory) {
  EXPECT_GT(PhysicalMemoryBytes(), uint64_t{1} << 20);
  EXPECT_EQ(MaxWholeFileBytes(), PhysicalMemoryBytes());
}

TEST(FileReadTest, PathsRelativeToADirectory) {
  EXPECT_EQ(PathRelativeTo("examples", "a.csv"), "examples/a.csv");
  EXPECT_EQ(PathRelativeTo("examples/", "a.csv"), "examples/a.csv");
  EXPECT_EQ(PathRelativeTo(".", "a.csv"), "a.csv");
  EXPECT_EQ(PathRelativeTo("", "a.csv"), "a.csv");
  EXPECT_EQ(PathRelativeTo("examples", "/data/a.csv"), "/data/a.csv");
}

}  // namespace
}  // namespace nabla
