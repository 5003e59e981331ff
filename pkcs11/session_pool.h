// A bounded, thread-safe pool of R/W sessions on one token, logged in as user.
// This file and session_pool.cpp: the pool and its leases. The pieces it is
// built from, each in its own unit: session_affinity.* (a thread keeps the
// session it returned), token_recovery.* (finding the token again after a
// loss), login.* (one user login per token and PIN).
//
// PKCS#11 facts that shape it: session objects die with the session that
// created them, so the pool never closes a healthy session while it lives;
// login state is per token and application, so one C_Login covers every
// session; a module may invalidate sessions behind our back (token reset,
// C_CloseAllSessions, remote HSM restart), so a lost session is detected on
// use, dropped, and the operation retried once on a fresh one. A module that
// lost the token altogether (p11-kit-client whose server went away) is
// re-initialised, which starts a new module epoch: sessions and objects of an
// older epoch are dead, never used again (their handle numbers get reused).
//
// Session affinity: a thread that gives a session back keeps it parked for
// itself, so its next acquire claims it with one compare-and-swap on the
// session's own record instead of the pool mutex that every thread shares
// (on a fast token that mutex, not the token, limited two threads' records).
// A parked session is still the pool's: another thread that finds no idle
// session and no room to open one takes a parked one that is not in use.
// (The parking members below are implemented in session_affinity.cpp.)
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "pkcs11/login.h"
#include "pkcs11/module.h"
#include "pkcs11/secure_buffer.h"
#include "pkcs11/token_recovery.h"

namespace sslp11::p11 {

// One open session. Objects keep a reference to the record of the session that
// created them: when the session is found dead, so are they.
struct SessionRecord {
  CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
  std::atomic<bool> alive{true};
  std::uint64_t generation = 0;
  std::uint64_t module_epoch = 0;  // Module::epoch() when opened
  std::uint64_t handle_space = 0;  // Module::handle_space() when opened
  // Parked (see the top of this file): the id of the thread it waits for, 0
  // while in use or not parked. Claiming it is a CAS from that id to 0, by
  // its thread (affinity) or by any thread that steals it.
  std::atomic<std::uint64_t> parked_for{0};
  bool parked = false;  // in the pool's parked_ list; guarded by the pool mutex
};

struct PoolOptions {
  std::size_t max_sessions = 8;
  std::chrono::milliseconds acquire_timeout{30000};
};

class SessionPool;

// Exclusive use of one pooled session; returns it to the pool when destroyed.
// It also holds the module's call lock shared, so the module cannot be
// re-initialised under it: a handle checked while a lease is held stays valid
// until the lease goes.
class Lease {
 public:
  Lease(Lease&& o) noexcept
      : pool_(std::exchange(o.pool_, nullptr)),
        record_(std::move(o.record_)),
        calls_(std::move(o.calls_)),
        parked_for_(std::exchange(o.parked_for_, 0)) {}
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  ~Lease();

  CK_SESSION_HANDLE handle() const noexcept { return record_->handle; }
  const std::shared_ptr<SessionRecord>& record() const noexcept { return record_; }
  const Api& api() const noexcept;
  // The session is broken: close it instead of returning it.
  void discard() noexcept;

 private:
  friend class SessionPool;
  Lease(SessionPool* pool, std::shared_ptr<SessionRecord> record, std::shared_lock<CallGate> calls,
        std::uint64_t parked_for = 0);
  SessionPool* pool_;
  std::shared_ptr<SessionRecord> record_;
  std::shared_lock<CallGate> calls_;  // released after give_back (see ~Lease)
  std::uint64_t parked_for_;  // a parked session claimed by this thread id: parked again on return
};

class SessionPool : public std::enable_shared_from_this<SessionPool> {
 public:
  struct Private {};
  // `pin` may be empty for tokens without CKF_LOGIN_REQUIRED. Nothing is opened
  // until the first acquire().
  static std::shared_ptr<SessionPool> create(std::shared_ptr<Module> module, CK_SLOT_ID slot, Pin pin,
                                             PoolOptions options = {});
  SessionPool(Private, std::shared_ptr<Module> module, CK_SLOT_ID slot, Pin pin, PoolOptions options);
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;
  ~SessionPool();

  // Borrow a session, opening (and logging in) a new one while under the bound,
  // otherwise waiting for a return. Reconnects once when the token cannot be
  // reached. Throws p11::Error / LayerError (Fault::token_unreachable when
  // the token stays unreachable, Fault::forked in a child after fork()).
  Lease acquire();

  // Run `op(Lease&)`. If the token says the session was lost, or the login was,
  // or the token went away, recover (drop the session / log in again /
  // re-initialise the module) and run `op` once more.
  template <class Op>
  decltype(auto) run(Op&& op) {
    for (int attempt = 0;; ++attempt) {
      Lease lease = acquire();
      try {
        return op(lease);
      } catch (const Error& e) {
        if (!recover(e, lease, attempt)) throw;
      }
    }
  }

  // The session is open in this module epoch, in this process, and was not
  // found lost: its objects may be used. Two atomic loads, no token call.
  bool is_current(const SessionRecord& record) const noexcept {
    return record.alive.load(std::memory_order_acquire) && !module_->forked() &&
           record.module_epoch == module_->epoch();
  }

  // Replace the PIN after a rejection (the pool never retries a rejected PIN).
  void set_pin(Pin pin);
  // Close every session (idle now, and busy ones when they come back), and
  // the orphans: sessions whose C_CloseSession failed earlier (see orphans_).
  // Used when a lost token answers again, before it takes new work.
  void reset();

