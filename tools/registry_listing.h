// What `train_graph --list` prints: every registered op, activation, loss,
// layer, optimizer, learning-rate schedule and data source, with its inputs and
// outputs (ops), its attributes and defaults, and where it came from.
#ifndef NABLA_TOOLS_REGISTRY_LISTING_H_
#define NABLA_TOOLS_REGISTRY_LISTING_H_

#include <string>

namespace nabla {

// One section per kind, entries sorted by name:
//
//   activations:
//     LeakyReLU(x) -> (y)  alpha=0.01  [built in]
//         Leaky rectified linear unit ...
std::string ListRegistries();

}  // namespace nabla

#endif  // NABLA_TOOLS_REGISTRY_LISTING_H_
