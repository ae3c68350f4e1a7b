// Fuzz target: train_graph's command line. The input is the arguments after
// the program's name, separated by NUL bytes (at most kMaxArgs of them),
// parsed as train_graph parses them: every flag's value (numbers, sizes,
// lists, booleans), flags that do not go together, positional arguments.
// Any error status is a correct answer; a crash, a sanitizer report or a
// leak is a bug. Nothing is read or written: parsing touches no file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "tests/fuzz/fuzz_util.h"
#include "tools/train_options.h"

namespace nabla {
namespace {

constexpr size_t kMaxArgs = 64;

void ParseFlags(absl::string_view input) {
  std::vector<std::string> args = {"train_graph"};
  for (absl::string_view arg : absl::StrSplit(input, '\0')) {
    if (args.size() > kMaxArgs) break;
    args.emplace_back(arg);
  }
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  TrainOptions options;
  std::string help;
  fuzz::Trace("parse", ParseTrainOptions(static_cast<int>(argv.size()),
                                         argv.data(), &options, &help));
}

}  // namespace
}  // namespace nabla

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nabla::ParseFlags(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
