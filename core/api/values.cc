#include "nabla/values.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nabla {

int64_t Values::row_size() const {
  int64_t size = 1;
  for (size_t i = shape.empty() ? 0 : 1; i < shape.size(); ++i) {
    size *= shape[i];
  }
  return size;
}

std::string Values::ShapeString() const {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

}  // namespace nabla
