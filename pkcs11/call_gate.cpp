#include "pkcs11/call_gate.h"

#include <algorithm>
#include <thread>
#include <vector>

namespace sslp11::p11 {

namespace {

std::atomic<std::size_t> g_next_slot{0};

// Each thread's slot index, handed out round-robin so threads started together
// land on different cache lines.
std::size_t this_thread_slot() noexcept {
  thread_local const std::size_t slot = g_next_slot.fetch_add(1, std::memory_order_relaxed);
  return slot;
}

// Per thread: how deeply it holds each gate shared. One entry per gate the
// thread holds (one per loaded module, so usually one); an entry whose depth
// is back to 0 is reused for the next gate.
struct Depth {
  const CallGate* gate = nullptr;
  int depth = 0;
};
thread_local std::vector<Depth> t_depths;

// How long an exclusive holder sleeps between looks at the slots: calls in
// flight end within microseconds to milliseconds, and this path runs only
// after a token connection was lost.
constexpr std::chrono::microseconds kDrainPoll{50};

}  // namespace

CallGate::Slot& CallGate::my_slot() noexcept { return slots_[this_thread_slot() % kSlots]; }

int& CallGate::my_depth() {
  Depth* vacant = nullptr;
  for (Depth& d : t_depths) {
    if (d.gate == this) return d.depth;
    if (vacant == nullptr && d.depth == 0) vacant = &d;
  }
  if (vacant == nullptr) vacant = &t_depths.emplace_back();
  vacant->gate = this;
  return vacant->depth;
}

bool CallGate::drained() const noexcept {
  return std::all_of(slots_.begin(), slots_.end(),
                     [](const Slot& s) { return s.holders.load(std::memory_order_seq_cst) == 0; });
}

bool CallGate::try_lock_shared() {
  int& depth = my_depth();  // may allocate: before the slot is taken
  Slot& slot = my_slot();
  // seq_cst on both sides: either this thread sees the gate closing, or the
  // exclusive holder sees this slot taken and waits for it.
  slot.holders.fetch_add(1, std::memory_order_seq_cst);
  if (depth > 0 || !closed_.load(std::memory_order_seq_cst)) {
    ++depth;
    return true;
  }
  slot.holders.fetch_sub(1, std::memory_order_seq_cst);
  return false;
}

void CallGate::lock_shared() {
  while (!try_lock_shared()) {
    std::unique_lock lock(reopen_mutex_);
    reopened_.wait(lock, [this] { return !closed_.load(std::memory_order_seq_cst); });
  }
}

void CallGate::unlock_shared() noexcept {
  --my_depth();  // the entry exists: no allocation
  my_slot().holders.fetch_sub(1, std::memory_order_release);
}

bool CallGate::try_lock_for(std::chrono::steady_clock::duration wait) {
  // Polled with try_lock rather than timed_mutex::try_lock_until: GCC 12's
  // ThreadSanitizer does not intercept the pthread_mutex_clocklock behind it
  // and then reports every unlock as one of an unlocked mutex.
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (!writer_.try_lock()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kDrainPoll);
  }
  closed_.store(true, std::memory_order_seq_cst);
  for (;;) {
    if (drained()) return true;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(kDrainPoll);
  }
  unlock();
  return false;
}

void CallGate::unlock() noexcept {
  {
    std::lock_guard lock(reopen_mutex_);
    closed_.store(false, std::memory_order_seq_cst);
  }
  reopened_.notify_all();
  writer_.unlock();
}

}  // namespace sslp11::p11
