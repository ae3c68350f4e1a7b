#include "ops/scratch.h"

#include <mutex>
#include <new>
#include <vector>

namespace nabla {
namespace {

constexpr std::align_val_t kAlignment{64};

// Blocks not in use. Never freed: the pool holds as many blocks as kernels
// ever ran at once, each as large as the most any of them asked for.
struct Pool {
  std::mutex mutex;
  std::vector<ScratchBuffer::Block*> free;
};

Pool& ThePool() {
  static Pool* pool = new Pool;
  return *pool;
}

}  // namespace

ScratchBuffer::ScratchBuffer(size_t bytes) : wanted_(bytes) {
  Pool& pool = ThePool();
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    if (pool.free.empty()) {
      block_ = new Block;
    } else {
      // The largest free block: the one most likely to need no growing.
      auto largest = pool.free.begin();
      for (auto it = pool.free.begin(); it != pool.free.end(); ++it) {
        if ((*it)->bytes > (*largest)->bytes) largest = it;
      }
      block_ = *largest;
      pool.free.erase(largest);
    }
  }
  if (block_->bytes < bytes) {
    ::operator delete(block_->memory, kAlignment);
    block_->memory = ::operator new(bytes, kAlignment, std::nothrow);
    block_->bytes = block_->memory == nullptr ? 0 : bytes;
  }
}

ScratchBuffer::~ScratchBuffer() {
  Pool& pool = ThePool();
  std::lock_guard<std::mutex> lock(pool.mutex);
  pool.free.push_back(block_);
}

}  // namespace nabla
