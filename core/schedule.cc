#include "core/schedule.h"

namespace nabla {

ScheduleRegistry& ScheduleRegistry::Global() {
  static ScheduleRegistry* registry = new ScheduleRegistry();
  return *registry;
}

ScheduleRegistrar::ScheduleRegistrar(const ScheduleDef& def) {
  if (!StaticRegistrationAllowed("schedule", def.name())) return;
  CheckBuiltinRegistration(ScheduleRegistry::Global().Register(def));
}

}  // namespace nabla
