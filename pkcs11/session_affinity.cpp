// The parking half of SessionPool: keeping a returned session with the
// thread that returned it, claiming it back, and stealing it for another
// thread when the pool has nothing else (see session_affinity.h).
#include "pkcs11/session_affinity.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <shared_mutex>

namespace sslp11::p11 {

namespace {
std::atomic<std::uint64_t> g_next_thread_id{1};
}  // namespace

std::uint64_t this_thread_id() noexcept {
  thread_local const std::uint64_t id = g_next_thread_id.fetch_add(1, std::memory_order_relaxed);
  return id;
}

AffinityCache::~AffinityCache() {
  for (auto& e : entries) {
    if (e.pool_id == 0 || !e.record) continue;
    if (auto pool = e.pool.lock()) pool->return_from_exiting_thread(e.record, this_thread_id());
  }
}

AffinityCache& affinity() noexcept {
  thread_local AffinityCache cache;
  return cache;
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

}  // namespace sslp11::p11
