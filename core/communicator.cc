#include "core/communicator.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace nabla {

std::string DescribeRank(const Communicator& communicator) {
  return absl::StrCat("rank ", communicator.rank(), " of ",
                      communicator.size());
}

[[nodiscard]] absl::Status AnyRank(Communicator& communicator, bool mine,
                                   bool* any) {
  double count = mine ? 1 : 0;
  NABLA_RETURN_IF_ERROR(communicator.AllReduceSum(absl::MakeSpan(&count, 1)));
  *any = count > 0;
  return absl::OkStatus();
}

}  // namespace nabla
