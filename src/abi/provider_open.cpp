#include "abi/provider_open.h"

#include <algorithm>
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
std::map<std::string, std::weak_ptr<core::TokenContext>>& contexts() {
  static std::map<std::string, std::weak_ptr<core::TokenContext>> m;
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

std::shared_ptr<core::TokenContext> open_configured_token() {
  config::Config cfg;
  try {
    cfg = config::load_config(config::find_config_file({}));
  } catch (const config::ConfigError& e) {
    fail(NTE_PROVIDER_DLL_FAIL, std::string("sslp11 is not configured: ") + e.what());
  }
  config::apply_log_settings(cfg);
  const config::TokenConfig& token = cfg.default_token_config();
  const std::string key = cfg.path + "#" + token.name;
  std::lock_guard lock(g_mutex);
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

}  // namespace sslp11::abi
