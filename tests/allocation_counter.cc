#include "tests/allocation_counter.h"

#include <atomic>
#include <cstddef>

// GCC defines __SANITIZE_ADDRESS__; clang answers __has_feature. For TSan
// ask libstdc++ (_GLIBCXX_TSAN, from <atomic>): --config=tsan undefines
// __SANITIZE_THREAD__ (see .bazelrc) and sets _GLIBCXX_TSAN itself.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || \
    _GLIBCXX_TSAN
#define NABLA_UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define NABLA_UNDER_SANITIZER 1
#endif
#endif

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

#ifdef NABLA_UNDER_SANITIZER
// A sanitizer owns malloc: memory from glibc's allocator would be freed into
// the sanitizer's. Its allocator calls a hook on every allocation instead
// (sanitizer/allocator_interface.h, which GCC does not install).
extern "C" int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void*, size_t),
    void (*free_hook)(const volatile void*));

namespace {
void CountAllocation(const volatile void*, size_t) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
}
void IgnoreFree(const volatile void*) {}
// The sanitizer refuses a null hook.
[[maybe_unused]] const bool g_hooks_installed =
    __sanitizer_install_malloc_and_free_hooks(CountAllocation, IgnoreFree) != 0;
}  // namespace
#else
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* malloc(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
void* calloc(size_t n, size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(n, size);
}
void* realloc(void* p, size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, size);
}
}
#endif

namespace nabla {

long AllocationCount() { return g_allocations.load(); }

}  // namespace nabla
