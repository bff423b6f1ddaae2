// Shared objects allocated from per-size free lists: std::allocate_shared with PoolAllocator.
//
// The simulation makes and drops a shared message or disk record for nearly every event; the
// general-purpose allocator costs more than the rest of building one. Freed blocks go on a free
// list for their size (per thread, kept until the process exits: the pool is as large as the
// most blocks of that size ever alive at once in its thread). Addresses never influence behaviour, so this
// changes nothing but speed.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

namespace consim {

namespace detail {

// The free list of blocks of `Size` bytes (aligned for any ordinary type).
template <size_t Size>
class BlockPool {
 public:
  // Never destroyed: a shared object may be dropped during static destruction, after a pool
  // destructor would have run. What the pool holds at exit is left to the system. Every pool is
  // also listed (enlist()), so that the blocks of a thread that ended (a fuzzing job) are still
  // reachable rather than leaked (LeakSanitizer checks that).
  static BlockPool& instance() {
    thread_local BlockPool* pool = enlist(new BlockPool());
    return *pool;
  }
  void* take() {
    if (free_.empty()) {
      return ::operator new(Size);
    }
    void* block = free_.back();
    free_.pop_back();
    return block;
  }
  void give_back(void* block) { free_.push_back(block); }

 private:
  static BlockPool* enlist(BlockPool* pool) {
    static std::mutex* mutex = new std::mutex();
    static std::vector<BlockPool*>* all = new std::vector<BlockPool*>();
    const std::lock_guard<std::mutex> lock(*mutex);
    all->push_back(pool);
    return pool;
  }

  std::vector<void*> free_;
};

}  // namespace detail

template <typename T>
struct PoolAllocator {
  using value_type = T;

  PoolAllocator() = default;
  template <typename U>
  PoolAllocator(const PoolAllocator<U>&) {}  // NOLINT(google-explicit-constructor)

  T* allocate(size_t count) {
    static_assert(alignof(T) <= alignof(std::max_align_t));
    if (count != 1) {
      return static_cast<T*>(::operator new(count * sizeof(T)));
    }
    return static_cast<T*>(detail::BlockPool<sizeof(T)>::instance().take());
  }
  void deallocate(T* pointer, size_t count) {
    if (count != 1) {
      ::operator delete(pointer);
      return;
    }
    detail::BlockPool<sizeof(T)>::instance().give_back(pointer);
  }

  template <typename U>
  bool operator==(const PoolAllocator<U>&) const {
    return true;
  }
};

// std::make_shared, from the pool.
template <typename T, typename... Args>
std::shared_ptr<T> make_pooled(Args&&... args) {
  return std::allocate_shared<T>(PoolAllocator<T>(), std::forward<Args>(args)...);
}

}  // namespace consim
