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

std::mutex g_live_mutex;
std::unordered_set<const PrivateKey*>& live() {
  static std::unordered_set<const PrivateKey*> s;  // guarded by g_live_mutex
  return s;
}

}  // namespace

PooledPrivateKey::PooledPrivateKey(std::vector<std::shared_ptr<PrivateKey>> holders)
    : PrivateKey(holders.front()->token(), holders.front()->handle, holders.front()->key_type,
                 holders.front()->bits),
      holders_(std::move(holders)) {
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

std::shared_ptr<PrivateKey> PooledPrivateKey::pick() const {
  const std::size_t n = holders_.size();
  const std::size_t start = next_.fetch_add(1, std::memory_order_relaxed);
  std::shared_ptr<PrivateKey> best;
  std::size_t best_load = std::numeric_limits<std::size_t>::max();
  for (std::size_t k = 0; k < n; ++k) {
    const auto& h = holders_[(start + k) % n];
    if (h->member_lost()) continue;
    if (h->token()->outstanding() < best_load) {
      best = h;
      best_load = h->token()->outstanding();
    }
  }
  return best;
}

std::shared_ptr<PrivateKey> open_private_key_on_pool(const Provider& provider, std::span<const std::uint8_t> der) {
  TokenPool& pool = *provider.pool();
  std::vector<std::shared_ptr<PrivateKey>> holders;
  std::vector<std::string> lacking;
  std::optional<Error> not_found;
  for (const auto& member : pool.members()) {
    if (member->down()) continue;
    try {
      holders.push_back(pool.run_on(member, [&](const std::shared_ptr<TokenContext>& m) {
        return open_private_key_for_certificate(Provider(provider, m), der);
      }));
    } catch (const Error& e) {
      if (e.fault() != Fault::not_found) throw;
      lacking.push_back("[token." + member->name() + "]");
      if (!not_found) not_found = e;
    } catch (const std::exception&) {
      if (!member->down()) throw;  // run_on marked it down: the others may hold the key
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
  if (holders.size() == 1) return holders.front();
  return std::make_shared<PooledPrivateKey>(std::move(holders));
}

}  // namespace sslp11::core
