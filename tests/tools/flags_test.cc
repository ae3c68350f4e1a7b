// Tests for FlagParser: both value forms, booleans, positional arguments,
// and every error naming the flag.
#include "tools/flags.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

class FlagParserTest : public ::testing::Test {
 protected:
  FlagParserTest() {
    parser_.AddInt("epochs", &epochs_, "passes over the data");
    parser_.AddUint("seed", &seed_, "random seed");
    parser_.AddDouble("learning_rate", &learning_rate_, "step size");
    parser_.AddString("predict", &predict_, "a row to predict");
    parser_.AddBool("verbose", &verbose_, "print more");
    parser_.AddRepeatedString("plugin", &plugins_, "a plugin to load");
  }

  // Parses `args` (argv[0] is added).
  absl::Status Parse(const std::vector<std::string>& args) {
    std::vector<const char*> argv = {"train_graph"};
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    return parser_.Parse(static_cast<int>(argv.size()), argv.data(),
                         &positional_);
  }

  FlagParser parser_;
  std::optional<int64_t> epochs_;
  std::optional<uint64_t> seed_;
  std::optional<double> learning_rate_;
  std::optional<std::string> predict_;
  bool verbose_ = false;
  std::vector<std::string> plugins_;
  std::vector<std::string> positional_;
};

TEST_F(FlagParserTest, NothingGivenLeavesValuesUnset) {
  ASSERT_OK(Parse({}));
  EXPECT_FALSE(epochs_.has_value());
  EXPECT_FALSE(seed_.has_value());
  EXPECT_FALSE(learning_rate_.has_value());
  EXPECT_FALSE(predict_.has_value());
  EXPECT_FALSE(verbose_);
  EXPECT_TRUE(positional_.empty());
}

TEST_F(FlagParserTest, EqualsForm) {
  ASSERT_OK(Parse(
      {"--epochs=12", "--seed=7", "--learning_rate=0.5", "--predict=4,8"}));
  EXPECT_EQ(epochs_, 12);
  EXPECT_EQ(seed_, 7u);
  EXPECT_EQ(learning_rate_, 0.5);
  EXPECT_EQ(predict_, "4,8");
}

TEST_F(FlagParserTest, SeparateValueForm) {
  ASSERT_OK(Parse({"--epochs", "12", "--seed", "7", "--learning_rate", "1e-3",
                   "--predict", "4,8"}));
  EXPECT_EQ(epochs_, 12);
  EXPECT_EQ(seed_, 7u);
  EXPECT_EQ(learning_rate_, 1e-3);
  EXPECT_EQ(predict_, "4,8");
  EXPECT_TRUE(positional_.empty());
}

TEST_F(FlagParserTest, NegativeValuesInTheSeparateForm) {
  ASSERT_OK(Parse({"--epochs", "-3", "--learning_rate", "-0.25"}));
  EXPECT_EQ(epochs_, -3);
  EXPECT_EQ(learning_rate_, -0.25);
}

TEST_F(FlagParserTest, ValuesContainingEqualsAndEmptyStrings) {
  ASSERT_OK(Parse({"--predict=a=b"}));
  EXPECT_EQ(predict_, "a=b");
  FlagParser parser;
  std::optional<std::string> s;
  parser.AddString("s", &s, "");
  const char* argv[] = {"prog", "--s="};
  std::vector<std::string> positional;
  ASSERT_OK(parser.Parse(2, argv, &positional));
  EXPECT_EQ(s, "");
}

TEST_F(FlagParserTest, RepeatedFlagCollectsEveryValueInOrder) {
  EXPECT_OK(Parse({"--plugin", "a.so", "m.pbtxt", "--plugin=b.so"}));
  EXPECT_EQ(plugins_, (std::vector<std::string>{"a.so", "b.so"}));
  EXPECT_EQ(positional_, std::vector<std::string>{"m.pbtxt"});
}

TEST_F(FlagParserTest, RepeatedFlagNeedsAValue) {
  EXPECT_STATUS(Parse({"--plugin"}), absl::StatusCode::kInvalidArgument,
                "--plugin needs a value");
}

