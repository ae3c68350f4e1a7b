// Memory for a kernel's intermediate values (the column matrix of a
// convolution): taken from a process-wide pool and handed back when the
// ScratchBuffer goes out of scope. A buffer grows to the largest size asked
// of it and is kept, so after the first steps a kernel allocates nothing.
//
// Not thread-local on purpose: a thread waiting inside a ParallelFor may
// run another kernel's task (TBB steals work while it waits), which would
// then find the same thread-local buffer in use. Each ScratchBuffer holds
// its memory alone until destroyed.
#ifndef NABLA_OPS_SCRATCH_H_
#define NABLA_OPS_SCRATCH_H_

#include <cstddef>

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

}  // namespace nabla

#endif  // NABLA_OPS_SCRATCH_H_
