#include "plugins/losses/class_weights.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace nabla {

absl::Status ClassWeights::Check(const ResolvedAttrs& attrs, int64_t classes) {
  const absl::Span<const double> weights = attrs.GetFloatList("class_weights");
  if (weights.empty()) return absl::OkStatus();
  if (classes >= 0 && static_cast<int64_t>(weights.size()) != classes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'class_weights' has ", weights.size(),
        " weights, but there are ", classes, " classes: give one per class"));
  }
  for (size_t k = 0; k < weights.size(); ++k) {
    if (!(weights[k] >= 0) || !std::isfinite(weights[k])) {
      return absl::InvalidArgumentError(
          absl::StrCat("attribute 'class_weights' holds ", weights[k],
                       " for class ", k, "; weights must be finite and >= 0"));
    }
  }
  return absl::OkStatus();
}

}  // namespace nabla
