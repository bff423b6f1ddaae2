// Move-only callables with room for small captures inline: the event queue's callbacks and the
// disks' sync completions.
//
// Nearly every event the simulator schedules is a lambda capturing a few words (a pointer, a host,
// a slot, an id): std::function keeps only 16 bytes inline and allocates beyond that, and every
// move of it goes through its manager. Here captures of up to kInlineBytes live in the object;
// a trivially copyable capture moves with a plain copy of its bytes and needs no destructor.
// Larger captures (rare) go to the heap.
#pragma once

#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace consim::sim {

template <typename Signature>
class SmallFunction;

template <typename... Args>
class SmallFunction<void(Args...)> {
 public:
  static constexpr size_t kInlineBytes = 48;

  SmallFunction() = default;
  SmallFunction(std::nullptr_t) {}  // NOLINT(google-explicit-constructor)
  template <typename F>
  requires(!std::is_same_v<std::decay_t<F>, SmallFunction> && std::is_invocable_v<std::decay_t<F>&, Args...>)
      SmallFunction(F&& function) {  // NOLINT(google-explicit-constructor)
    using Stored = std::decay_t<F>;
    if constexpr (fits_inline<Stored>()) {
      ::new (static_cast<void*>(storage_)) Stored(std::forward<F>(function));
      ops_ = &kInlineOps<Stored>;
    } else {
      Stored* boxed = new Stored(std::forward<F>(function));
      std::memcpy(storage_, &boxed, sizeof boxed);
      ops_ = &kHeapOps<Stored>;
    }
  }
  SmallFunction(SmallFunction&& other) noexcept : ops_(other.ops_) { take(other); }
  SmallFunction& operator=(SmallFunction&& other) noexcept {
    if (this != &other) {
      reset();
      ops_ = other.ops_;
      take(other);
    }
    return *this;
  }
  SmallFunction& operator=(std::nullptr_t) {
    reset();
    return *this;
  }
  SmallFunction(const SmallFunction&) = delete;
  SmallFunction& operator=(const SmallFunction&) = delete;
  ~SmallFunction() { reset(); }

  void operator()(Args... args) const { ops_->invoke(storage_, std::forward<Args>(args)...); }
  explicit operator bool() const { return ops_ != nullptr; }
  friend bool operator==(const SmallFunction& function, std::nullptr_t) { return function.ops_ == nullptr; }

 private:
  struct Ops {
    void (*invoke)(void* storage, Args&&... args);
    // Both null for a trivially copyable capture: its bytes are copied, nothing is destroyed.
    void (*move)(void* to, void* from);  // move-constructs into `to` and destroys `from`
    void (*destroy)(void* storage);
  };

  template <typename Stored>
  static constexpr bool fits_inline() {
    return sizeof(Stored) <= kInlineBytes && alignof(Stored) <= alignof(std::max_align_t) &&
           std::is_nothrow_move_constructible_v<Stored>;
  }
  template <typename Stored>
  static constexpr bool trivial() {
    return std::is_trivially_copyable_v<Stored> && std::is_trivially_destructible_v<Stored>;
  }
  template <typename Stored>
  static Stored& inline_object(void* storage) {
    return *std::launder(static_cast<Stored*>(storage));
  }
  template <typename Stored>
  static Stored* boxed_object(void* storage) {
    Stored* boxed;
    std::memcpy(&boxed, storage, sizeof boxed);
    return boxed;
  }

  template <typename Stored>
  static constexpr Ops kInlineOps{
      [](void* storage, Args&&... args) { inline_object<Stored>(storage)(std::forward<Args>(args)...); },
      trivial<Stored>() ? nullptr
                        : +[](void* to, void* from) {
                            ::new (to) Stored(std::move(inline_object<Stored>(from)));
                            inline_object<Stored>(from).~Stored();
                          },
      trivial<Stored>() ? nullptr : +[](void* storage) { inline_object<Stored>(storage).~Stored(); },
  };
  template <typename Stored>
  static constexpr Ops kHeapOps{
      [](void* storage, Args&&... args) { (*boxed_object<Stored>(storage))(std::forward<Args>(args)...); },
      nullptr,  // the pointer is copied
      [](void* storage) { delete boxed_object<Stored>(storage); },
  };

  // Moves `other`'s callable into this (ops_ already copied) and leaves `other` empty.
  void take(SmallFunction& other) noexcept {
    if (ops_ != nullptr) {
      if (ops_->move != nullptr) {
        ops_->move(storage_, other.storage_);
      } else {
        // The whole buffer, a fixed size: a few vector moves instead of a call to memcpy with
        // the capture's size (the bytes past it are copied but never read).
        std::memcpy(storage_, other.storage_, kInlineBytes);
      }
    }
    other.ops_ = nullptr;
  }
  void reset() {
    if (ops_ != nullptr && ops_->destroy != nullptr) {
      ops_->destroy(storage_);
    }
    ops_ = nullptr;
  }

  // Mutable: calling does not change which callable this holds (as with std::function).
  alignas(std::max_align_t) mutable unsigned char storage_[kInlineBytes];
  const Ops* ops_ = nullptr;
};

// What the event queue runs.
using Callback = SmallFunction<void()>;

}  // namespace consim::sim
