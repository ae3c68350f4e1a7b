#include "core/denormals.h"

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace nabla {
namespace {

#if defined(__x86_64__)
// MXCSR's flush-to-zero (results) and denormals-are-zero (inputs) bits.
constexpr unsigned kFlushBits = 0x8040;
unsigned ReadMode() { return _mm_getcsr(); }
void WriteMode(unsigned mode) { _mm_setcsr(mode); }
#else
constexpr unsigned kFlushBits = 0;
unsigned ReadMode() { return 0; }
void WriteMode(unsigned) {}
#endif

unsigned WithFlush(unsigned mode, bool flush) {
  return flush ? mode | kFlushBits : mode & ~kFlushBits;
}

}  // namespace

ScopedDenormalMode::ScopedDenormalMode(bool flush) : saved_(ReadMode()) {
  WriteMode(WithFlush(saved_, flush));
}

ScopedDenormalMode::~ScopedDenormalMode() { WriteMode(saved_); }

bool FlushesDenormals() {
  return kFlushBits != 0 && (ReadMode() & kFlushBits) == kFlushBits;
}

}  // namespace nabla
