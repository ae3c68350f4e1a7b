// Counter-based random numbers: a draw is a function of a key and a
// counter, not of a generator's state. Header-only, and part of the plugin
// SDK, so an op in a plugin library draws what a built-in op would.
#ifndef NABLA_CORE_COUNTER_RANDOM_H_
#define NABLA_CORE_COUNTER_RANDOM_H_

#include <cstdint>

namespace nabla {

// SplitMix64's output function: a bijection of 64-bit words whose output
// bits each depend on every input bit.
inline uint64_t MixBits(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform in [0, 1), a function of (key, counter) only: element `counter`
// of the stream `key`, as a counter-based generator draws it. A kernel
// draws element i's number on whichever thread runs i, so its draws do not
// depend on the thread count, and a step's draws can be drawn again (the
// gradient of Dropout, a resumed run) without storing them.
inline double CounterUniform(uint64_t key, uint64_t counter) {
  return static_cast<double>(
             MixBits(key + (counter + 1) * 0x9E3779B97F4A7C15ull) >> 11) *
         0x1.0p-53;
}

// The key of a node's draws at one step, from its seed (DeriveSeed of the
// session seed and the node's name) and the step.
inline uint64_t StepKey(uint64_t node_seed, int64_t step) {
  return MixBits(node_seed ^ MixBits(static_cast<uint64_t>(step)));
}

}  // namespace nabla

#endif  // NABLA_CORE_COUNTER_RANDOM_H_
