#include "core/token_pool.h"

#include <algorithm>
#include <limits>

#include "core/error.h"
#include "core/pool_blobs.h"
#include "log/logger.h"

namespace sslp11::core {

std::shared_ptr<TokenPool> TokenPool::single(std::shared_ptr<TokenContext> token) {
  PoolSettings settings;
  settings.name = token->name();
  std::vector<std::shared_ptr<TokenContext>> members{std::move(token)};
  return std::make_shared<TokenPool>(Private{}, std::move(settings), std::move(members));
}

std::shared_ptr<TokenPool> TokenPool::open(PoolSettings settings, std::vector<std::shared_ptr<TokenContext>> members) {
  auto pool = std::make_shared<TokenPool>(Private{}, std::move(settings), std::move(members));
  if (!pool->single_member()) {
    // Decided once, before the pool is shared (core/pool_blobs.h).
    pool->masters_wrappable_ = pool_blobs::pool_key_on_every_member(pool->members_);
    // The thread holds the raw pointer only: the pool owns and joins it.
    if (pool->watching()) {
      pool->watchdog_ = std::jthread([p = pool.get()](std::stop_token stop) { p->watch_loop(std::move(stop)); });
    }
    pool->prober_ = std::jthread([p = pool.get()](std::stop_token stop) { p->probe_loop(std::move(stop)); });
  }
  return pool;
}

TokenPool::TokenPool(Private, PoolSettings settings, std::vector<std::shared_ptr<TokenContext>> members)
    : settings_(std::move(settings)),
      members_(std::move(members)),
      health_(members_.size()),
      suspects_(std::make_unique<std::atomic<bool>[]>(members_.size())) {
  if (!single_member()) {
    const auto everywhere = [&](auto offered) {
      return std::all_of(members_.begin(), members_.end(), [&](const auto& m) { return offered(*m); });
    };
    for (const CipherSuite* s : members_.front()->suites())
      if (everywhere([&](const TokenContext& m) { return m.offered_suite(s->id) != nullptr; })) suites_.push_back(s);
    for (const Tls13Suite* s : members_.front()->tls13_suites())
      if (everywhere([&](const TokenContext& m) { return m.offered_tls13_suite(s->id) != nullptr; }))
        tls13_suites_.push_back(s);
  }
  if (!single_member() && settings_.call_timeout.count() > 0) {
    watch_slots_ = std::make_unique<std::atomic<std::int64_t>[]>(members_.size() * kWatchSlots);
  }
  if (settings_.policy == PlacementPolicy::weighted) {
    // One round: member i appears weights[i] times, interleaved so that a
    // short run of schedules is already shared by weight (3:1 gives a a b a ...).
    std::vector<unsigned> left = settings_.weights;
    for (bool any = true; any;) {
      any = false;
      for (std::size_t i = 0; i < left.size(); ++i) {
        if (left[i] == 0) continue;
        --left[i];
        weighted_slots_.push_back(i);
        any = true;
      }
    }
  }
}

TokenPool::~TokenPool() {
  if (!prober_.joinable()) return;
  // After fork() the threads are the parent's: there is nothing to join.
  if (members_.front()->pool()->module().forked()) {
    prober_.detach();
    if (watchdog_.joinable()) watchdog_.detach();
    return;
  }
  if (watchdog_.joinable()) {
    watchdog_.request_stop();
    watch_wake_.notify_all();
    watchdog_.join();
  }
  prober_.request_stop();
  probe_wake_.notify_all();
  prober_.join();
}

const std::vector<const CipherSuite*>& TokenPool::suites() const noexcept {
  return single_member() ? members_.front()->suites() : suites_;
}

const std::vector<const Tls13Suite*>& TokenPool::tls13_suites() const noexcept {
  return single_member() ? members_.front()->tls13_suites() : tls13_suites_;
}

const CipherSuite* TokenPool::offered_suite(std::uint32_t id) const {
  for (const CipherSuite* s : suites())
    if (s->id == id) return s;
  return nullptr;
}

const Tls13Suite* TokenPool::offered_tls13_suite(std::uint32_t id) const {
  for (const Tls13Suite* s : tls13_suites())
    if (s->id == id) return s;
  return nullptr;
}

std::string TokenPool::why_not_offered(std::uint32_t id) const {
  for (const auto& m : members_) {
    if (std::string why = m->why_not_offered(id); !why.empty()) {
      return single_member() ? why : why + " (on pool member [token." + m->name() + "])";
    }
  }
  return {};
}

std::size_t TokenPool::cap(const TokenContext& member) const noexcept {
  return settings_.member_sessions != 0 ? settings_.member_sessions : member.pool()->max_sessions();
}

const std::shared_ptr<TokenContext>& TokenPool::place(Turn turn) {
  if (single_member()) return members_.front();
  const std::size_t n = members_.size();
  const auto usable = [&](std::size_t i) { return !members_[i]->down(); };
  const auto has_room = [&](std::size_t i) { return members_[i]->outstanding() < cap(*members_[i]); };
  // Round-robin and weighted walk their order from the next slot; a member
  // that is down or at its cap gives its turn to the next one.
  if (settings_.policy != PlacementPolicy::least_outstanding) {
    const bool weighted = settings_.policy == PlacementPolicy::weighted;
    const std::size_t slots = weighted ? weighted_slots_.size() : n;
    const std::size_t start = turn == Turn::take ? next_.fetch_add(1, std::memory_order_relaxed)
                                                 : next_.load(std::memory_order_relaxed);
    std::size_t fallback = n;
    for (std::size_t k = 0; k < slots; ++k) {
      const std::size_t i = weighted ? weighted_slots_[(start + k) % slots] : (start + k) % n;
      if (!usable(i)) continue;
      if (has_room(i)) return members_[i];
      if (fallback == n) fallback = i;
    }
    if (fallback != n) return members_[fallback];
  } else {
    // Ties (equal load, as among idle members) go in turn: scanning from
    // the same first member every time gave it the most work (38 % of 600
    // schedules among three equal members, the last one 28 %).
    const std::size_t start = turn == Turn::take ? next_.fetch_add(1, std::memory_order_relaxed)
                                                 : next_.load(std::memory_order_relaxed);
    std::size_t best = n;
    std::size_t best_load = std::numeric_limits<std::size_t>::max();
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = (start + k) % n;
      if (!usable(i)) continue;
      // Load relative to the cap, so a member allowed more sessions takes more.
      const std::size_t load = members_[i]->outstanding() * 1024 / std::max<std::size_t>(cap(*members_[i]), 1);
      if (load < best_load) {
        best = i;
        best_load = load;
      }
    }
    if (best != n) return members_[best];
  }
  std::string why = "every member of pool '" + name() + "' is down:";
  for (const MemberStatus& m : status()) why += " [token." + m.name + "] " + m.last_error + ";";
  throw p11::LayerError(p11::Fault::token_unreachable, why);
}

