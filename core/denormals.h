// Flushing denormal floats to zero while nabla computes.
//
// Arithmetic on denormals (magnitudes below 1.2e-38 in float) takes a slow
// microcode path on x86-64, many times slower than on normal numbers; a
// network whose loss has become tiny can spend most of a step there. With
// the MXCSR register's flush-to-zero and denormals-are-zero bits set, such
// values are read and written as zero at full speed (TensorFlow's thread
// pools do the same). Every thread that runs a step's work sets the same
// bits, so results stay bit-identical for any thread count: the executor
// sets them on the thread that enters a step, and TBB gives each task the
// mode its task_group_context captured from the thread that started it
// (core/executor.cc, core/parallel.h).
//
// Elsewhere than x86-64 these do nothing.
#ifndef NABLA_CORE_DENORMALS_H_
#define NABLA_CORE_DENORMALS_H_

namespace nabla {

// While it lives, the calling thread flushes denormals (when `flush`) or
// keeps them (otherwise); its earlier setting returns afterwards.
class ScopedDenormalMode {
 public:
  explicit ScopedDenormalMode(bool flush);
  ~ScopedDenormalMode();
  ScopedDenormalMode(const ScopedDenormalMode&) = delete;
  ScopedDenormalMode& operator=(const ScopedDenormalMode&) = delete;

 private:
  unsigned saved_;
};

// Whether the calling thread flushes denormals now.
bool FlushesDenormals();

}  // namespace nabla

#endif  // NABLA_CORE_DENORMALS_H_
