// A module's call lock: held shared by every call made through a session
// lease, exclusively by re-initialisation (C_Finalize must not run under a
// call in flight).
//
// Why not std::shared_timed_mutex: it keeps one reader count, which every
// shared lock and unlock writes. On a token whose operation takes half a
// microsecond (NSS softoken, a 256-byte AES-GCM record) two threads spent much
// of their time handing that cache line back and forth. Here each thread
// counts in a slot of its own cache line, and the rare exclusive holder closes
// the gate and waits for every slot to drain.
//
// Writer-preferring: once the gate is closing, new shared holders wait -- except
// a thread that already holds it shared (a nested lease), which passes, since
// the writer waits for it anyway. A shared hold must be released by the thread
// that took it (its slot is the thread's).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace sslp11::p11 {

class CallGate {
 public:
  CallGate() = default;
  CallGate(const CallGate&) = delete;
  CallGate& operator=(const CallGate&) = delete;

  // SharedLockable, for std::shared_lock.
  void lock_shared();
  bool try_lock_shared();  // may allocate this thread's bookkeeping once
  void unlock_shared() noexcept;

  // Exclusive, for std::unique_lock. try_lock_for gives up after `wait` (0:
  // one try) and then lets shared holders in again. There is deliberately no
  // unbounded lock(): a shared holder may be waiting for something a thread
  // held up at the closed gate has, and the timeout is what breaks that.
  bool try_lock_for(std::chrono::steady_clock::duration wait);
  void unlock() noexcept;

 private:
  static constexpr std::size_t kSlots = 64;
  struct alignas(64) Slot {
    std::atomic<std::int64_t> holders{0};
  };

  Slot& my_slot() noexcept;
  bool drained() const noexcept;
  // This thread's shared holds of this gate (see the .cpp).
  int& my_depth();

  std::array<Slot, kSlots> slots_{};
  std::atomic<bool> closed_{false};  // an exclusive holder is draining or has drained the slots
  std::mutex writer_;                // one exclusive holder at a time
  std::mutex reopen_mutex_;
  std::condition_variable reopened_;
};

}  // namespace sslp11::p11
