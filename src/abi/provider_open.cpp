#include "abi/provider_open.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include "abi/guard.h"
#include "abi/wide.h"
#include "config/config.h"
#include "config/log_settings.h"

namespace sslp11::abi {

bool names_this_provider(LPCWSTR name) {
  if (name == nullptr) return true;
  const auto n = wide_view(name);
  return n == std::u16string_view(MS_SCHANNEL_PROVIDER) || n == std::u16string_view(SSLP11_PROVIDER_NAME);
}

namespace {

std::mutex g_mutex;
// One shared context per (config file, token), and one pool per (config
// file, default-token): a lone token is a pool of one. Guarded by g_mutex.
std::map<std::string, std::weak_ptr<core::TokenContext>>& contexts() {
  static std::map<std::string, std::weak_ptr<core::TokenContext>> m;
  return m;
}
std::map<std::string, std::weak_ptr<core::TokenPool>>& pools() {
  static std::map<std::string, std::weak_ptr<core::TokenPool>> m;
  return m;
}

core::TokenSettings settings_from(const config::TokenConfig& t) {
  core::TokenSettings s;
  s.name = t.name;
  s.module = t.module;
  s.init_args = t.init_args;
  s.selector = t.selector;
  s.pin = config::resolve_pin(t.pin, /*interactive=*/false);
  s.pool_size = t.pool_size;
  s.policy = t.derivation == config::DerivationPolicy::native_only ? core::DerivationPolicy::native_only
                                                              : core::DerivationPolicy::allow_composed;
  for (const auto& name : t.cipher_suites) {
    if (core::find_cipher_suite(name) == nullptr && core::find_tls13_suite(name) == nullptr) {
      fail(NTE_PROVIDER_DLL_FAIL, "configuration names cipher suite '" + name + "', which sslp11 does not know");
    }
  }
  s.cipher_suites = t.cipher_suites;
  const auto listed = [&](std::string_view p) {
    return std::find(t.protocols.begin(), t.protocols.end(), p) != t.protocols.end();
  };
  s.offer_tls12 = listed("tls1.2");
  s.offer_tls13 = listed("tls1.3");
  return s;
}

}  // namespace

namespace {

// The context of [token.NAME], shared with every other open of it; g_mutex held.
std::shared_ptr<core::TokenContext> open_token_locked(const config::Config& cfg, const config::TokenConfig& token) {
  const std::string key = cfg.path + "#" + token.name;
  // After fork() the parent's context is the parent's: a child opens its own.
  if (auto existing = contexts()[key].lock(); existing && !existing->pool()->module().forked()) {
    log::debug("provider", "[token.", token.name, "] of ", cfg.path, " is already open: sharing its sessions");
    return existing;
  }
  std::shared_ptr<core::TokenContext> ctx;
  try {
    ctx = core::TokenContext::open(settings_from(token));
  } catch (const config::ConfigError& e) {
    fail(NTE_PROVIDER_DLL_FAIL, e.what());
  }
  contexts()[key] = ctx;
  log::info("provider", "opened [token.", token.name, "] of ", cfg.path, ": label '", ctx->slot().label, "', slot ",
            ctx->slot().id, ", module ", token.module, ", derivation ",
            ctx->path() == p11::DerivationPath::native ? "native" : "composed", ", ", ctx->suites().size(),
            " cipher suites offered");
  return ctx;
}

core::PoolSettings pool_settings_from(const config::PoolConfig& p) {
  core::PoolSettings s;
  s.name = p.name;
  switch (p.policy) {
    case config::PoolPolicy::least_outstanding: s.policy = core::PlacementPolicy::least_outstanding; break;
    case config::PoolPolicy::round_robin: s.policy = core::PlacementPolicy::round_robin; break;
    case config::PoolPolicy::weighted: s.policy = core::PlacementPolicy::weighted; break;
  }
  s.weights = p.weights;
  s.member_sessions = p.member_sessions;
  s.probe_interval = std::chrono::milliseconds(p.probe_interval_ms);
  s.call_timeout = std::chrono::milliseconds(p.call_timeout_ms);
  return s;
}

}  // namespace

std::shared_ptr<core::TokenPool> open_configured_pool() {
  config::Config cfg;
  try {
    cfg = config::load_config(config::find_config_file({}));
  } catch (const config::ConfigError& e) {
    fail(NTE_PROVIDER_DLL_FAIL, std::string("sslp11 is not configured: ") + e.what());
  }
  config::apply_log_settings(cfg);
  const std::string key = cfg.path + "#" + cfg.default_token;
  std::lock_guard lock(g_mutex);
  if (auto existing = pools()[key].lock(); existing && !existing->members().front()->pool()->module().forked()) {
    log::debug("provider", cfg.default_pool() != nullptr ? "[pool." : "[token.", cfg.default_token, "] of ", cfg.path,
               " is already open: sharing its sessions");
    return existing;
  }
  std::shared_ptr<core::TokenPool> pool;
  if (const config::PoolConfig* p = cfg.default_pool()) {
    // Every member must open: a pool is configured to have them all, and a
    // member missing from the start is a configuration error, not a failover.
    std::vector<std::shared_ptr<core::TokenContext>> members;
    for (const auto& name : p->members) members.push_back(open_token_locked(cfg, *cfg.find(name)));
    pool = core::TokenPool::open(pool_settings_from(*p), std::move(members));
    log::info("provider", "opened [pool.", p->name, "] of ", cfg.path, ": ", p->members.size(), " members, policy ",
              config::pool_policy_name(p->policy));
  } else {
    pool = core::TokenPool::single(open_token_locked(cfg, cfg.default_token_config()));
  }
  pools()[key] = pool;
  return pool;
}

}  // namespace sslp11::abi
