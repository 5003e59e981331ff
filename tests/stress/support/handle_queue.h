// The stress test's hand-over of handles between threads: a thread pushes the
// handles it made, another thread pops them and frees them, so that a key made
// on thread A is freed by thread B (and, while A may still be using it).
#pragma once

#include <sslp11/sslprovider.h>

#include <deque>
#include <mutex>
#include <optional>

namespace sslp11::stresstest {

struct QueuedHandle {
  NCRYPT_HANDLE handle = 0;
  int made_by = -1;  // thread index; -1: the test's main thread
  // Queued twice on purpose: of the two SslFreeObject calls (racing, on two
  // threads) exactly one must succeed, the other give NTE_INVALID_HANDLE.
  bool queued_twice = false;
};

class HandleQueue {
 public:
  void push(QueuedHandle h) {
    std::lock_guard lock(mutex_);
    queue_.push_back(h);
  }
  // Taken before everything else already queued.
  void push_front(QueuedHandle h) {
    std::lock_guard lock(mutex_);
    queue_.push_front(h);
  }
  // The oldest handle made by a thread other than `thread` (nullopt: none).
  std::optional<QueuedHandle> pop_foreign(int thread) {
    std::lock_guard lock(mutex_);
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (it->made_by != thread) {
        QueuedHandle h = *it;
        queue_.erase(it);
        return h;
      }
    }
    return std::nullopt;
  }
  std::optional<QueuedHandle> pop_any() { return pop_foreign(-2); }

 private:
  std::mutex mutex_;
  std::deque<QueuedHandle> queue_;
};

}  // namespace sslp11::stresstest