bool TokenPool::member_lost(const TokenContext& member, CK_RV rv) noexcept {
  if (rv == CKR_DEVICE_ERROR) return member.pool()->module().uses_socket();
  return p11::is_member_down(rv);
}

void TokenPool::mark_down(TokenContext& member, const std::string& why) {
  if (single_member()) return;
  const auto at = std::find_if(members_.begin(), members_.end(), [&](const auto& m) { return m.get() == &member; });
  if (at == members_.end()) return;
  {
    std::lock_guard lock(health_mutex_);
    if (member.down_.load(std::memory_order_relaxed)) return;  // another thread said so first
    Health& h = health_[static_cast<std::size_t>(at - members_.begin())];
    h.last_error = why;
    h.down_since = std::chrono::system_clock::now();
    member.losses_.fetch_add(1, std::memory_order_acq_rel);
    member.down_.store(true, std::memory_order_release);
  }
  log::warning("pool", "[pool.", name(), "] member [token.", member.name(), "] is down: ", why);
}

std::string TokenPool::probe_failure(TokenContext& member, bool rejoining) {
  try {
    const auto& sessions = member.pool();
    const p11::Api& api = sessions->api();
    // Sessions of before the loss may hold its dead objects: close them all;
    // then a lease opens a fresh session and logs in (re-initialising the
    // module when it must, as for a single token).
    const auto lease = [&] {
      if (rejoining) sessions->reset();
      sessions->run([](p11::Lease& l) { (void)l.api().C_GetSessionInfo(l.handle()); });
    };
    // A socket module whose server went away (p11-kit-client) shows no slot
    // until it is re-initialised, which the lease's recovery does and the
    // slot calls do not: there the lease goes first, or it never rejoins.
    const bool socket = sessions->module().uses_socket();
    if (socket) lease();
    const CK_SLOT_INFO slot = api.C_GetSlotInfo(sessions->slot());
    if ((slot.flags & CKF_TOKEN_PRESENT) == 0) return "the token is not present in its slot";
    (void)api.C_GetTokenInfo(sessions->slot());
    if (!socket) lease();
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

void TokenPool::suspect(TokenContext& member) noexcept {
  if (single_member()) return;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (members_[i].get() != &member) continue;
    if (!suspects_[i].exchange(true, std::memory_order_acq_rel)) {
      std::lock_guard lock(probe_mutex_);  // so the wake cannot fall between the prober's check and its wait
      probe_wake_.notify_all();
    }
  }
}

void TokenPool::probe_members() {
  for (std::size_t i = 0; i < members_.size(); ++i) {
    TokenContext& member = *members_[i];
    const bool suspected = suspects_[i].exchange(false, std::memory_order_acq_rel);
    if (member.down()) {
      // A call still stuck in it: a probe would most likely hang there too.
      if (watching() && stuck(i)) continue;
      if (!probe_failure(member, /*rejoining=*/true).empty()) continue;
      {
        std::lock_guard lock(health_mutex_);
        member.down_.store(false, std::memory_order_release);
      }
      log::info("pool", "[pool.", name(), "] member [token.", member.name(), "] answers again: taking new work");
    } else if (suspected) {
      const Watched watched(*this, member);  // a probe that hangs marks the member down too
      if (std::string why = probe_failure(member, /*rejoining=*/false); !why.empty()) mark_down(member, why);
    }
  }
}

void TokenPool::probe_loop(std::stop_token stop) {
  const auto suspected = [&] {
    for (std::size_t i = 0; i < members_.size(); ++i)
      if (suspects_[i].load(std::memory_order_acquire)) return true;
    return false;
  };
  std::unique_lock lock(probe_mutex_);
  while (!stop.stop_requested()) {
    probe_wake_.wait_for(lock, stop, settings_.probe_interval, suspected);
    if (stop.stop_requested()) break;
    lock.unlock();
    probe_members();
    lock.lock();
  }
}

void TokenPool::throw_lost_meanwhile(const TokenContext& member) {
  throw Error(Fault::bad_key_state, "pool member [token." + member.name() +
                                        "] was marked down while the call ran on it; start a new handshake");
}

std::size_t TokenPool::index_of(const TokenContext& member) const noexcept {
  for (std::size_t i = 0; i < members_.size(); ++i)
    if (members_[i].get() == &member) return i;
  return members_.size();
}

namespace {

std::int64_t steady_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TokenPool::Watched::Watched(TokenPool& pool, TokenContext& member) noexcept {
  if (!pool.watching()) return;
  const std::size_t i = pool.index_of(member);
  if (i == pool.members_.size()) return;
  const std::int64_t now = std::max<std::int64_t>(steady_now_ns(), 1);  // 0 means free
  // Start at a place of this thread's own, so that threads rarely race for a slot.
  const std::size_t start = std::hash<std::thread::id>{}(std::this_thread::get_id()) % kWatchSlots;
  std::atomic<std::int64_t>* slots = &pool.watch_slots_[i * kWatchSlots];
  for (std::size_t k = 0; k < kWatchSlots; ++k) {
    std::atomic<std::int64_t>& slot = slots[(start + k) % kWatchSlots];
    std::int64_t free = 0;
    if (slot.compare_exchange_strong(free, now, std::memory_order_acq_rel)) {
      slot_ = &slot;
      return;
    }
  }
}

TokenPool::Watched::~Watched() {
  if (slot_ != nullptr) slot_->store(0, std::memory_order_release);
}

std::chrono::nanoseconds TokenPool::oldest_call(std::size_t i) const noexcept {
  const std::int64_t now = steady_now_ns();
  std::int64_t oldest = now;
  for (std::size_t k = 0; k < kWatchSlots; ++k) {
    const std::int64_t start = watch_slots_[i * kWatchSlots + k].load(std::memory_order_acquire);
    if (start != 0) oldest = std::min(oldest, start);
  }
  return std::chrono::nanoseconds(now - oldest);
}

void TokenPool::watch_loop(std::stop_token stop) {
  // A quarter of the timeout: a hung call is seen at most timeout * 1.25 after it began.
  const auto tick = std::max(settings_.call_timeout / 4, std::chrono::milliseconds(1));
  std::unique_lock lock(watch_mutex_);
  while (!stop.stop_requested()) {
    watch_wake_.wait_for(lock, stop, tick, [] { return false; });
    if (stop.stop_requested()) break;
    for (std::size_t i = 0; i < members_.size(); ++i) {
      if (members_[i]->down() || !stuck(i)) continue;
      mark_down(*members_[i], "a PKCS#11 call has not returned for " + std::to_string(settings_.call_timeout.count()) +
                                  " ms (call-timeout)");
    }
  }
}

std::vector<MemberStatus> TokenPool::status() const {
  std::vector<MemberStatus> out;
  std::lock_guard lock(health_mutex_);
  for (std::size_t i = 0; i < members_.size(); ++i) {
    out.push_back(MemberStatus{members_[i]->name(), !members_[i]->down(), health_[i].last_error,
                               health_[i].down_since, members_[i]->outstanding()});
  }
  return out;
}

}  // namespace sslp11::core
