// "constant": every update uses the optimizer's learning_rate.
//
//   rate(t) = base
#include <memory>

#include "core/schedule.h"

namespace nabla {
namespace {

class ConstantSchedule : public LearningRateSchedule {
 public:
  double Rate(int64_t /*t*/, double base) const override { return base; }
};

[[nodiscard]] absl::StatusOr<std::unique_ptr<LearningRateSchedule>>
MakeConstantSchedule(const ResolvedAttrs&) {
  return std::make_unique<ConstantSchedule>();
}

NABLA_REGISTER_SCHEDULE("constant")
    .Factory(MakeConstantSchedule)
    .Doc("The optimizer's learning_rate at every update.");

}  // namespace
}  // namespace nabla
