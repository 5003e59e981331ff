#include "abi/tls13_keys.h"

#include <map>
#include <mutex>
#include <string>

#include "abi/guard.h"
#include "core/error.h"
#include "core/handshake_hash.h"
#include "core/records.h"
#include "core/tls13_pool_blobs.h"

namespace sslp11::abi {

namespace {

// The schedules alive, by token context. Weak both ways: the secrets keep
// their schedule, nothing here keeps a token open.
struct ScheduleCache {
  std::mutex mutex;
  std::map<const core::TokenContext*,
           std::pair<std::weak_ptr<core::TokenContext>, std::weak_ptr<const core::Tls13Schedule>>>
      entries;
};

ScheduleCache& cache() {
  static ScheduleCache* const c = new ScheduleCache;  // never destroyed, like the handle table
  return *c;
}

}  // namespace

std::shared_ptr<const core::Tls13Schedule> tls13_schedule(const ProviderRef& provider) {
  Owner& owner = *provider.owner();
  std::unique_lock owner_lock(owner.tls13_mutex);
  // The instance keeps the schedule of its one token; on a pool each member
  // has its own, looked up below by the member the call is bound to.
  const bool pool = !provider->pool()->single_member();
  if (pool) owner_lock.unlock();
  if (!pool && owner.tls13) return owner.tls13;
  const auto& token = provider->token();
  auto& c = cache();
  std::lock_guard lock(c.mutex);
  // Entries of closed token contexts go; their schedules live on only in
  // what still holds them.
  std::erase_if(c.entries, [](const auto& e) { return e.second.first.expired(); });
  auto& [weak_token, weak_schedule] = c.entries[token.get()];
  auto s = weak_schedule.lock();
  if (!s || weak_token.lock() != token) {
    s = std::make_shared<const core::Tls13Schedule>(token->pool(), token->capabilities(), token->policy());
    weak_token = token;
    weak_schedule = s;
  }
  if (!pool) owner.tls13 = s;
  return s;
}

const core::Tls13Suite& offered_tls13_suite(const core::Provider& provider, DWORD protocol, DWORD suite) {
  if (protocol != TLS1_3_PROTOCOL_VERSION) {
    fail(NTE_NOT_SUPPORTED, "the TLS 1.3 key schedule runs for protocol 0x0304 (TLS1_3_PROTOCOL_VERSION) only");
  }
  // NTE_NOT_SUPPORTED, as offered_suite answers an unknown TLS 1.2 suite.
  if (core::find_tls13_suite(suite) == nullptr) fail(NTE_NOT_SUPPORTED, "dwCipherSuite is not a TLS 1.3 suite (0x1301..0x1303)");
  const core::Tls13Suite* s = provider.pool()->offered_tls13_suite(suite);
  if (s == nullptr) fail(NTE_NOT_SUPPORTED, provider.pool()->why_not_offered(suite));
  return *s;
}

std::shared_ptr<Tls13SecretKey> tls13_secret_from(NCRYPT_KEY_HANDLE h, const ProviderRef& provider,
                                                  std::initializer_list<core::Tls13SecretKind> kinds,
                                                  const char* what) {
  auto key = key_from<Tls13SecretKey>(h, provider);
  if (!key->portable && !key->travelling_psk && !provider->pool()->single_member()) provider.bind_member(key->token);
  bool fits = false;
  for (auto k : kinds) fits = fits || key->secret.kind == k;
  if (!fits) {
    fail(NTE_INVALID_HANDLE, std::string(what) + " must be " + (kinds.size() == 1 ? "the " : "one of the ") +
                                 [&] {
                                   std::string names;
                                   for (auto k : kinds) {
                                     if (!names.empty()) names += " / ";
                                     names += core::tls13_secret_name(k);
                                   }
                                   return names;
                                 }() +
                                 ", not the " + std::string(core::tls13_secret_name(key->secret.kind)));
  }
  require_alive(key->secret.object, core::tls13_secret_name(key->secret.kind).data());
  return key;
}

NCRYPT_KEY_HANDLE publish_tls13(const Tls13SecretKey& from, core::Tls13Secret secret, const ProviderRef& provider) {
  return publish(std::make_shared<Tls13SecretKey>(Tls13SecretKey{from.token, from.schedule, std::move(secret), false}),
                 provider);
}

std::shared_ptr<Tls13SecretKey> wrappable_psk_from(NCRYPT_KEY_HANDLE h, const ProviderRef& provider) {
  auto key = key_from<Tls13SecretKey>(h, provider);
  if (key->secret.kind != core::Tls13SecretKind::psk || !key->secret.wrappable) {
    fail(NTE_NOT_SUPPORTED, "of the TLS 1.3 secrets only a resumption PSK exports (BCRYPT_OPAQUE_KEY_BLOB), and only "
                            "in a pool whose members all hold the pool key");
  }
  return tls13_secret_from(h, provider, {core::Tls13SecretKind::psk}, "hKey");
}

NCRYPT_KEY_HANDLE import_pool_psk(const ProviderRef& provider, std::span<const std::uint8_t> blob) {
  return provider.placed([&] {
    auto schedule = tls13_schedule(provider);
    auto key = std::make_shared<Tls13SecretKey>(Tls13SecretKey{
        provider->token(), schedule, core::pool_blobs::import_psk(*provider, *schedule, blob), false});
    key->pool_blob = std::make_shared<const std::vector<std::uint8_t>>(blob.begin(), blob.end());
    return publish(std::move(key), provider);
  });
}

bool travels(const Tls13SecretKey& psk) { return psk.secret.wrappable || psk.pool_blob != nullptr; }

std::shared_ptr<Tls13SecretKey> early_secret_here(const ProviderRef& provider, const Tls13SecretKey& early) {
  auto schedule = tls13_schedule(provider);
  const core::Tls13Suite& suite = *early.secret.suite;
  if (early.portable) {
    return std::make_shared<Tls13SecretKey>(
        Tls13SecretKey{provider->token(), schedule, schedule->early_secret(suite, nullptr), true});
  }
  // tls13_secret_from bound the call to any other early secret's member.
  if (!early.travelling_psk) fail(NTE_INTERNAL_ERROR, "an early secret of another member that cannot be made here");
  const Tls13SecretKey& psk = *early.travelling_psk;
  // The PSK's blob: kept since its import, or sealed now on its own member.
  const std::vector<std::uint8_t> blob =
      psk.pool_blob ? *psk.pool_blob : core::pool_blobs::export_psk(*psk.token, psk.secret);
  const core::Tls13Secret here = core::pool_blobs::import_psk(*provider, *schedule, blob);
  auto out = std::make_shared<Tls13SecretKey>(
      Tls13SecretKey{provider->token(), schedule, schedule->early_secret(suite, &here), false});
  out->travelling_psk = early.travelling_psk;
  return out;
}

std::vector<std::uint8_t> tls13_transcript(NCRYPT_HASH_HANDLE h, const ProviderRef& provider,
                                           const core::Tls13Secret& secret) {
  auto hash = key_from<core::HandshakeHash>(h, provider);
  if (hash->protocol() != TLS1_3_PROTOCOL_VERSION) {
    fail(NTE_INVALID_PARAMETER, "the transcript hash was created for another protocol than TLS 1.3 (0x0304)");
  }
  if (hash->hash() != secret.suite->hash) {
    fail(NTE_INVALID_PARAMETER, "the transcript hash uses another hash than the secret's suite");
  }
  return hash->digest();
}

}  // namespace sslp11::abi
