#include "pkcs11/session_pool.h"

#include <algorithm>
#include <array>
#include <map>

#include <sslp11/winerror.h>

#include "log/logger.h"

namespace sslp11::p11 {

namespace {

// Login state belongs to the token, not to a pool: once one pool logged in,
// C_Login from another answers CKR_USER_ALREADY_LOGGED_IN without looking at
// its PIN. To still catch a wrong PIN there, remember which PIN logged each
// (module, slot) in and compare against it.
struct LoginRecord {
  std::weak_ptr<const void> owner;
  Pin pin;
};
std::mutex g_login_mutex;
std::map<std::pair<const Module*, CK_SLOT_ID>, LoginRecord>& login_records() {
  static std::map<std::pair<const Module*, CK_SLOT_ID>, LoginRecord> m;
  return m;
}

bool same_pin(const Pin& a, const Pin& b) {
  const auto x = a.bytes();
  const auto y = b.bytes();
  if (x.size() != y.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < x.size(); ++i) diff |= static_cast<unsigned char>(x[i] ^ y[i]);
  return diff == 0;
}

// Long enough for in-flight calls to fail against a dead connection, short
// enough that a caller never waits long for a recovery it cannot have.
constexpr std::chrono::milliseconds kReinitialiseWait{2000};

// How often a thread waiting for a session looks at the parked ones (see
// give_back_parked): only while every session is in use.
constexpr std::chrono::milliseconds kParkedPoll{1};

// Leases this thread holds (their call lock shared). A thread that holds one
// can never get the lock exclusively, so it does not wait for it.
thread_local int t_leases_held = 0;

std::atomic<std::uint64_t> g_next_pool_id{1};
std::atomic<std::uint64_t> g_next_thread_id{1};

// Nonzero, unique per thread for the life of the process (a pthread_t can be
// reused by a later thread; this cannot).
std::uint64_t this_thread_id() noexcept {
  thread_local const std::uint64_t id = g_next_thread_id.fetch_add(1, std::memory_order_relaxed);
  return id;
}

}  // namespace

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
  ~AffinityCache() {
    for (auto& e : entries) {
      if (e.pool_id == 0 || !e.record) continue;
      if (auto pool = e.pool.lock()) pool->return_from_exiting_thread(e.record, this_thread_id());
    }
  }
};

namespace {
AffinityCache& affinity() noexcept {
  thread_local AffinityCache cache;
  return cache;
}
}  // namespace

void SessionPool::record_login() {
  std::lock_guard lock(g_login_mutex);
  auto& r = login_records()[{module_.get(), slot()}];
  if (r.owner.expired()) r = LoginRecord{weak_from_this(), pin_.clone()};
}

