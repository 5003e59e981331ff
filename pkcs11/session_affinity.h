// Session affinity of the pool (see the top of session_pool.h): a thread that
// gives a session back keeps it parked for itself, so its next acquire
// claims it with one compare-and-swap on the session's own record instead of
// the pool mutex every thread shares. Internal to pkcs11/: the thread's side
// (which session it parked with which pool) lives here; the pool's side is
// the SessionPool::*park* members, implemented in session_affinity.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "pkcs11/session_pool.h"

namespace sslp11::p11 {

// Nonzero, unique per thread for the life of the process (a pthread_t can be
// reused by a later thread; this cannot).
std::uint64_t this_thread_id() noexcept;

// This thread's parked sessions: one per pool, for a few pools (a thread
// rarely works with more tokens than this; beyond them it just does not park).
// When the thread exits, each goes back to its pool's idle list.
struct AffinityCache {
  struct Entry {
    std::uint64_t pool_id = 0;
    // Moved into the lease while the thread uses it (and back after), which
    // saves two reference-count updates per lease; `raw` names it meanwhile.
    std::shared_ptr<SessionRecord> record;
    SessionRecord* raw = nullptr;
    std::weak_ptr<SessionPool> pool;  // only for the thread's exit: the hot path has `this`
  };
  std::array<Entry, 4> entries;

  Entry* find(std::uint64_t pool_id) noexcept {
    for (auto& e : entries) {
      if (e.pool_id == pool_id) return &e;
    }
    return nullptr;
  }
  Entry* vacant() noexcept {
    for (auto& e : entries) {
      if (e.pool_id == 0 || e.pool.expired()) {
        e = Entry{};
        return &e;
      }
    }
    return nullptr;
  }
  ~AffinityCache();
};

// The calling thread's cache.
AffinityCache& affinity() noexcept;

}  // namespace sslp11::p11
