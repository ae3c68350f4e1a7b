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
      // The smallest free block that is large enough, else the largest
      // (it grows): a small request does not take a block a larger one
      // needs, so the blocks settle at the sizes kernels ask for at once.
      auto chosen = pool.free.begin();
      for (auto it = pool.free.begin(); it != pool.free.end(); ++it) {
        const bool fits = (*it)->bytes >= bytes;
        const bool chosen_fits = (*chosen)->bytes >= bytes;
        if (fits ? !chosen_fits || (*it)->bytes < (*chosen)->bytes
                 : !chosen_fits && (*it)->bytes > (*chosen)->bytes) {
          chosen = it;
        }
      }
      block_ = *chosen;
      pool.free.erase(chosen);
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

KernelScratch::KernelScratch(absl::Span<char> planned, size_t bytes) {
  if (planned.size() >= bytes) {
    data_ = planned.data();
    return;
  }
  own_.emplace(bytes);
  data_ = own_->data<char>();
}

}  // namespace nabla
