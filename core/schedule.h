// Learning-rate schedules: how the rate changes from one update to the
// next, for any optimizer, and the registry that holds them.
//
//   NABLA_REGISTER_SCHEDULE("step")
//       .RequiredAttr("step_size", AttrType::kInt)
//       .Attr("gamma", 0.1)
//       .Factory(MakeStepSchedule);
//
// Schedules count updates, not epochs: t is the number of updates made
// before this one, so the first update has t = 0.
#ifndef NABLA_CORE_SCHEDULE_H_
#define NABLA_CORE_SCHEDULE_H_

#include <cstdint>
#include <memory>

#include "core/factory_registry.h"
#include "core/plugin_build.h"

namespace nabla {

class LearningRateSchedule {
 public:
  virtual ~LearningRateSchedule() = default;

  // The rate of update t, given the optimizer's learning_rate `base`.
  virtual double Rate(int64_t t, double base) const = 0;
};

using ScheduleDef = FactoryDef<LearningRateSchedule>;

class ScheduleRegistry : public FactoryRegistry<LearningRateSchedule> {
 public:
  static ScheduleRegistry& Global();

  ScheduleRegistry() : FactoryRegistry<LearningRateSchedule>("schedule") {}
};

class ScheduleRegistrar {
 public:
  ScheduleRegistrar(const ScheduleDef& def);  // NOLINT: macro chain.
};

#define NABLA_REGISTER_SCHEDULE(name) \
  NABLA_REGISTER_SCHEDULE_IMPL_(__COUNTER__, name)
#define NABLA_REGISTER_SCHEDULE_IMPL_(counter, name) \
  NABLA_REGISTER_SCHEDULE_IMPL2_(counter, name)
#define NABLA_REGISTER_SCHEDULE_IMPL2_(counter, name)                  \
  [[maybe_unused]] static const NABLA_STATIC_REGISTRAR_(               \
      ::nabla::ScheduleRegistrar) nabla_schedule_registrar_##counter = \
      ::nabla::ScheduleDef(name)

}  // namespace nabla

#endif  // NABLA_CORE_SCHEDULE_H_
