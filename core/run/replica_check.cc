#include "core/run/replica_check.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

// FNV-1a: the same digest in every process (absl::Hash is seeded per
// process).
uint64_t Digest(absl::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace

[[nodiscard]] absl::Status CheckReplicasAgree(
    Communicator& communicator, absl::Span<const ReplicaPart> parts) {
  std::vector<std::string> digests;
  for (const ReplicaPart& part : parts) {
    digests.push_back(absl::StrCat(Digest(part.content)));
  }
  std::vector<std::string> all;
  NABLA_RETURN_IF_ERROR(
      communicator.AllGather(absl::StrJoin(digests, "\n"), &all));
  const std::vector<std::string> first = absl::StrSplit(all[0], '\n');
  std::vector<std::string> differences;
  for (size_t r = 1; r < all.size(); ++r) {
    const std::vector<std::string> theirs = absl::StrSplit(all[r], '\n');
    std::vector<std::string> names;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i >= first.size() || i >= theirs.size() || first[i] != theirs[i]) {
        names.push_back(parts[i].name);
      }
    }
    if (!names.empty()) {
      differences.push_back(absl::StrCat("rank ", r, " of ", all.size(),
                                         " has another ",
                                         absl::StrJoin(names, ", another ")));
    }
  }
  if (differences.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("data-parallel ranks differ from rank 0: ",
                   absl::StrJoin(differences, "; "),
                   " (every rank must run the same model, plugins, data and "
                   "settings)"));
}

}  // namespace nabla
