// Memory for a kernel's intermediate values (the column matrix of a
// convolution). In a plan, the planner gives each kernel step the scratch
// its shape function asked for (NodeRun::scratch()); KernelScratch uses
// that, or, outside a plan (op tests, gradient checks) or when the planned
// bytes are too few, a ScratchBuffer.
//
// A ScratchBuffer is taken from a process-wide pool and handed back when it
// goes out of scope. A buffer grows to the largest size asked of it and is
// kept, so after the first calls a kernel allocates nothing.
//
// Not thread-local on purpose: a thread waiting inside a ParallelFor may
// run another kernel's task (TBB steals work while it waits), which would
// then find the same thread-local buffer in use. Each ScratchBuffer holds
// its memory alone until destroyed.
#ifndef NABLA_OPS_SCRATCH_H_
#define NABLA_OPS_SCRATCH_H_

#include <cstddef>
#include <optional>

#include "absl/types/span.h"

namespace nabla {

class ScratchBuffer {
 public:
  // At least `bytes` bytes, aligned to 64, contents unspecified; or, when
  // the memory cannot be had, none: check ok() before data().
  explicit ScratchBuffer(size_t bytes);
  ~ScratchBuffer();
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;

  bool ok() const { return block_->memory != nullptr || wanted_ == 0; }

  template <typename T>
  T* data() const {
    return static_cast<T*>(block_->memory);
  }

  struct Block {
    void* memory = nullptr;
    size_t bytes = 0;
  };

 private:
  Block* block_;
  size_t wanted_;
};

// `bytes` of scratch for one kernel call: `planned` when it holds that
// many, else a ScratchBuffer of its own. Aligned to 64 either way.
class KernelScratch {
 public:
  KernelScratch(absl::Span<char> planned, size_t bytes);
  KernelScratch(const KernelScratch&) = delete;
  KernelScratch& operator=(const KernelScratch&) = delete;

  bool ok() const { return own_.has_value() ? own_->ok() : true; }
  // The piece at byte `offset`, as T.
  template <typename T>
  T* at(size_t offset) const {
    return reinterpret_cast<T*>(data_ + offset);
  }

 private:
  std::optional<ScratchBuffer> own_;
  char* data_ = nullptr;
};

}  // namespace nabla

#endif  // NABLA_OPS_SCRATCH_H_
