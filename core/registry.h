// Registry<Def>: definitions by unique name, each with where it came from
// ("built in" or a plugin library's path). Shared by ops, optimizers,
// schedules and data sources.
//
// Thread-safe. Definitions are never removed, so pointers returned by Find()
// stay valid for the life of the process.
#ifndef NABLA_CORE_REGISTRY_H_
#define NABLA_CORE_REGISTRY_H_

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace nabla {

// Registered names closest to `name` by edit distance (case-insensitive),
// best first, at most `limit` of them, only those plausibly meant.
std::vector<std::string> ClosestNames(absl::string_view name,
                                      const std::vector<std::string>& known,
                                      int limit = 3);

// "; did you mean Sigmoid, SiLU?" or, when nothing is close,
// "; registered: A, B, C".
std::string SuggestionText(absl::string_view name,
                           const std::vector<std::string>& known);

// For the static registrars of built-ins: a refused built-in declaration is
// a bug in nabla, so it is printed and the process stops before main().
void CheckBuiltinRegistration(const absl::Status& status);

// Static registrars (the NABLA_REGISTER_* macros) ask this first. While a
// plugin library is being opened on this thread, it records "<kind>
// '<name>'" and returns false: a plugin registers through NABLA_PLUGIN,
// after the loader has checked its handshake.
bool StaticRegistrationAllowed(absl::string_view kind, absl::string_view name);

// For the plugin loader, around opening a library: the registrations that
// StaticRegistrationAllowed() refused in between.
void BeginOpeningPlugin();
std::vector<std::string> EndOpeningPlugin();

// The origin of everything compiled into nabla.
inline constexpr absl::string_view kBuiltIn = "built in";

template <typename Def>
class Registry {
 public:
  struct Entry {
    const Def* def;
    std::string origin;
  };

  // `kind` names the definitions in messages: "op", "optimizer".
  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  // Adds `def` under def.name(). A name already registered is refused
  // (AlreadyExists, naming where the first came from) and the registry is
  // left unchanged.
  [[nodiscard]] absl::Status Register(Def def,
                                      absl::string_view origin = kBuiltIn) {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string name = def.name();
    if (name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot register an ", kind_, " without a name"));
    }
    auto taken = defs_.find(name);
    if (taken != defs_.end()) {
      return absl::AlreadyExistsError(absl::StrCat(kind_, " '", name,
                                                   "' is already registered (",
                                                   taken->second.origin, ")"));
    }
    defs_.emplace(name, Stored{std::make_unique<Def>(std::move(def)),
                               std::string(origin)});
    return absl::OkStatus();
  }

  bool Contains(absl::string_view name) const {
    std::lock_guard<std::mutex> lock(mu_);
    return defs_.contains(name);
  }

  // Where `name` was registered from; empty when it is not registered.
  std::string OriginOf(absl::string_view name) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = defs_.find(name);
    return it == defs_.end() ? std::string() : it->second.origin;
  }

  // The definition named `name`, or NotFound listing close names.
  [[nodiscard]] absl::StatusOr<const Def*> Find(absl::string_view name) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = defs_.find(name);
    if (it != defs_.end()) return it->second.def.get();
    return absl::NotFoundError(
        absl::StrCat("unknown ", kind_, " '", name, "'",
                     SuggestionText(name, NamesLocked())));
  }

  // Every registered name, sorted.
  std::vector<std::string> Names() const {
    std::lock_guard<std::mutex> lock(mu_);
    return NamesLocked();
  }

  // Every definition with its origin, sorted by name.
  std::vector<Entry> Entries() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Entry> entries;
    for (const std::string& name : NamesLocked()) {
      const Stored& stored = defs_.find(name)->second;
      entries.push_back({stored.def.get(), stored.origin});
    }
    return entries;
  }

  const std::string& kind() const { return kind_; }

 private:
  std::vector<std::string> NamesLocked() const {  // holds mu_
    std::vector<std::string> names;
    names.reserve(defs_.size());
    for (const auto& [name, def] : defs_) names.push_back(name);
    std::sort(names.begin(), names.end());
    return names;
  }

  struct Stored {
    std::unique_ptr<Def> def;
    std::string origin;
  };

  const std::string kind_;
  // std::mutex: ThreadSanitizer sees pthread locks, not uninstrumented
  // Abseil's.
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, Stored> defs_;  // guarded by mu_
};

}  // namespace nabla

#endif  // NABLA_CORE_REGISTRY_H_