  const Module& module() const noexcept { return *module_; }
  const std::shared_ptr<Module>& module_ptr() const noexcept { return module_; }
  const Api& api() const noexcept { return module_->api(); }
  // May change when a re-initialised module numbers its slots afresh.
  CK_SLOT_ID slot() const noexcept { return recovery_.slot(); }
  bool login_required() const noexcept { return login_required_; }
  std::size_t open_sessions() const;
  // Not in use: waiting in the pool, or parked with a thread.
  std::size_t idle_sessions() const;
  std::size_t max_sessions() const noexcept { return options_.max_sessions; }

 private:
  friend class Lease;
  friend struct AffinityCache;
  SessionPool(std::shared_ptr<Module> module, CK_SLOT_ID slot, const CK_TOKEN_INFO& info, Pin pin,
              PoolOptions options);
  // `may_park`: false where this thread must not keep it (its exit, a stale claim).
  void give_back(std::shared_ptr<SessionRecord> record, bool broken, bool may_park = true) noexcept;
  // Keep `record` parked for this thread; false when the thread has one
  // parked here already or no room for another pool. mutex_ held.
  bool park_locked(const std::shared_ptr<SessionRecord>& record) noexcept;
  // A lease of a parked session ends: parked again for `owner`, without the
  // pool mutex while the session is healthy.
  void give_back_parked(std::shared_ptr<SessionRecord> record, std::uint64_t owner) noexcept;
  // The thread's parked session, claimed; empty when it has none or lost it.
  std::shared_ptr<SessionRecord> claim_parked(std::uint64_t owner);
  // A claimed parked session that is not going back to its thread: out of parked_.
  void unpark_locked(SessionRecord& record) noexcept;
  // A parked session that is not in use, claimed for the caller; mutex_ held.
  std::shared_ptr<SessionRecord> steal_parked_locked();
  bool any_parked_free_locked() const noexcept;
  // A thread that parked a session here is exiting: back to the idle list.
  void return_from_exiting_thread(const std::shared_ptr<SessionRecord>& record, std::uint64_t owner) noexcept;
  Lease acquire_once();
  // After `e` from `op`: true to run it again; false to rethrow `e`. Throws
  // LayerError(Fault::token_unreachable) when the token cannot be reached.
  bool recover(const Error& e, Lease& lease, int attempt);
  // Module re-initialised since we last looked: the old epoch's idle
  // sessions are never used again; they become orphans (closed only if the
  // module turns out never to have dropped them, see Module::handle_space).
  void follow_module_epoch_locked();
  // `record` will not be used again and may still be open on the token
  // (nothing to keep when its module dropped it already). mutex_ held.
  void orphan_locked(const SessionRecord& record) noexcept;
  // TokenRecovery::reconnect, without waiting inside a lease this thread holds.
  bool reconnect(std::uint64_t seen_epoch);
  std::shared_ptr<SessionRecord> open_one();
  // Every session handed out is logged in (when the token wants it): one
  // atomic load unless a login is due.
  void log_in_if_needed(const Lease& lease) {
    if (login_required_ && !login_.logged_in()) login_.ensure(api(), lease.handle(), slot(), /*after_loss=*/false);
  }
  void prune_dead_idle();
  // C_CloseSession, errors swallowed; a session the token may still hold
  // (the close failed for another reason than "no such session") becomes an
  // orphan. Never called with mutex_ held.
  void close_quietly(SessionRecord& record) noexcept;
  // Closes the orphans of the current module epoch; those the token still
  // refuses to close stay orphans. Call lock held shared, mutex_ not held.
  void close_orphans() noexcept;

  std::shared_ptr<Module> module_;
  TokenRecovery recovery_;
  PoolOptions options_;
  bool login_required_ = false;

  const std::uint64_t id_;  // unique per pool in the process: the key of a thread's parked session

  mutable std::mutex mutex_;  // guards idle_, parked_, open_; never held across a token call
  std::condition_variable returned_;
  std::vector<std::shared_ptr<SessionRecord>> idle_;
  // Parked sessions, in use by their thread or not; open_ counts them.
  std::vector<std::shared_ptr<SessionRecord>> parked_;
  std::size_t open_ = 0;
  std::atomic<std::size_t> waiters_{0};  // threads waiting in acquire: returns must wake them
  // Bumped by reset() (under mutex_): sessions of older generations are
  // closed on return. Atomic because a parked session's return reads it
  // without the mutex.
  std::atomic<std::uint64_t> generation_{0};
  std::uint64_t module_epoch_seen_ = 0;

  // A session we stopped using without closing it: its C_CloseSession
  // failed while the token was failing (a member answering
  // CKR_DEVICE_REMOVED), or the module was re-initialised while its
  // C_Finalize failed. A module whose sessions survive the outage (a network
  // HSM whose link came back; the test rig) still holds it, and with it every
  // session object made in it, so it is closed when the token answers again
  // (reset()). Only within the handle space it was opened in: after a real
  // finalisation its number may name another session. (A module that drops
  // sessions on its own and reuses their numbers could still see a session
  // opened meanwhile closed; reset() runs before this pool opens any session
  // on a member that rejoins.) Guarded by mutex_.
  struct Orphan {
    CK_SESSION_HANDLE handle;
    std::uint64_t handle_space;
  };
  std::vector<Orphan> orphans_;

  UserLogin login_;
};

}  // namespace sslp11::p11
