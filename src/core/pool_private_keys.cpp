#include "core/pool_private_keys.h"

#include <algorithm>
#include <limits>
#include <mutex>
#include <optional>
#include <unordered_set>

#include "core/error.h"
#include "core/private_keys.h"
#include "log/logger.h"
#include "pkcs11/error.h"

namespace sslp11::core {

namespace {

constexpr std::uint64_t kNeverAsked = std::numeric_limits<std::uint64_t>::max();

std::mutex g_live_mutex;
std::unordered_set<const PrivateKey*>& live() {
  static std::unordered_set<const PrivateKey*> s;  // guarded by g_live_mutex
  return s;
}

}  // namespace

PooledPrivateKey::PooledPrivateKey(std::vector<Holder> holders, const Provider& provider,
                                   std::span<const std::uint8_t> certificate)
    : PrivateKey(holders.front().key->token(), holders.front().key->handle, holders.front().key->key_type,
                 holders.front().key->bits),
      provider_(provider),
      certificate_(certificate.begin(), certificate.end()) {
  for (auto& h : holders) {
    // A member down when the key was opened was never asked: ask it when it is back.
    const std::uint64_t asked = h.key ? h.member->losses() : kNeverAsked;
    slots_.push_back(Slot{std::move(h), asked});
  }
  std::lock_guard lock(g_live_mutex);
  live().insert(this);
}

PooledPrivateKey::~PooledPrivateKey() {
  std::lock_guard lock(g_live_mutex);
  live().erase(this);
}

const PooledPrivateKey* PooledPrivateKey::of(const PrivateKey& key) noexcept {
  std::lock_guard lock(g_live_mutex);
  return live().contains(&key) ? static_cast<const PooledPrivateKey*>(&key) : nullptr;
}

void PooledPrivateKey::find_again_on_rejoined() const {
  // Which members are back without a usable holder and not asked since they
  // came back: cheap, no token call, so every use can look.
  std::vector<std::size_t> due;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      const Slot& s = slots_[i];
      const bool usable = s.holder.key && !s.holder.key->member_lost();
      if (!usable && !s.holder.member->down() && s.asked_at_losses != s.holder.member->losses()) due.push_back(i);
    }
  }
  if (due.empty()) return;
  std::unique_lock finding(finding_, std::try_to_lock);
  if (!finding.owns_lock()) return;  // another thread is asking them
  TokenPool& pool = *provider_.pool();
  for (std::size_t i : due) {
    std::shared_ptr<TokenContext> member;
    {
      std::lock_guard lock(mutex_);
      member = slots_[i].holder.member;
      slots_[i].asked_at_losses = member->losses();  // asked once per rejoin, found or not
    }
    try {
      auto key = pool.run_on(member, [&](const std::shared_ptr<TokenContext>& m) {
        return open_private_key_for_certificate(Provider(provider_, m), certificate_);
      });
      std::lock_guard lock(mutex_);
      slots_[i].holder.key = std::move(key);
      log::info("pool", "[pool.", pool.name(), "] member [token.", member->name(),
                "] is back: the private key signs there again");
    } catch (const std::exception& e) {
      log::info("pool", "[pool.", pool.name(), "] member [token.", member->name(),
                "] is back but the private key was not found there again: ", e.what());
    }
  }
}

std::shared_ptr<PrivateKey> PooledPrivateKey::pick() const {
  find_again_on_rejoined();
  std::lock_guard lock(mutex_);
  const std::size_t n = slots_.size();
  const std::size_t start = next_.fetch_add(1, std::memory_order_relaxed);
  std::shared_ptr<PrivateKey> best;
  std::size_t best_load = std::numeric_limits<std::size_t>::max();
  for (std::size_t k = 0; k < n; ++k) {
    const auto& h = slots_[(start + k) % n].holder.key;
    if (!h || h->member_lost()) continue;
    if (h->token()->outstanding() < best_load) {
      best = h;
      best_load = h->token()->outstanding();
    }
  }
  return best;
}

std::shared_ptr<PrivateKey> open_private_key_on_pool(const Provider& provider, std::span<const std::uint8_t> der) {
  TokenPool& pool = *provider.pool();
  std::vector<PooledPrivateKey::Holder> holders;  // those with a key first
  std::vector<PooledPrivateKey::Holder> down;     // asked again when back
  std::vector<std::string> lacking;
  std::optional<Error> not_found;
  for (const auto& member : pool.members()) {
    if (member->down()) {
      down.push_back({member, nullptr});
      continue;
    }
    try {
      holders.push_back({member, pool.run_on(member, [&](const std::shared_ptr<TokenContext>& m) {
                           return open_private_key_for_certificate(Provider(provider, m), der);
                         })});
    } catch (const Error& e) {
      if (e.fault() != Fault::not_found) throw;
      lacking.push_back("[token." + member->name() + "]");
      if (!not_found) not_found = e;
    } catch (const std::exception&) {
      if (!member->down()) throw;  // run_on marked it down: the others may hold the key
      down.push_back({member, nullptr});
    }
  }
  if (holders.empty()) {
    if (not_found) throw *not_found;
    throw p11::LayerError(p11::Fault::token_unreachable, "every member of pool '" + pool.name() + "' is down");
  }
  if (!lacking.empty()) {
    std::string names;
    for (const auto& l : lacking) names += (names.empty() ? "" : ", ") + l;
    log::info("pool", "[pool.", pool.name(), "] the private key is not on member(s) ", names,
              "; signing and RSA key exchange with it use the others");
  }
  if (holders.size() == 1 && down.empty()) return holders.front().key;
  holders.insert(holders.end(), down.begin(), down.end());
  return std::make_shared<PooledPrivateKey>(std::move(holders), provider, der);
}

}  // namespace sslp11::core
