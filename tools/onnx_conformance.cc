// onnx_conformance: runs ONNX's backend conformance cases (Debian's
// libonnx-testdata) through nabla's ONNX import and prints, per op type,
// the cases passed, failed and not supported, then the totals.
//
//   onnx_conformance [--data DIR] [--expected FILE] [--write_expected FILE]
//                    [--filter TEXT] [--verbose]
//
// --data: the testdata directory (default
//   /usr/share/libonnx-testdata/data), with the suites node,
//   pytorch-converted, pytorch-operator and simple.
// --expected: a list of cases ("node/test_abs", one per line, # comments)
//   that must pass: exits 1 when any of them does not.
// --write_expected: writes the cases that passed, in that format.
// --filter: runs only the cases whose name contains TEXT.
// --verbose: one line per case with why it failed or is not supported.
// --rtol, --atol: the tolerance of float outputs (default 1e-3 and 1e-7,
//   as ONNX's runner).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/onnx/onnx_converters.h"
#include "tools/onnx_case.h"

namespace nabla {
namespace {

namespace fs = std::filesystem;
using Outcome = OnnxCaseResult::Outcome;

struct Flags {
  std::string data = "/usr/share/libonnx-testdata/data";
  std::string expected;
  std::string write_expected;
  std::string filter;
  bool verbose = false;
  OnnxTolerance tolerance;
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    auto number = [&](double* out) {
      std::string text;
      return value(&text) && absl::SimpleAtod(text, out);
    };
    if (arg == "--verbose") {
      flags->verbose = true;
    } else if (!((arg == "--data" && value(&flags->data)) ||
                 (arg == "--expected" && value(&flags->expected)) ||
                 (arg == "--write_expected" && value(&flags->write_expected)) ||
                 (arg == "--filter" && value(&flags->filter)) ||
                 (arg == "--rtol" && number(&flags->tolerance.rtol)) ||
                 (arg == "--atol" && number(&flags->tolerance.atol)))) {
      std::fprintf(stderr, "onnx_conformance: bad flag '%s'\n", arg.c_str());
      return false;
    }
  }
  return true;
}

struct Counts {
  int passed = 0, failed = 0, not_supported = 0;
};

// "node/test_abs" for every case directory of the suites, sorted.
std::vector<std::string> CaseNames(const std::string& data) {
  std::vector<std::string> names;
  for (const char* suite :
       {"node", "pytorch-converted", "pytorch-operator", "simple"}) {
    const fs::path dir = fs::path(data) / suite;
    if (!fs::is_directory(dir)) continue;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
      if (fs::exists(entry.path() / "model.onnx")) {
        names.push_back(
            absl::StrCat(suite, "/", entry.path().filename().string()));
      }
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool ReadExpected(const std::string& path, std::set<std::string>* cases) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "onnx_conformance: cannot read %s\n", path.c_str());
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    const absl::string_view name = absl::StripAsciiWhitespace(line);
    if (!name.empty() && name[0] != '#') cases->insert(std::string(name));
  }
  return true;
}

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPassed:
      return "passed";
    case Outcome::kFailed:
      return "FAILED";
    case Outcome::kNotSupported:
      return "not supported";
  }
  return "";
}

void PrintTable(const std::map<std::string, Counts>& per_op) {
  std::printf("%-28s %7s %7s %14s\n", "op type", "passed", "failed",
              "not supported");
  for (const auto& [op, c] : per_op) {
    std::printf("%-28s %7d %7d %14d%s\n", op.c_str(), c.passed, c.failed,
                c.not_supported,
                FindOnnxConverter(op) != nullptr ? "" : "  (not imported)");
  }
}

int Run(const Flags& flags) {
  std::set<std::string> expected;
  if (!flags.expected.empty() && !ReadExpected(flags.expected, &expected)) {
    return 2;
  }
  const std::vector<std::string> names = CaseNames(flags.data);
  if (names.empty()) {
    std::fprintf(stderr,
                 "onnx_conformance: no cases in %s (install "
                 "libonnx-testdata: ./setup.sh)\n",
                 flags.data.c_str());
    return 2;
  }
  std::map<std::string, Counts> per_op;
  Counts total;
  std::vector<std::string> passing, regressions;
  for (const std::string& name : names) {
    if (!absl::StrContains(name, flags.filter)) continue;
    const OnnxCaseResult r =
        RunOnnxCase((fs::path(flags.data) / name).string(), flags.tolerance);
    for (const std::string& op : r.op_types) {
      Counts& c = per_op[op];
      (r.outcome == Outcome::kPassed   ? c.passed
       : r.outcome == Outcome::kFailed ? c.failed
                                       : c.not_supported)++;
    }
    (r.outcome == Outcome::kPassed   ? total.passed
     : r.outcome == Outcome::kFailed ? total.failed
                                     : total.not_supported)++;
    if (r.outcome == Outcome::kPassed) passing.push_back(name);
    if (expected.count(name) && r.outcome != Outcome::kPassed) {
      regressions.push_back(absl::StrCat(name, ": ", r.reason));
    }
    if (flags.verbose) {
      std::printf("%-60s %s%s%s\n", name.c_str(), OutcomeName(r.outcome),
                  r.reason.empty() ? "" : ": ", r.reason.c_str());
    }
  }
  PrintTable(per_op);
  const int cases = total.passed + total.failed + total.not_supported;
  std::printf(
      "\n%d cases: %d passed, %d failed, %d not supported; %d of the %d "
      "imported (supported) cases pass; nabla imports %zu ONNX op types\n",
      cases, total.passed, total.failed, total.not_supported, total.passed,
      total.passed + total.failed, SupportedOnnxOps().size());
  if (!flags.write_expected.empty()) {
    std::ofstream out(flags.write_expected);
    out << "# ONNX conformance cases that pass (tools/onnx_conformance "
           "--write_expected)\n";
    for (const std::string& name : passing) out << name << "\n";
  }
  for (const std::string& name : expected) {
    if (!std::binary_search(names.begin(), names.end(), name)) {
      regressions.push_back(
          absl::StrCat(name, ": not in ", flags.data, " (an older testdata?)"));
    }
  }
  for (const std::string& line : regressions) {
    std::printf("expected to pass, did not: %s\n", line.c_str());
  }
  return regressions.empty() ? 0 : 1;
}

}  // namespace
}  // namespace nabla

int main(int argc, char** argv) {
  nabla::Flags flags;
  if (!nabla::ParseFlags(argc, argv, &flags)) return 2;
  return nabla::Run(flags);
}
