// A small command-line flag parser for nabla's tools: `--name=value` or
// `--name value`, booleans as `--name`. Every problem is an error that names
// the flag; nothing exits the process.
#ifndef NABLA_TOOLS_FLAGS_H_
#define NABLA_TOOLS_FLAGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"

namespace nabla {

class FlagParser {
 public:
  void AddInt(std::string name, std::optional<int64_t>* value,
              std::string help);
  void AddUint(std::string name, std::optional<uint64_t>* value,
               std::string help);
  void AddDouble(std::string name, std::optional<double>* value,
                 std::string help);
  // `value_name` stands for the value in the help ("FILE", "CKPT").
  void AddString(std::string name, std::optional<std::string>* value,
                 std::string help, std::string value_name = "TEXT");
  void AddBool(std::string name, bool* value, std::string help);
  // A flag that may be given several times; each value is appended.
  void AddRepeatedString(std::string name, std::vector<std::string>* values,
                         std::string help, std::string value_name = "TEXT");

  // Fills the registered values from argv[1..]; arguments that are not
  // flags go to `positional`. A flag given twice, unknown (with close
  // names), without its value or with a malformed value is InvalidArgument;
  // only repeated flags may be given twice.
  [[nodiscard]] absl::Status Parse(int argc, const char* const* argv,
                                   std::vector<std::string>* positional);

  // Per flag, its name with a placeholder for its value ("--epochs N",
  // "--save CKPT"), then its help wrapped to 80 columns.
  std::string Help() const;

 private:
  using Target =
      std::variant<std::optional<int64_t>*, std::optional<uint64_t>*,
                   std::optional<double>*, std::optional<std::string>*, bool*,
                   std::vector<std::string>*>;
  struct Flag {
    std::string name;
    Target target;
    std::string help;
    std::string value_name;  // empty for a boolean
    bool seen = false;
  };
  [[nodiscard]] absl::Status Set(Flag& flag, const std::string& text);
  Flag* Find(const std::string& name);

  std::vector<Flag> flags_;
};

}  // namespace nabla

#endif  // NABLA_TOOLS_FLAGS_H_
