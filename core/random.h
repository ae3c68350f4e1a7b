// Seeded random numbers that are the same on every platform.
//
// std::mt19937_64 is specified exactly by the standard, but the standard
// distributions are not: libstdc++ and libc++ give different values. These
// functions turn the generator's raw output into numbers by formulas written
// here, so a seed means the same weights and the same data order everywhere.
#ifndef NABLA_CORE_RANDOM_H_
#define NABLA_CORE_RANDOM_H_

#include <cstdint>
#include <random>

#include "absl/strings/string_view.h"

namespace nabla {

// Uniform in [0, 1), from the top 53 bits of one draw.
double UniformDouble(std::mt19937_64& rng);

// Uniform in [lo, hi).
double UniformDouble(std::mt19937_64& rng, double lo, double hi);

// Standard normal (Box-Muller; uses two draws per value).
double StandardNormal(std::mt19937_64& rng);

// Uniform integer in [0, n). REQUIRES: n > 0.
uint64_t UniformIndex(std::mt19937_64& rng, uint64_t n);

// Seed for one named stream (a variable's initializer, the data order),
// derived from the session seed and the name with FNV-1a, so streams are
// independent of each other and of the order they are created in.
uint64_t DeriveSeed(uint64_t seed, absl::string_view name);

}  // namespace nabla

#endif  // NABLA_CORE_RANDOM_H_
