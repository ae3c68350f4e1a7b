// Helpers over the Communicator of <nabla/communicator.h> for the engine.
#ifndef NABLA_CORE_COMMUNICATOR_H_
#define NABLA_CORE_COMMUNICATOR_H_

#include <string>

#include "absl/status/status.h"
#include "nabla/communicator.h"

namespace nabla {

// "rank 1 of 2" for messages.
std::string DescribeRank(const Communicator& communicator);

// Whether any rank says true (a stop request, a failure seen by one).
[[nodiscard]] absl::Status AnyRank(Communicator& communicator, bool mine,
                                   bool* any);

}  // namespace nabla

#endif  // NABLA_CORE_COMMUNICATOR_H_