void SessionPool::check_existing_login() {
  std::lock_guard lock(g_login_mutex);
  const auto it = login_records().find({module_.get(), slot()});
  if (it == login_records().end() || it->second.owner.expired()) return;
  if (!same_pin(it->second.pin, pin_)) {
    pin_rejected_ = true;
    throw LayerError(NTE_INCORRECT_PASSWORD,
                     "the token is already logged in by another sslp11 provider with a different user PIN; this "
                     "PIN was not accepted");
  }
}

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
    : module_(std::move(module)),
      slot_(slot),
      options_(options),
      id_(g_next_pool_id.fetch_add(1, std::memory_order_relaxed)),
      pin_(std::move(pin)) {
  if (options_.max_sessions == 0) options_.max_sessions = 1;
  std::shared_lock calls(module_->call_lock());
  module_epoch_seen_ = module_->epoch();
  const CK_TOKEN_INFO ti = module_->api().C_GetTokenInfo(slot);
  token_label_ = trim_padded(ti.label, sizeof ti.label);
  token_serial_ = trim_padded(ti.serialNumber, sizeof ti.serialNumber);
  login_required_ = (ti.flags & CKF_LOGIN_REQUIRED) != 0;
  if (login_required_ && (ti.flags & CKF_USER_PIN_INITIALIZED) == 0) {
    throw LayerError(NTE_DEVICE_NOT_READY, "token '" + trim_padded(ti.label, sizeof ti.label) +
                                               "' requires a login but has no user PIN set (run init-pin)");
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
}

Lease SessionPool::acquire() {
  if (module_->forked()) {
    throw LayerError(NTE_INVALID_HANDLE,
                     "this provider was opened in the parent process before fork(); PKCS#11 modules are not "
                     "fork-safe, so the child must open a provider of its own");
  }
  {
    // The fast path: the session this thread parked, with no pool mutex.
    std::shared_lock calls(module_->call_lock());
    const std::uint64_t me = this_thread_id();
    if (auto record = claim_parked(me)) {
      Lease lease(this, std::move(record), std::move(calls), me);
      if (login_required_ && !logged_in_.load(std::memory_order_acquire)) login(lease, false);
      return lease;
    }
  }
  for (int attempt = 0;; ++attempt) {
    const std::uint64_t seen = module_->epoch();
    try {
      return acquire_once();
    } catch (const Error& e) {
      if (!connection_lost(e.rv())) throw;
      if (attempt > 0 || !reconnect(seen)) throw_unreachable(e);
    }
  }
}

bool SessionPool::recover(const Error& e, Lease& lease, int attempt) {
  const CK_RV rv = e.rv();
  if (is_login_lost(rv)) {
    if (attempt != 0) return false;
    log::info("pool", "token '", token_label_, "': login lost (", rv_name(rv), "), logging in again");
    login(lease, /*after_loss=*/true);
    return true;
  }
  if (!is_session_lost(rv) && !connection_lost(rv)) return false;
  log::info("pool", "token '", token_label_, "': session ", log::hex(lease.handle()), " lost (", rv_name(rv), ")",
            connection_lost(rv) ? ", reconnecting" : "");
  const std::uint64_t seen = lease.record()->module_epoch;
  lease.discard();
  if (connection_lost(rv) && !reconnect(seen)) throw_unreachable(e);
  prune_dead_idle();
  return attempt == 0;
}

void SessionPool::throw_unreachable(const Error& e) const {
  throw LayerError(NTE_DEVICE_NOT_READY,
                   "token '" + token_label_ + "' cannot be reached (" + e.what() +
                       "); sslp11 reconnects on later calls, and keys made before the loss are gone");
}

bool SessionPool::reconnect(std::uint64_t seen_epoch) {
  if (relocate()) return true;
  // Inside another lease of this thread's (a nested call) the wait could only time out.
  const auto wait = t_leases_held > 0 ? std::chrono::milliseconds(0) : kReinitialiseWait;
  if (!module_->reinitialise(seen_epoch, wait)) return false;
  return relocate();
}

bool SessionPool::relocate() {
  std::shared_lock calls(module_->call_lock());
  const auto same_token = [this](const CK_TOKEN_INFO& ti) {
    return trim_padded(ti.label, sizeof ti.label) == token_label_ &&
           trim_padded(ti.serialNumber, sizeof ti.serialNumber) == token_serial_;
  };
  try {
    if (same_token(api().C_GetTokenInfo(slot()))) return true;
  } catch (const Error&) {
    // Gone from that slot; look through the others.
  }
  try {
    for (CK_SLOT_ID id : api().C_GetSlotList(true)) {
      try {
        if (same_token(api().C_GetTokenInfo(id))) {
          slot_.store(id, std::memory_order_release);
          return true;
        }
      } catch (const Error&) {
      }
    }
  } catch (const Error&) {
  }
  return false;
}

void SessionPool::follow_module_epoch_locked() {
  const std::uint64_t now = module_->epoch();
  if (now == module_epoch_seen_) return;
  module_epoch_seen_ = now;
  for (auto& r : idle_) r->alive = false;
  open_ -= idle_.size();
  idle_.clear();
  // Parked ones not in use go the same way; those in use go when returned.
  while (auto r = steal_parked_locked()) {
    r->alive = false;
    --open_;
  }
  logged_in_ = false;  // a new connection starts logged out
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
      if (login_required_ && !logged_in_.load(std::memory_order_acquire)) login(lease, false);
      return lease;
    }
    if (open_ < options_.max_sessions) break;
    // No room to open one: take a session parked with another thread that
    // is not using it.
    if (auto record = steal_parked_locked()) {
      lock.unlock();
      if (is_current(*record) && record->generation == generation_.load(std::memory_order_acquire)) {
        Lease lease(this, std::move(record), std::move(calls));
        if (login_required_ && !logged_in_.load(std::memory_order_acquire)) login(lease, false);
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
      throw LayerError(NTE_DEVICE_NOT_READY, "all " + std::to_string(options_.max_sessions) +
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
    login(lease, false);
  }
  return lease;
}

std::shared_ptr<SessionRecord> SessionPool::open_one() {
  auto record = std::make_shared<SessionRecord>();
  record->handle = api().C_OpenSession(slot(), CKF_RW_SESSION);
  log::debug("pool", "token '", token_label_, "': session ", log::hex(record->handle), " opened");
  return record;
}

void SessionPool::login(const Lease& lease, bool after_loss) {
  std::lock_guard guard(login_mutex_);
  if (pin_rejected_) {
    throw LayerError(NTE_INCORRECT_PASSWORD,
                     "the token rejected the configured user PIN earlier; sslp11 does not retry a rejected PIN "
                     "(that could lock it) — fix the PIN source and reopen the provider");
  }
  if (!after_loss) {
    // Login state is per token: another session may already have done it.
    const CK_SESSION_INFO si = api().C_GetSessionInfo(lease.handle());
    if (si.state == CKS_RW_USER_FUNCTIONS || si.state == CKS_RO_USER_FUNCTIONS) {
      check_existing_login();
      logged_in_ = true;
      return;
    }
  }
  logged_in_ = false;
  if (pin_.empty()) {
    throw LayerError(NTE_PERM, "the token requires a user login and no PIN source is configured");
  }
  try {
    api().C_Login(lease.handle(), CKU_USER, pin_.bytes());
    record_login();
    logged_in_ = true;
  } catch (const Error& e) {
    if (e.rv() == CKR_USER_ALREADY_LOGGED_IN) {
      check_existing_login();
      logged_in_ = true;
      return;
    }
    if (e.rv() == CKR_PIN_INCORRECT || e.rv() == CKR_PIN_INVALID || e.rv() == CKR_PIN_LEN_RANGE ||
        e.rv() == CKR_PIN_LOCKED || e.rv() == CKR_PIN_EXPIRED) {
      pin_rejected_ = true;
    }
    throw;
  }
}

void SessionPool::set_pin(Pin pin) {
  std::lock_guard guard(login_mutex_);
  pin_ = std::move(pin);
  pin_rejected_ = false;
}

void SessionPool::give_back(std::shared_ptr<SessionRecord> record, bool broken, bool may_park) noexcept {
  bool close = broken;
  {
    std::lock_guard lock(mutex_);
    if (record->parked) unpark_locked(*record);
    if (!is_current(*record)) {
      // An older module epoch (or a record already found dead): its handle
      // may name another session now, so it is forgotten, not closed.
      // (A leased record still counts in open_: follow_module_epoch_locked drops idle ones only.)
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

bool SessionPool::park_locked(const std::shared_ptr<SessionRecord>& record) noexcept {
  try {
    AffinityCache& cache = affinity();
    AffinityCache::Entry* entry = cache.find(id_);
    // One per thread: the other is in use by this thread, or still parked.
    if (entry != nullptr && (!entry->record || entry->record->parked)) return false;
    if (entry == nullptr) entry = cache.vacant();
    if (entry == nullptr) return false;
    parked_.push_back(record);
    *entry = AffinityCache::Entry{id_, record, record.get(), weak_from_this()};
  } catch (...) {
    return false;  // out of memory: the idle list will do
  }
  record->parked = true;
  record->parked_for.store(this_thread_id(), std::memory_order_release);
  return true;
}

void SessionPool::unpark_locked(SessionRecord& record) noexcept {
  const auto it = std::find_if(parked_.begin(), parked_.end(), [&](const auto& r) { return r.get() == &record; });
  if (it != parked_.end()) parked_.erase(it);
  record.parked = false;
  // If it was this thread's, the thread may park another one now.
  AffinityCache::Entry* entry = affinity().find(id_);
  if (entry != nullptr && entry->raw == &record) *entry = AffinityCache::Entry{};
}

std::shared_ptr<SessionRecord> SessionPool::steal_parked_locked() {
  for (auto it = parked_.begin(); it != parked_.end(); ++it) {
    std::uint64_t owner = (*it)->parked_for.load(std::memory_order_acquire);
    if (owner != 0 && (*it)->parked_for.compare_exchange_strong(owner, 0, std::memory_order_acquire)) {
      auto record = std::move(*it);
      parked_.erase(it);
      record->parked = false;
      return record;
    }
  }
  return nullptr;
}

bool SessionPool::any_parked_free_locked() const noexcept {
  return std::any_of(parked_.begin(), parked_.end(),
                     [](const auto& r) { return r->parked_for.load(std::memory_order_acquire) != 0; });
}

std::shared_ptr<SessionRecord> SessionPool::claim_parked(std::uint64_t owner) {
  AffinityCache::Entry* entry = affinity().find(id_);
  if (entry == nullptr || !entry->record) return nullptr;  // none, or in use by an outer lease of this thread
  std::uint64_t expected = owner;
  if (!entry->record->parked_for.compare_exchange_strong(expected, 0, std::memory_order_acquire)) {
    // Parked for another thread now: it was taken from us. (0: taken and in
    // use elsewhere, or idle; kept, and replaced when this thread next parks.)
    if (expected != 0) *entry = AffinityCache::Entry{};
    return nullptr;
  }
  auto record = std::move(entry->record);
  if (is_current(*record) && record->generation == generation_.load(std::memory_order_acquire)) return record;
  *entry = AffinityCache::Entry{};
  give_back(std::move(record), false, /*may_park=*/false);  // of an older epoch or generation
  return nullptr;
}

void SessionPool::give_back_parked(std::shared_ptr<SessionRecord> record, std::uint64_t owner) noexcept {
  // Current when claimed, and still: the module epoch cannot move while the
  // lease holds the call gate, and a lost session goes back through
  // Lease::discard, not here. Only reset() can have intervened.
  if (owner == this_thread_id() && record->generation == generation_.load(std::memory_order_acquire)) {
    AffinityCache::Entry* entry = affinity().find(id_);
    if (entry != nullptr && !entry->record && entry->raw == record.get()) {
      SessionRecord& parked = *record;
      entry->record = std::move(record);
      // No fence between the store and the load below (this is every
      // record's path): a waiter that misses this return sees the session
      // free on its next look, within kParkedPoll (acquire_once).
      parked.parked_for.store(owner, std::memory_order_release);
      if (waiters_.load(std::memory_order_relaxed) == 0) return;
      // Someone waits: hand the session over rather than claim it again
      // first (give_back parks nothing while a thread waits).
      std::uint64_t expected = owner;
      if (parked.parked_for.compare_exchange_strong(expected, 0, std::memory_order_acquire)) {
        give_back(std::exchange(entry->record, nullptr), false);
      }
      return;  // else a waiter took it already
    }
  }
  give_back(std::move(record), false);
}

void SessionPool::return_from_exiting_thread(const std::shared_ptr<SessionRecord>& record,
                                             std::uint64_t owner) noexcept {
  std::uint64_t expected = owner;
  if (!record->parked_for.compare_exchange_strong(expected, 0, std::memory_order_acquire)) return;
  std::shared_lock calls(module_->call_lock());
  give_back(record, false, /*may_park=*/false);
}

void SessionPool::close_quietly(SessionRecord& record) noexcept {
  record.alive = false;
  try {
    api().C_CloseSession(record.handle);
  } catch (...) {
    // Already gone on the token's side; nothing to undo.
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
