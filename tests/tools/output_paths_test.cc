// CheckOutputsApart: an output that is an input or another output is
// refused however it is spelled (./, dir/.., a symlink, a hard link, a
// file not yet written), naming both; distinct files pass.
#include "tools/output_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

std::string Dir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

std::string Touch(const std::string& name) {
  const std::string path = absl::StrCat(Dir(), "/", name);
  std::FILE* f = std::fopen(path.c_str(), "w");
  EXPECT_NE(f, nullptr) << path;
  if (f != nullptr) std::fclose(f);
  return path;
}

TEST(OutputPathsTest, DistinctFilesPass) {
  const std::string model = Touch("m.pbtxt");
  EXPECT_OK(CheckOutputsApart(
      {{"the model file", model}},
      {{"--save", Dir() + "/m.ckpt"}, {"--plot", Dir() + "/m.svg"}}));
}

TEST(OutputPathsTest, AnOutputThatIsAnInputIsRefusedHoweverSpelled) {
  const std::string model = Touch("model.pbtxt");
  const std::string link = Dir() + "/link.pbtxt";
  const std::string hard = Dir() + "/hard.pbtxt";
  unlink(link.c_str());
  unlink(hard.c_str());
  ASSERT_EQ(symlink(model.c_str(), link.c_str()), 0);
  ASSERT_EQ(::link(model.c_str(), hard.c_str()), 0);
  mkdir((Dir() + "/sub").c_str(), 0755);
  for (const std::string& spelling :
       {model, Dir() + "/./model.pbtxt", Dir() + "/sub/../model.pbtxt", link,
        hard}) {
    SCOPED_TRACE(spelling);
    EXPECT_STATUS(
        CheckOutputsApart({{"the model file", model}}, {{"--save", spelling}}),
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("--save ", spelling, " is the model file ", model,
                     ": writing it would destroy it; choose another path"));
  }
}

TEST(OutputPathsTest, TwoOutputsOnOneNewFileAreRefused) {
  const std::string plot = Dir() + "/new_plot.svg";
  unlink(plot.c_str());
  EXPECT_STATUS(
      CheckOutputsApart(
          {}, {{"--plot", plot}, {"--dot", Dir() + "/sub/../new_plot.svg"}}),
      absl::StatusCode::kInvalidArgument,
      absl::StrCat("--dot ", Dir(), "/sub/../new_plot.svg and --plot ", plot,
                   " are the same file: one would overwrite the other; "
                   "choose another path"));
}

}  // namespace
}  // namespace nabla
