#include "core/registry.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace nabla {
namespace {

// The edit distance of a and b (case-insensitive), or a number above
// `bound` as soon as it must exceed it: a row's minimum never decreases.
int EditDistance(absl::string_view a, absl::string_view b, int bound) {
  const int length_gap = static_cast<int>(
      a.size() > b.size() ? a.size() - b.size() : b.size() - a.size());
  if (length_gap > bound) return bound + 1;
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    int lowest = row[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      const int substitution =
          diagonal + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
      lowest = std::min(lowest, row[j]);
    }
    if (lowest > bound) return bound + 1;
  }
  return row[b.size()];
}

}  // namespace

std::vector<std::string> ClosestNames(absl::string_view name,
                                      const std::vector<std::string>& known,
                                      int limit) {
  // Plausible: at most a third of the longer name differs.
  std::vector<std::pair<int, std::string>> scored;
  for (const std::string& candidate : known) {
    const int allowed =
        std::max<int>(1, std::max(name.size(), candidate.size()) / 3);
    const int distance = EditDistance(name, candidate, allowed);
    if (distance <= allowed) scored.emplace_back(distance, candidate);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (const auto& [distance, candidate] : scored) {
    if (static_cast<int>(out.size()) == limit) break;
    out.push_back(candidate);
  }
  return out;
}

void CheckBuiltinRegistration(const absl::Status& status) {
  if (status.ok()) return;
  std::fprintf(stderr, "nabla: built-in registration failed: %s\n",
               status.ToString().c_str());
  std::abort();
}

namespace {

struct PluginOpening {
  bool active = false;
  std::vector<std::string> refused;
};

// dlopen() runs a library's static initialisers on the calling thread.
thread_local PluginOpening plugin_opening;

}  // namespace

bool StaticRegistrationAllowed(absl::string_view kind, absl::string_view name) {
  if (!plugin_opening.active) return true;
  plugin_opening.refused.push_back(absl::StrCat(kind, " '", name, "'"));
  return false;
}

void BeginOpeningPlugin() { plugin_opening = {true, {}}; }

std::vector<std::string> EndOpeningPlugin() {
  plugin_opening.active = false;
  return std::move(plugin_opening.refused);
}

std::string SuggestionText(absl::string_view name,
                           const std::vector<std::string>& known) {
  const std::vector<std::string> close = ClosestNames(name, known);
  if (!close.empty()) {
    return absl::StrCat("; did you mean ", absl::StrJoin(close, ", "), "?");
  }
  if (known.empty()) return "; nothing is registered";
  return absl::StrCat("; registered: ", absl::StrJoin(known, ", "));
}

}  // namespace nabla
