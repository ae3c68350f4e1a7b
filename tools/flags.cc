#include "tools/flags.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "core/registry.h"

namespace nabla {

void FlagParser::AddInt(std::string name, std::optional<int64_t>* value,
                        std::string help) {
  flags_.push_back({std::move(name), value, std::move(help), "N"});
}
void FlagParser::AddUint(std::string name, std::optional<uint64_t>* value,
                         std::string help) {
  flags_.push_back({std::move(name), value, std::move(help), "N"});
}
void FlagParser::AddDouble(std::string name, std::optional<double>* value,
                           std::string help) {
  flags_.push_back({std::move(name), value, std::move(help), "X"});
}
void FlagParser::AddString(std::string name, std::optional<std::string>* value,
                           std::string help, std::string value_name) {
  flags_.push_back(
      {std::move(name), value, std::move(help), std::move(value_name)});
}
void FlagParser::AddBool(std::string name, bool* value, std::string help) {
  flags_.push_back({std::move(name), value, std::move(help), ""});
}
void FlagParser::AddRepeatedString(std::string name,
                                   std::vector<std::string>* values,
                                   std::string help, std::string value_name) {
  flags_.push_back(
      {std::move(name), values, std::move(help), std::move(value_name)});
}

FlagParser::Flag* FlagParser::Find(const std::string& name) {
  for (Flag& flag : flags_) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

absl::Status FlagParser::Set(Flag& flag, const std::string& text) {
  auto bad = [&](absl::string_view expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag.name, ": expected ", expected, ", got '", text, "'"));
  };
  if (auto* p = std::get_if<std::optional<int64_t>*>(&flag.target)) {
    int64_t v;
    if (!absl::SimpleAtoi(text, &v)) return bad("an integer");
    **p = v;
  } else if (auto* p = std::get_if<std::optional<uint64_t>*>(&flag.target)) {
    uint64_t v;
    if (!absl::SimpleAtoi(text, &v)) return bad("a non-negative integer");
    **p = v;
  } else if (auto* p = std::get_if<std::optional<double>*>(&flag.target)) {
    double v;
    if (!absl::SimpleAtod(text, &v) || !std::isfinite(v))
      return bad("a number");
    **p = v;
  } else if (auto* p = std::get_if<std::optional<std::string>*>(&flag.target)) {
    **p = text;
  } else if (auto* p = std::get_if<std::vector<std::string>*>(&flag.target)) {
    (*p)->push_back(text);
  } else if (auto* p = std::get_if<bool*>(&flag.target)) {
    if (text == "true" || text == "1") {
      **p = true;
    } else if (text == "false" || text == "0") {
      **p = false;
    } else {
      return bad("true or false");
    }
  }
  return absl::OkStatus();
}

absl::Status FlagParser::Parse(int argc, const char* const* argv,
                               std::vector<std::string>* positional) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      positional->push_back(arg);
      continue;
    }
    const size_t eq = arg.find('=');
    const std::string name =
        arg.substr(2, eq == std::string::npos ? eq : eq - 2);
    Flag* flag = Find(name);
    if (flag == nullptr) {
      std::vector<std::string> names;
      for (const Flag& f : flags_) names.push_back(f.name);
      const std::vector<std::string> close = ClosestNames(name, names);
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown flag --", name,
          close.empty() ? ""
                        : absl::StrCat("; did you mean --", close[0], "?")));
    }
    if (flag->seen &&
        !std::holds_alternative<std::vector<std::string>*>(flag->target)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " is given more than once"));
    }
    flag->seen = true;
    std::string text;
    if (eq != std::string::npos) {
      text = arg.substr(eq + 1);
    } else if (std::holds_alternative<bool*>(flag->target)) {
      // "--check_numerics false" would leave "false" as a second model file.
      if (i + 1 < argc && (std::string(argv[i + 1]) == "true" ||
                           std::string(argv[i + 1]) == "false")) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " takes no separate value: write --", name,
                         "=", argv[i + 1], " (or --", name,
                         " alone for true), not --", name, " ", argv[i + 1]));
      }
      text = "true";
    } else if (i + 1 < argc) {
      text = argv[++i];
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " needs a value"));
    }
    absl::Status s = Set(*flag, text);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

std::string FlagParser::Help() const {
  constexpr size_t kWidth = 80;
  constexpr absl::string_view kIndent = "      ";
  std::string out;
  for (const Flag& flag : flags_) {
    absl::StrAppend(&out, "  --", flag.name, flag.value_name.empty() ? "" : " ",
                    flag.value_name, "\n");
    // The help, wrapped at spaces.
    std::string line(kIndent);
    for (absl::string_view word :
         absl::StrSplit(flag.help, ' ', absl::SkipEmpty())) {
      if (line.size() > kIndent.size() &&
          line.size() + 1 + word.size() > kWidth) {
        absl::StrAppend(&out, line, "\n");
        line = std::string(kIndent);
      }
      absl::StrAppend(&line, line.size() > kIndent.size() ? " " : "", word);
    }
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

}  // namespace nabla