TEST_F(FlagParserTest, BoolFlagAlone) {
  ASSERT_OK(Parse({"--verbose"}));
  EXPECT_TRUE(verbose_);
}

TEST_F(FlagParserTest, BoolFlagWithValue) {
  verbose_ = true;
  ASSERT_OK(Parse({"--verbose=false"}));
  EXPECT_FALSE(verbose_);
}

TEST_F(FlagParserTest, BoolFlagAcceptsOneAndZero) {
  ASSERT_OK(Parse({"--verbose=1"}));
  EXPECT_TRUE(verbose_);
}

TEST_F(FlagParserTest, BoolFlagDoesNotTakeTheNextArgument) {
  ASSERT_OK(Parse({"--verbose", "model.pbtxt"}));
  EXPECT_TRUE(verbose_);
  EXPECT_EQ(positional_, std::vector<std::string>{"model.pbtxt"});
}

TEST_F(FlagParserTest, MalformedBool) {
  EXPECT_STATUS(Parse({"--verbose=yes"}), absl::StatusCode::kInvalidArgument,
                "--verbose: expected true or false, got 'yes'");
}

TEST_F(FlagParserTest, PositionalArgumentsKeepTheirOrder) {
  ASSERT_OK(Parse({"model.pbtxt", "--epochs=3", "-", "extra", "-x"}));
  EXPECT_EQ(epochs_, 3);
  EXPECT_EQ(positional_,
            (std::vector<std::string>{"model.pbtxt", "-", "extra", "-x"}));
}

TEST_F(FlagParserTest, UnknownFlagSuggestsCloseName) {
  EXPECT_STATUS(Parse({"--epoch=3"}), absl::StatusCode::kInvalidArgument,
                "unknown flag --epoch; did you mean --epochs?");
  FlagParser fresh;
  std::optional<int64_t> epochs;
  fresh.AddInt("epochs", &epochs, "");
  const char* argv[] = {"prog", "--learning_rat", "0.1"};
  std::vector<std::string> positional;
  EXPECT_STATUS(fresh.Parse(3, argv, &positional),
                absl::StatusCode::kInvalidArgument,
                "unknown flag --learning_rat");
}

TEST_F(FlagParserTest, UnknownFlagWithNothingClose) {
  absl::Status status = Parse({"--zzzzzzzz"});
  EXPECT_STATUS(status, absl::StatusCode::kInvalidArgument,
                "unknown flag --zzzzzzzz");
  EXPECT_FALSE(absl::StrContains(status.message(), "did you mean")) << status;
}

TEST_F(FlagParserTest, MissingValue) {
  EXPECT_STATUS(Parse({"--epochs"}), absl::StatusCode::kInvalidArgument,
                "--epochs needs a value");
  FlagParser parser;
  std::optional<std::string> s;
  parser.AddString("predict", &s, "");
  const char* argv[] = {"prog", "--predict"};
  std::vector<std::string> positional;
  EXPECT_STATUS(parser.Parse(2, argv, &positional),
                absl::StatusCode::kInvalidArgument, "--predict needs a value");
}

TEST_F(FlagParserTest, MalformedInt) {
  EXPECT_STATUS(Parse({"--epochs", "abc"}), absl::StatusCode::kInvalidArgument,
                "--epochs: expected an integer, got 'abc'");
  FlagParser parser;
  std::optional<int64_t> n;
  parser.AddInt("epochs", &n, "");
  std::vector<std::string> positional;
  const char* fraction[] = {"prog", "--epochs=1.5"};
  EXPECT_STATUS(parser.Parse(2, fraction, &positional),
                absl::StatusCode::kInvalidArgument,
                "--epochs: expected an integer, got '1.5'");
}

TEST_F(FlagParserTest, EmptyIntValue) {
  EXPECT_STATUS(Parse({"--epochs="}), absl::StatusCode::kInvalidArgument,
                "--epochs: expected an integer, got ''");
}

TEST_F(FlagParserTest, IntOverflow) {
  EXPECT_STATUS(Parse({"--epochs=99999999999999999999"}),
                absl::StatusCode::kInvalidArgument,
                "--epochs: expected an integer, got '99999999999999999999'");
}

