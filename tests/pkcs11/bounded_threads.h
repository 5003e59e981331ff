// Threads for tests that must never hang: a one-shot Signal and a Worker whose
// result is awaited with a bound. A Worker still running when its test ends (a
// failure) is given a grace period and then detached rather than joined, so
// whatever it uses must be owned by it (e.g. captured shared_ptr), never
// borrowed from the test's stack.
#pragma once

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <utility>

namespace sslp11::test {

using Clock = std::chrono::steady_clock;

class Signal {
 public:
  void set() {
    {
      std::lock_guard lock(mutex_);
      set_ = true;
    }
    cv_.notify_all();
  }
  // True once set(); false when `d` passed first.
  bool wait_for(Clock::duration d) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, d, [this] { return set_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool set_ = false;
};

template <class R>
class Worker {
 public:
  static constexpr std::chrono::seconds kGrace{45};

  template <class F>
  explicit Worker(F f) {
    std::packaged_task<R()> task(std::move(f));
    future_ = task.get_future();
    thread_ = std::thread(std::move(task));
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  // A thread still running here belongs to a failed test. It gets a grace
  // period to finish (e.g. a blocked acquire() reaching its timeout), so it
  // does not run on into later tests or the process's exit; past that it is
  // detached.
  ~Worker() {
    if (!thread_.joinable()) return;
    if (!future_.valid() || future_.wait_for(kGrace) == std::future_status::ready) {
      thread_.join();
    } else {
      thread_.detach();
    }
  }
  // The function returned (or threw) within `d`.
  bool ready_within(Clock::duration d) const { return future_.wait_for(d) == std::future_status::ready; }
  // Its result (rethrows what it threw). Only after ready_within() said so.
  R get() { return future_.get(); }
  // Waits for the thread itself to end, thread_local destructors included.
  // Only after ready_within() said so: the rest is the thread's exit.
  void join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::future<R> future_;
  std::thread thread_;
};

}  // namespace sslp11::test
