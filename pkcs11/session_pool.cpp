#include "pkcs11/session_pool.h"

#include <algorithm>

#include "log/logger.h"
#include "pkcs11/session_affinity.h"

namespace sslp11::p11 {

namespace {

// How often a thread waiting for a session looks at the parked ones (see
// give_back_parked): only while every session is in use.
constexpr std::chrono::milliseconds kParkedPoll{1};

// Leases this thread holds (their call lock shared). A thread that holds one
// can never get the lock exclusively, so it does not wait for it.
thread_local int t_leases_held = 0;

std::atomic<std::uint64_t> g_next_pool_id{1};

CK_TOKEN_INFO token_info(const Module& module, CK_SLOT_ID slot) {
  std::shared_lock calls(module.call_lock());
  return module.api().C_GetTokenInfo(slot);
}

}  // namespace

Lease::Lease(SessionPool* pool, std::shared_ptr<SessionRecord> record,
             std::shared_lock<CallGate> calls, std::uint64_t parked_for)
    : pool_(pool), record_(std::move(record)), calls_(std::move(calls)), parked_for_(parked_for) {
  if (calls_.owns_lock()) ++t_leases_held;
}

Lease::~Lease() {
  // give_back may close the session: still under the call lock, which the
  // member's destructor releases afterwards.
  if (pool_ != nullptr) {
    if (parked_for_ != 0) {
      pool_->give_back_parked(std::move(record_), parked_for_);
    } else {
      pool_->give_back(std::move(record_), false);
    }
  }
  if (calls_.owns_lock()) --t_leases_held;
}

const Api& Lease::api() const noexcept { return pool_->api(); }

void Lease::discard() noexcept {
  if (pool_ == nullptr) return;
  std::exchange(pool_, nullptr)->give_back(std::move(record_), true);
  // Recovery (which may re-initialise the module) follows: do not hold it up.
  if (calls_.owns_lock()) {
    calls_.unlock();
    --t_leases_held;
  }
}

std::shared_ptr<SessionPool> SessionPool::create(std::shared_ptr<Module> module, CK_SLOT_ID slot, Pin pin,
                                                 PoolOptions options) {
  return std::make_shared<SessionPool>(Private{}, std::move(module), slot, std::move(pin), options);
}

SessionPool::SessionPool(Private, std::shared_ptr<Module> module, CK_SLOT_ID slot, Pin pin, PoolOptions options)
    : SessionPool(module, slot, token_info(*module, slot), std::move(pin), options) {}

SessionPool::SessionPool(std::shared_ptr<Module> module, CK_SLOT_ID slot, const CK_TOKEN_INFO& info, Pin pin,
                         PoolOptions options)
    : module_(std::move(module)),
      recovery_(module_, slot, info),
      options_(options),
      login_required_((info.flags & CKF_LOGIN_REQUIRED) != 0),
      id_(g_next_pool_id.fetch_add(1, std::memory_order_relaxed)),
      login_(*module_, std::move(pin)) {
  if (options_.max_sessions == 0) options_.max_sessions = 1;
  // Read after the token info: a re-initialisation in between only means
  // fewer old sessions to forget.
  module_epoch_seen_ = module_->epoch();
  if (login_required_ && (info.flags & CKF_USER_PIN_INITIALIZED) == 0) {
    throw LayerError(Fault::token_unreachable,
                     "token '" + recovery_.label() + "' requires a login but has no user PIN set (run init-pin)");
  }
}

SessionPool::~SessionPool() {
  // Leases hold a raw pointer back to the pool, and objects hold the pool, so
  // by now every session is idle.
  if (module_->forked()) return;  // the parent's sessions, not ours to close
  std::shared_lock calls(module_->call_lock());
  for (auto& r : idle_) {
    if (is_current(*r)) close_quietly(*r);
  }
  for (auto& r : parked_) {
    if (is_current(*r)) close_quietly(*r);
  }
  close_orphans();
}

Lease SessionPool::acquire() {
  if (module_->forked()) {
    throw LayerError(Fault::forked,
                     "this provider was opened in the parent process before fork(); PKCS#11 modules are not "
                     "fork-safe, so the child must open a provider of its own");
  }
  {
    // The fast path: the session this thread parked, with no pool mutex.
    std::shared_lock calls(module_->call_lock());
    const std::uint64_t me = this_thread_id();
    if (auto record = claim_parked(me)) {
      Lease lease(this, std::move(record), std::move(calls), me);
      log_in_if_needed(lease);
      return lease;
    }
  }
  for (int attempt = 0;; ++attempt) {
    const std::uint64_t seen = module_->epoch();
    try {
      return acquire_once();
    } catch (const Error& e) {
      if (!recovery_.connection_lost(e.rv())) throw;
      if (attempt > 0 || !reconnect(seen)) recovery_.throw_unreachable(e);
    }
  }
}

bool SessionPool::recover(const Error& e, Lease& lease, int attempt) {
  const CK_RV rv = e.rv();
  const Loss loss = recovery_.loss_of(rv);
  if (loss == Loss::none) return false;
  if (loss == Loss::login) {
    if (attempt != 0) return false;
    log::info("pool", "token '", recovery_.label(), "': login lost (", rv_name(rv), "), logging in again");
    login_.ensure(api(), lease.handle(), slot(), /*after_loss=*/true);
    return true;
  }
  log::info("pool", "token '", recovery_.label(), "': session ", log::hex(lease.handle()), " lost (", rv_name(rv),
            ")", loss == Loss::connection ? ", reconnecting" : "");
  const std::uint64_t seen = lease.record()->module_epoch;
  lease.discard();
  if (loss == Loss::connection && !reconnect(seen)) recovery_.throw_unreachable(e);
  prune_dead_idle();
  return attempt == 0;
}

bool SessionPool::reconnect(std::uint64_t seen_epoch) {
  // Inside another lease of this thread's (a nested call) the wait could only time out.
  return recovery_.reconnect(seen_epoch, /*nested=*/t_leases_held > 0);
}

void SessionPool::follow_module_epoch_locked() {
  const std::uint64_t now = module_->epoch();
  if (now == module_epoch_seen_) return;
  module_epoch_seen_ = now;
  for (auto& r : idle_) {
    orphan_locked(*r);
    r->alive = false;
  }
  open_ -= idle_.size();
  idle_.clear();
  // Parked ones not in use go the same way; those in use go when returned.
  while (auto r = steal_parked_locked()) {
    orphan_locked(*r);
    r->alive = false;
    --open_;
  }
  login_.forget();  // a new connection starts logged out
  returned_.notify_all();
}

Lease SessionPool::acquire_once() {
  // Lock order: the module's call lock (shared) before mutex_, as everywhere
  // (a lease holds it when give_back takes mutex_). Held from before a record
  // is chosen, so no re-initialisation can slip in between.
  std::shared_lock calls(module_->call_lock());
  std::unique_lock lock(mutex_);
  for (;;) {
    follow_module_epoch_locked();
    if (!idle_.empty()) {
      auto record = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      Lease lease(this, std::move(record), std::move(calls));
      log_in_if_needed(lease);
      return lease;
    }
    if (open_ < options_.max_sessions) break;
    // No room to open one: take a session parked with another thread that
    // is not using it.
    if (auto record = steal_parked_locked()) {
      lock.unlock();
      if (is_current(*record) && record->generation == generation_.load(std::memory_order_acquire)) {
        Lease lease(this, std::move(record), std::move(calls));
        log_in_if_needed(lease);
        return lease;
      }
      give_back(std::move(record), false);  // of an older epoch or generation: forgotten or closed
      lock.lock();
      continue;
    }
    // Every session is leased, and each lease holds the call lock shared too,
    // so waiting with it does not hold up a re-initialisation any longer.
    // A parked session's return does not always wake us (give_back_parked),
    // so while there are parked sessions we look again every kParkedPoll.
    const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
    const auto available = [this] {
      return !idle_.empty() || open_ < options_.max_sessions || any_parked_free_locked();
    };
    waiters_.fetch_add(1, std::memory_order_relaxed);
    bool returned = false;
    while (!(returned = available()) && std::chrono::steady_clock::now() < deadline) {
      const auto until = parked_.empty() ? deadline : std::min(deadline, std::chrono::steady_clock::now() + kParkedPoll);
      returned_.wait_until(lock, until);
    }
    waiters_.fetch_sub(1, std::memory_order_relaxed);
    if (!returned) {
      throw LayerError(Fault::token_unreachable, "all " + std::to_string(options_.max_sessions) +
                                                     " PKCS#11 sessions stayed busy for " +
                                                     std::to_string(options_.acquire_timeout.count()) + " ms");
    }
  }
  follow_module_epoch_locked();
  ++open_;  // reserve the slot, then open outside the lock
  const std::uint64_t generation = generation_.load(std::memory_order_relaxed);
  const std::uint64_t module_epoch = module_epoch_seen_;
  lock.unlock();
  std::shared_ptr<SessionRecord> record;
  try {
    record = open_one();
    record->generation = generation;
    record->module_epoch = module_epoch;
  } catch (...) {
    lock.lock();
    --open_;
    returned_.notify_one();
    throw;
  }
  Lease lease(this, std::move(record), std::move(calls));
  if (login_required_) {
    // On failure the lease goes back as a healthy, logged-out session: the pool stays usable.
    login_.ensure(api(), lease.handle(), slot(), /*after_loss=*/false);
  }
  return lease;
}

std::shared_ptr<SessionRecord> SessionPool::open_one() {
  auto record = std::make_shared<SessionRecord>();
  record->handle_space = module_->handle_space();
  record->handle = api().C_OpenSession(slot(), CKF_RW_SESSION);
  log::debug("pool", "token '", recovery_.label(), "': session ", log::hex(record->handle), " opened");
  return record;
}

void SessionPool::set_pin(Pin pin) { login_.set_pin(std::move(pin)); }

void SessionPool::give_back(std::shared_ptr<SessionRecord> record, bool broken, bool may_park) noexcept {
  bool close = broken;
  {
    std::lock_guard lock(mutex_);
    if (record->parked) unpark_locked(*record);
    if (!is_current(*record)) {
      // An older module epoch (or a record already closed): never used
      // again, and never closed here: its number may name another session
      // now. An older epoch's session may still be open on the token: an
      // orphan. (A leased record still counts in open_:
      // follow_module_epoch_locked drops idle ones only.)
      if (record->alive.load(std::memory_order_relaxed)) orphan_locked(*record);
      record->alive = false;
      --open_;
      returned_.notify_one();
      return;
    }
    if (record->generation != generation_.load(std::memory_order_relaxed)) close = true;
    if (!close) {
      // Nobody waiting: the returning thread keeps it (see the top of session_pool.h).
      if (may_park && waiters_.load(std::memory_order_relaxed) == 0 && park_locked(record)) return;
      idle_.push_back(std::move(record));
      returned_.notify_one();
      return;
    }
    --open_;
  }
  close_quietly(*record);
  returned_.notify_one();
}

namespace {

// C_CloseSession's answers that say the session no longer exists on the token.
bool session_gone(CK_RV rv) noexcept {
  return rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED || rv == CKR_CRYPTOKI_NOT_INITIALIZED;
}

}  // namespace

void SessionPool::close_quietly(SessionRecord& record) noexcept {
  record.alive = false;
  try {
    api().C_CloseSession(record.handle);
  } catch (const Error& e) {
    if (session_gone(e.rv())) return;
    log::debug("pool", "token '", recovery_.label(), "': session ", log::hex(record.handle), " not closed (",
               rv_name(e.rv()), "): closed again when the token answers");
    std::lock_guard lock(mutex_);
    orphan_locked(record);
  } catch (...) {
    // Not a PKCS#11 answer (out of memory): nothing more to do.
  }
}

void SessionPool::orphan_locked(const SessionRecord& record) noexcept {
  // Only sessions of the current handle space can still be open; older
  // entries are dropped here too, so a token that reconnects again and again
  // (each time finalised) never grows the list.
  const std::uint64_t space = module_->handle_space();
  std::erase_if(orphans_, [space](const Orphan& o) { return o.handle_space != space; });
  if (record.handle_space != space) return;
  try {
    orphans_.push_back({record.handle, record.handle_space});
  } catch (...) {
    // Out of memory: the session stays open on the token until the module is finalised.
  }
}

void SessionPool::close_orphans() noexcept {
  std::vector<Orphan> orphans;
  {
    std::lock_guard lock(mutex_);
    orphans.swap(orphans_);
  }
  if (orphans.empty()) return;
  std::vector<Orphan> still;
  const std::uint64_t space = module_->handle_space();
  for (const Orphan& o : orphans) {
    if (o.handle_space != space) continue;  // the module dropped it, and its number may be reused
    try {
      api().C_CloseSession(o.handle);
      log::debug("pool", "token '", recovery_.label(), "': orphaned session ", log::hex(o.handle), " closed");
    } catch (const Error& e) {
      if (!session_gone(e.rv())) still.push_back(o);
    } catch (...) {
      still.push_back(o);
    }
  }
  if (still.empty()) return;
  try {
    std::lock_guard lock(mutex_);
    orphans_.insert(orphans_.end(), still.begin(), still.end());
  } catch (...) {
  }
}

void SessionPool::prune_dead_idle() {
  // Probe outside the lock: take the idle list, test each, put the living back.
  std::shared_lock calls(module_->call_lock());
  std::vector<std::shared_ptr<SessionRecord>> candidates;
  {
    std::lock_guard lock(mutex_);
    follow_module_epoch_locked();
    candidates.swap(idle_);
  }
  std::vector<std::shared_ptr<SessionRecord>> dead;
  std::vector<std::shared_ptr<SessionRecord>> living;
  for (auto& r : candidates) {
    try {
      api().C_GetSessionInfo(r->handle);
      living.push_back(std::move(r));
    } catch (const Error&) {
      dead.push_back(std::move(r));
    }
  }
  for (auto& r : dead) close_quietly(*r);
  std::lock_guard lock(mutex_);
  open_ -= dead.size();
  if (module_->epoch() != module_epoch_seen_) {
    // Cannot happen under the shared call lock; kept so the count never goes wrong.
    for (auto& r : living) r->alive = false;
    open_ -= living.size();
    living.clear();
  }
  idle_.insert(idle_.end(), living.begin(), living.end());
  returned_.notify_all();
}

void SessionPool::reset() {
  std::shared_lock calls(module_->call_lock());
  std::vector<std::shared_ptr<SessionRecord>> idle;
  {
    std::lock_guard lock(mutex_);
    follow_module_epoch_locked();
    generation_.fetch_add(1, std::memory_order_acq_rel);
    idle.swap(idle_);
    while (auto r = steal_parked_locked()) idle.push_back(std::move(r));
    open_ -= idle.size();
  }
  for (auto& r : idle) close_quietly(*r);
  close_orphans();
  // Closing every session of ours may have logged the token out: the next
  // lease asks the session state before it trusts the login.
  login_.forget();
  returned_.notify_all();
}

std::size_t SessionPool::open_sessions() const {
  std::lock_guard lock(mutex_);
  return open_;
}

std::size_t SessionPool::idle_sessions() const {
  std::lock_guard lock(mutex_);
  const auto parked_free = std::count_if(parked_.begin(), parked_.end(), [](const auto& r) {
    return r->parked_for.load(std::memory_order_acquire) != 0;
  });
  return idle_.size() + static_cast<std::size_t>(parked_free);
}

}  // namespace sslp11::p11
