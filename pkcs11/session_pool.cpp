#include "pkcs11/session_pool.h"

#include <algorithm>
#include <map>

#include <sslp11/winerror.h>

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

}  // namespace

void SessionPool::record_login() {
  std::lock_guard lock(g_login_mutex);
  auto& r = login_records()[{module_.get(), slot_}];
  if (r.owner.expired()) r = LoginRecord{weak_from_this(), pin_.clone()};
}

void SessionPool::check_existing_login() {
  std::lock_guard lock(g_login_mutex);
  const auto it = login_records().find({module_.get(), slot_});
  if (it == login_records().end() || it->second.owner.expired()) return;
  if (!same_pin(it->second.pin, pin_)) {
    pin_rejected_ = true;
    throw LayerError(NTE_INCORRECT_PASSWORD,
                     "the token is already logged in by another sslp11 provider with a different user PIN; this "
                     "PIN was not accepted");
  }
}

Lease::~Lease() {
  if (pool_ != nullptr) pool_->give_back(std::move(record_), false);
}

const Api& Lease::api() const noexcept { return pool_->api(); }

void Lease::discard() noexcept {
  if (pool_ == nullptr) return;
  std::exchange(pool_, nullptr)->give_back(std::move(record_), true);
}

std::shared_ptr<SessionPool> SessionPool::create(std::shared_ptr<Module> module, CK_SLOT_ID slot, Pin pin,
                                                 PoolOptions options) {
  return std::make_shared<SessionPool>(Private{}, std::move(module), slot, std::move(pin), options);
}

SessionPool::SessionPool(Private, std::shared_ptr<Module> module, CK_SLOT_ID slot, Pin pin, PoolOptions options)
    : module_(std::move(module)), slot_(slot), options_(options), pin_(std::move(pin)) {
  if (options_.max_sessions == 0) options_.max_sessions = 1;
  const CK_TOKEN_INFO ti = module_->api().C_GetTokenInfo(slot_);
  login_required_ = (ti.flags & CKF_LOGIN_REQUIRED) != 0;
  if (login_required_ && (ti.flags & CKF_USER_PIN_INITIALIZED) == 0) {
    throw LayerError(NTE_DEVICE_NOT_READY, "token '" + trim_padded(ti.label, sizeof ti.label) +
                                               "' requires a login but has no user PIN set (run init-pin)");
  }
}

SessionPool::~SessionPool() {
  // Leases hold a raw pointer back to the pool, and objects hold the pool, so
  // by now every session is idle.
  for (auto& r : idle_) close_quietly(*r);
}

Lease SessionPool::acquire() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!idle_.empty()) {
      auto record = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      Lease lease(this, std::move(record));
      if (login_required_ && !logged_in_.load(std::memory_order_acquire)) login(lease, false);
      return lease;
    }
    if (open_ < options_.max_sessions) break;
    if (!returned_.wait_for(lock, options_.acquire_timeout,
                            [this] { return !idle_.empty() || open_ < options_.max_sessions; })) {
      throw LayerError(NTE_DEVICE_NOT_READY, "all " + std::to_string(options_.max_sessions) +
                                                 " PKCS#11 sessions stayed busy for " +
                                                 std::to_string(options_.acquire_timeout.count()) + " ms");
    }
  }
  ++open_;  // reserve the slot, then open outside the lock
  const std::uint64_t generation = generation_;
  lock.unlock();
  std::shared_ptr<SessionRecord> record;
  try {
    record = open_one();
    record->generation = generation;
  } catch (...) {
    lock.lock();
    --open_;
    returned_.notify_one();
    throw;
  }
  Lease lease(this, std::move(record));
  if (login_required_) {
    // On failure the lease goes back as a healthy, logged-out session: the pool stays usable.
    login(lease, false);
  }
  return lease;
}

std::shared_ptr<SessionRecord> SessionPool::open_one() {
  auto record = std::make_shared<SessionRecord>();
  record->handle = api().C_OpenSession(slot_, CKF_RW_SESSION);
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

void SessionPool::give_back(std::shared_ptr<SessionRecord> record, bool broken) noexcept {
  bool close = broken;
  {
    std::lock_guard lock(mutex_);
    if (record->generation != generation_) close = true;
    if (!close) {
      idle_.push_back(std::move(record));
      returned_.notify_one();
      return;
    }
    --open_;
  }
  close_quietly(*record);
  returned_.notify_one();
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
  std::vector<std::shared_ptr<SessionRecord>> candidates;
  {
    std::lock_guard lock(mutex_);
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
  idle_.insert(idle_.end(), living.begin(), living.end());
  returned_.notify_all();
}

void SessionPool::reset() {
  std::vector<std::shared_ptr<SessionRecord>> idle;
  {
    std::lock_guard lock(mutex_);
    ++generation_;
    idle.swap(idle_);
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
  return idle_.size();
}

}  // namespace sslp11::p11
