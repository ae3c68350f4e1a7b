// A model's summary, as Keras's model.summary(): each layer (a composite
// as the model file wrote it, or a plain node) with its output shape and
// its parameters, and the totals.
//
//   layer (op)                output shape      params
//   image (Placeholder)       [?, 1, 28, 28]         0
//   conv1 (Conv2DLayer)       [?, 32, 28, 28]      320
//   ...
//   parameters: 421642 trainable (1.61 MiB), 0 state (0 B)
//   memory of a training step: 41.5 MiB peak (plan buffers ..., ...)
#ifndef NABLA_CORE_RUN_MODEL_SUMMARY_H_
#define NABLA_CORE_RUN_MODEL_SUMMARY_H_

#include <string>

#include "core/graph.h"
#include "core/profile.h"

namespace nabla {

// Rows in graph order; a layer's row stands for every node it expanded
// into and counts all their Variables' elements. Variables with trainable:
// false (BatchNorm's running statistics) count as state. With `memory`
// (a training step's), its peak and parts close the summary.
std::string FormatModelSummary(const Graph& graph,
                               const MemoryPlan* memory = nullptr);

}  // namespace nabla

#endif  // NABLA_CORE_RUN_MODEL_SUMMARY_H_
