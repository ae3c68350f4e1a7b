// What a public nabla::Model holds, private to core/api: the run of its
// model file (core/run/model_run.h) and the replicas that serve concurrent
// predictions. Split out so that training (model.cc) and inference
// (model_inference.cc) live in files of their own.
#ifndef NABLA_CORE_API_MODEL_STATE_H_
#define NABLA_CORE_API_MODEL_STATE_H_

#include <cstdint>
#include <memory>
#include <new>

#include "absl/status/statusor.h"
#include "core/api/replica_pool.h"
#include "core/run/model_run.h"
#include "nabla/model.h"

namespace nabla {

namespace internal {

struct ModelState {
  ModelOptions options;
  std::unique_ptr<ModelRun> run;
  // Changes whenever the variables do, so replicas know to copy them.
  uint64_t version = 1;
  std::unique_ptr<ReplicaPool> replicas;
};

}  // namespace internal

// Runs `fn`, turning an allocation failure into ResourceExhausted: a model
// or a batch can still need more memory than the machine has.
template <typename Fn>
auto ReportingOutOfMemory(Fn fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        "out of memory: the model or its data needs more memory than this "
        "machine has");
  }
}

// Why `what` cannot use the model's data when it was loaded without it.
[[nodiscard]] absl::Status CheckDataLoaded(const internal::ModelState& state,
                                           absl::string_view what);

}  // namespace nabla

#endif  // NABLA_CORE_API_MODEL_STATE_H_
