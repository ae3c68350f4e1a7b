#include "core/random.h"

#include <cmath>

namespace nabla {

double UniformDouble(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

double UniformDouble(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * UniformDouble(rng);
}

double StandardNormal(std::mt19937_64& rng) {
  // 1 - u is in (0, 1], so the logarithm is finite.
  const double u1 = 1.0 - UniformDouble(rng);
  const double u2 = UniformDouble(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

uint64_t UniformIndex(std::mt19937_64& rng, uint64_t n) {
  // Rejection sampling removes the modulo bias.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do {
    x = rng();
  } while (x >= limit);
  return x % n;
}

uint64_t DeriveSeed(uint64_t seed, absl::string_view name) {
  uint64_t hash = 14695981039346656037ull;
  auto mix = [&hash](unsigned char byte) {
    hash ^= byte;
    hash *= 1099511628211ull;
  };
  for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(seed >> (8 * i)));
  for (char c : name) mix(static_cast<unsigned char>(c));
  return hash;
}

}  // namespace nabla