TEST_F(FlagParserTest, NegativeUint) {
  EXPECT_STATUS(Parse({"--seed=-1"}), absl::StatusCode::kInvalidArgument,
                "--seed: expected a non-negative integer, got '-1'");
}

TEST_F(FlagParserTest, MalformedDouble) {
  EXPECT_STATUS(Parse({"--learning_rate=fast"}),
                absl::StatusCode::kInvalidArgument,
                "--learning_rate: expected a number, got 'fast'");
}

TEST_F(FlagParserTest, NonFiniteDouble) {
  EXPECT_STATUS(Parse({"--learning_rate=inf"}),
                absl::StatusCode::kInvalidArgument,
                "--learning_rate: expected a number, got 'inf'");
  FlagParser parser;
  std::optional<double> d;
  parser.AddDouble("learning_rate", &d, "");
  std::vector<std::string> positional;
  const char* nan[] = {"prog", "--learning_rate", "nan"};
  EXPECT_STATUS(parser.Parse(3, nan, &positional),
                absl::StatusCode::kInvalidArgument,
                "--learning_rate: expected a number, got 'nan'");
}

TEST_F(FlagParserTest, RepeatedFlag) {
  EXPECT_STATUS(Parse({"--epochs=1", "--epochs", "2"}),
                absl::StatusCode::kInvalidArgument,
                "--epochs is given more than once");
  FlagParser parser;
  bool verbose = false;
  parser.AddBool("verbose", &verbose, "");
  std::vector<std::string> positional;
  const char* twice[] = {"prog", "--verbose", "--verbose=false"};
  EXPECT_STATUS(parser.Parse(3, twice, &positional),
                absl::StatusCode::kInvalidArgument,
                "--verbose is given more than once");
}

TEST_F(FlagParserTest, HelpListsEveryFlag) {
  const std::string help = parser_.Help();
  EXPECT_TRUE(absl::StrContains(help, "--epochs")) << help;
  EXPECT_TRUE(absl::StrContains(help, "passes over the data")) << help;
  EXPECT_TRUE(absl::StrContains(help, "--verbose")) << help;
  EXPECT_TRUE(absl::StrContains(help, "print more")) << help;
}

TEST(FlagHelpTest, PlaceholdersForValuesAndWrappedText) {
  FlagParser parser;
  std::optional<int64_t> epochs;
  std::optional<double> rate;
  std::optional<std::string> save, text;
  bool verbose = false;
  std::vector<std::string> plugins;
  parser.AddInt("epochs", &epochs, "passes");
  parser.AddDouble("rate", &rate, "step");
  parser.AddString("save", &save, "a checkpoint", "CKPT");
  parser.AddString("text", &text, "words");
  parser.AddBool("verbose", &verbose, "more");
  parser.AddRepeatedString("plugin", &plugins, "a library", "LIB.so");
  // 30 words of 9 characters, each with a space.
  std::string long_help;
  for (int i = 0; i < 30; ++i)
    absl::StrAppend(&long_help, "abcdefgh", i % 10, " ");
  std::optional<int64_t> wide;
  parser.AddInt("wide", &wide, long_help);
  const std::string help = parser.Help();
  for (const char* line :
       {"  --epochs N\n", "  --rate X\n", "  --save CKPT\n", "  --text TEXT\n",
        "  --verbose\n", "  --plugin LIB.so\n", "  --wide N\n"}) {
    EXPECT_TRUE(absl::StrContains(help, line)) << line << "\n" << help;
  }
  // The long help is wrapped into lines of at most 80 columns, each
  // indented, and keeps every word.
  const size_t start = help.find("  --wide N\n") + 11;
  int lines = 0;
  std::string words;
  for (absl::string_view line :
       absl::StrSplit(help.substr(start), '\n', absl::SkipEmpty())) {
    ++lines;
    EXPECT_LE(line.size(), 80u) << line;
    EXPECT_TRUE(absl::StartsWith(line, "      abcdefgh")) << line;
    absl::StrAppend(&words, absl::StripLeadingAsciiWhitespace(line), " ");
  }
  EXPECT_EQ(lines, 5);  // 7 words fit in 80 columns: 7, 7, 7, 7, 2
  EXPECT_EQ(words, long_help);
}

}  // namespace
}  // namespace nabla
