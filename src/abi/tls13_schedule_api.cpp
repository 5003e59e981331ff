// The TLS 1.3 key schedule functions (reference §2.I, §2.J): SslExtractEarlyKey,
// SslExtractHandshakeKey, SslExtractMasterKey, SslExpandTrafficKeys,
// SslExpandWriteKey, SslExpandExporterMasterKey, SslExpandResumptionMasterKey,
// SslExpandBinderKey, SslExpandPreSharedKey, SslExpandNextGenTrafficKey.
// Validate in the TLS 1.2 functions' order (provider, out pointer, flags,
// handles), then one step of core::Tls13Schedule each.
#include <memory>
#include <string>

#include "abi/buffer_desc.h"
#include "abi/guard.h"
#include "abi/handles.h"
#include "abi/tls13_keys.h"
#include "core/keys.h"
#include "core/records.h"
#include "core/tls13_shared_secret.h"

using namespace sslp11;
using namespace sslp11::abi;
using Kind = core::Tls13SecretKind;

namespace {

constexpr std::size_t kMaxTicketNonce = 255;  // RFC 8446 §4.6.1: opaque ticket_nonce<0..255>

// Every function takes an optional parameter list that Schannel leaves NULL:
// a malformed one is refused, its buffers are not used.
void check_parameters(PNCryptBufferDesc list) { const ParameterList params(list); }

NCRYPT_KEY_HANDLE* require_out(NCRYPT_KEY_HANDLE* out, const char* name) {
  if (out == nullptr) fail(NTE_INVALID_PARAMETER, std::string(name) + " is NULL");
  *out = 0;
  return out;
}

void no_flags(DWORD flags, const char* function) {
  if (flags != 0) fail(NTE_BAD_FLAGS, std::string(function) + " takes no flags");
}

}  // namespace

extern "C" {

SECURITY_STATUS WINAPI SslExtractEarlyKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPreSharedKey,
                                          NCRYPT_KEY_HANDLE* phEarlyKey, DWORD dwProtocol, DWORD dwCipherSuite,
                                          PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hPreSharedKey", hPreSharedKey, "dwProtocol", dwProtocol,
                           "dwCipherSuite", dwCipherSuite, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    require_out(phEarlyKey, "phEarlyKey");
    no_flags(dwFlags, "SslExtractEarlyKey");
    check_parameters(pParameterList);
    const core::Tls13Suite& suite = offered_tls13_suite(*provider, dwProtocol, dwCipherSuite);
    std::shared_ptr<Tls13SecretKey> psk;
    if (hPreSharedKey != 0) psk = tls13_secret_from(hPreSharedKey, provider, {Kind::psk}, "hPreSharedKey");
    // A new key schedule: placed, unless the PSK pins it to its member (a
    // PSK that travels follows the key share later, early_secret_here).
    if (psk && travels(*psk)) {
      auto early = std::make_shared<Tls13SecretKey>(
          Tls13SecretKey{psk->token, psk->schedule, psk->schedule->early_secret(suite, &psk->secret), false});
      early->travelling_psk = psk;
      *phEarlyKey = publish(std::move(early), provider);
      return;
    }
    *phEarlyKey = psk ? publish_tls13(*psk, psk->schedule->early_secret(suite, &psk->secret), provider)
                      : provider.placed([&] {
                          auto schedule = tls13_schedule(provider);
                          auto early = std::make_shared<Tls13SecretKey>(Tls13SecretKey{
                              provider->token(), schedule, schedule->early_secret(suite, nullptr), true});
                          return publish(std::move(early), provider);
                        });
  });
}

SECURITY_STATUS WINAPI SslExtractHandshakeKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey,
                                              NCRYPT_KEY_HANDLE hPublicKey, NCRYPT_KEY_HANDLE hEarlyKey,
                                              NCRYPT_KEY_HANDLE* phHandshakeKey, PNCryptBufferDesc pParameterList,
                                              DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hPrivateKey", hPrivateKey, "hPublicKey", hPublicKey,
                           "hEarlyKey", hEarlyKey, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    require_out(phHandshakeKey, "phHandshakeKey");
    no_flags(dwFlags, "SslExtractHandshakeKey");
    check_parameters(pParameterList);
    auto own = key_from<core::EphemeralKey>(hPrivateKey, provider);
    auto peer = key_from<core::PublicKey>(hPublicKey, provider);
    auto early = tls13_secret_from(hEarlyKey, provider, {Kind::early}, "hEarlyKey");
    // A portable early secret, or one from a PSK that travels, of another
    // pool member: the same one on ours.
    if (early->token != provider->token()) early = early_secret_here(provider, *early);
    if (own->kind != core::ExchangeKind::ec || peer->kind != core::ExchangeKind::ec) {
      fail(NTE_NOT_SUPPORTED, "sslp11's TLS 1.3 key exchange is ECDHE (P-256, P-384, P-521, x25519)");
    }
    if (own->curve != peer->curve) fail(NTE_INVALID_PARAMETER, "the peer's key share is on another curve than ours");
    require_alive(own->private_key, "ephemeral key");
    // RFC 8446 §7.4.2: the x-coordinate, as long as the curve's field (x25519:
    // the 32-byte X25519 output, RFC 7748 §6.1; the peer's small-order
    // values were refused at import).
    const std::size_t z_bytes = own->curve->coordinate_bytes;
    const auto& schedule = *early->schedule;
    const p11::Object shared =
        core::ecdhe_shared_secret(schedule.pool(), schedule.path(), own->private_key, peer->public_value, z_bytes);
    *phHandshakeKey = publish_tls13(*early, schedule.handshake_secret(early->secret, shared, z_bytes), provider);
  });
}

SECURITY_STATUS WINAPI SslExtractMasterKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hHandshakeKey,
                                           NCRYPT_KEY_HANDLE* phMasterKey, PNCryptBufferDesc pParameterList,
                                           DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hHandshakeKey", hHandshakeKey, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    require_out(phMasterKey, "phMasterKey");
    no_flags(dwFlags, "SslExtractMasterKey");
    check_parameters(pParameterList);
    auto hs = tls13_secret_from(hHandshakeKey, provider, {Kind::handshake}, "hHandshakeKey");
    *phMasterKey = publish_tls13(*hs, hs->schedule->master_secret(hs->secret), provider);
  });
}

SECURITY_STATUS WINAPI SslExpandTrafficKeys(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hBaseKey,
                                            NCRYPT_HASH_HANDLE hHashValue, NCRYPT_KEY_HANDLE* phClientTrafficKey,
                                            NCRYPT_KEY_HANDLE* phServerTrafficKey, PNCryptBufferDesc pParameterList,
                                            DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hBaseKey", hBaseKey, "hHashValue", hHashValue,
                           "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (phClientTrafficKey == nullptr && phServerTrafficKey == nullptr) {
      fail(NTE_INVALID_PARAMETER, "phClientTrafficKey and phServerTrafficKey are both NULL");
    }
    if (phClientTrafficKey != nullptr) *phClientTrafficKey = 0;
    if (phServerTrafficKey != nullptr) *phServerTrafficKey = 0;
    no_flags(dwFlags, "SslExpandTrafficKeys");
    check_parameters(pParameterList);
    auto base = tls13_secret_from(hBaseKey, provider, {Kind::early, Kind::handshake, Kind::master}, "hBaseKey");
    if (base->secret.kind == Kind::early && phServerTrafficKey != nullptr) {
      fail(NTE_INVALID_PARAMETER, "the early secret has only a client traffic secret (0-RTT); phServerTrafficKey "
                                  "must be NULL");
    }
    const auto transcript = tls13_transcript(hHashValue, provider, base->secret);
    const auto& schedule = *base->schedule;
    NCRYPT_KEY_HANDLE client = 0;
    if (phClientTrafficKey != nullptr) {
      client = publish_tls13(*base, schedule.traffic_secret(base->secret, core::Tls13Side::client, transcript),
                             provider);
    }
    if (phServerTrafficKey != nullptr) {
      try {
        *phServerTrafficKey = publish_tls13(
            *base, schedule.traffic_secret(base->secret, core::Tls13Side::server, transcript), provider);
      } catch (...) {
        if (client != 0) HandleTable::instance().remove(client);
        throw;
      }
    }
    if (phClientTrafficKey != nullptr) *phClientTrafficKey = client;
  });
}

SECURITY_STATUS WINAPI SslExpandWriteKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hBaseTrafficKey,
                                         NCRYPT_KEY_HANDLE* phWriteKey, PNCryptBufferDesc pParameterList,
                                         DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hBaseTrafficKey", hBaseTrafficKey, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    require_out(phWriteKey, "phWriteKey");
    no_flags(dwFlags, "SslExpandWriteKey");
    check_parameters(pParameterList);
    auto traffic = tls13_secret_from(hBaseTrafficKey, provider,
                                     {Kind::client_early_traffic, Kind::client_handshake_traffic,
                                      Kind::server_handshake_traffic, Kind::client_application_traffic,
                                      Kind::server_application_traffic},
                                     "hBaseTrafficKey");
    core::Tls13WriteKey wk = traffic->schedule->write_key(traffic->secret);
    // The record functions' key: one direction, sealed by its writer and
    // opened by the peer with the same handle kind.
    auto key = std::make_shared<core::SessionKey>(traffic->token, core::kTls13RecordProtocol,
                                                  core::tls13_record_suite(*wk.suite), /*write=*/true, wk.path,
                                                  std::move(wk.key), p11::Object{}, std::move(wk.iv));
    *phWriteKey = publish(std::move(key), provider);
  });
}

SECURITY_STATUS WINAPI SslExpandExporterMasterKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hBaseKey,
                                                  NCRYPT_HASH_HANDLE hHashValue, NCRYPT_KEY_HANDLE* phExporterMasterKey,
                                                  PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hBaseKey", hBaseKey, "hHashValue", hHashValue,
                           "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    require_out(phExporterMasterKey, "phExporterMasterKey");
    no_flags(dwFlags, "SslExpandExporterMasterKey");
    check_parameters(pParameterList);
    auto base = tls13_secret_from(hBaseKey, provider, {Kind::early, Kind::master}, "hBaseKey");
    const auto transcript = tls13_transcript(hHashValue, provider, base->secret);
    *phExporterMasterKey = publish_tls13(*base, base->schedule->exporter_master(base->secret, transcript), provider);
  });
}

SECURITY_STATUS WINAPI SslExpandResumptionMasterKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hMasterKey,
                                                    NCRYPT_HASH_HANDLE hHashValue,
                                                    NCRYPT_KEY_HANDLE* phResumptionMasterKey,
                                                    PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hMasterKey", hMasterKey, "hHashValue", hHashValue,
                           "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    require_out(phResumptionMasterKey, "phResumptionMasterKey");
    no_flags(dwFlags, "SslExpandResumptionMasterKey");
    check_parameters(pParameterList);
    auto master = tls13_secret_from(hMasterKey, provider, {Kind::master}, "hMasterKey");
    const auto transcript = tls13_transcript(hHashValue, provider, master->secret);
    *phResumptionMasterKey =
        publish_tls13(*master, master->schedule->resumption_master(master->secret, transcript), provider);
  });
}

SECURITY_STATUS WINAPI SslExpandBinderKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hEarlyKey,
                                          NCRYPT_KEY_HANDLE* phBinderKey, PNCryptBufferDesc pParameterList,
                                          DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hEarlyKey", hEarlyKey, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    require_out(phBinderKey, "phBinderKey");
    if (dwFlags != NCRYPT_SSL_EXTERNAL_PSK_FLAG && dwFlags != NCRYPT_SSL_RESUMPTION_PSK_FLAG) {
      fail(NTE_BAD_FLAGS, "dwFlags must be exactly one of NCRYPT_SSL_EXTERNAL_PSK_FLAG ('ext binder') and "
                          "NCRYPT_SSL_RESUMPTION_PSK_FLAG ('res binder')");
    }
    check_parameters(pParameterList);
    auto early = tls13_secret_from(hEarlyKey, provider, {Kind::early}, "hEarlyKey");
    const auto kind =
        dwFlags == NCRYPT_SSL_EXTERNAL_PSK_FLAG ? core::Tls13Binder::external : core::Tls13Binder::resumption;
    *phBinderKey = publish_tls13(*early, early->schedule->binder_key(early->secret, kind), provider);
  });
}

SECURITY_STATUS WINAPI SslExpandPreSharedKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hResumptionMasterKey,
                                             PBYTE pbTicketNonce, DWORD cbTicketNonce,
                                             NCRYPT_KEY_HANDLE* phPreSharedKey, PNCryptBufferDesc pParameterList,
                                             DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hResumptionMasterKey", hResumptionMasterKey,
                           "cbTicketNonce", cbTicketNonce, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    require_out(phPreSharedKey, "phPreSharedKey");
    no_flags(dwFlags, "SslExpandPreSharedKey");
    if (pbTicketNonce == nullptr && cbTicketNonce != 0) fail(NTE_INVALID_PARAMETER, "cbTicketNonce without pbTicketNonce");
    if (cbTicketNonce > kMaxTicketNonce) fail(NTE_INVALID_PARAMETER, "a ticket nonce is at most 255 bytes");
    check_parameters(pParameterList);
    auto res = tls13_secret_from(hResumptionMasterKey, provider, {Kind::resumption_master}, "hResumptionMasterKey");
    const std::span<const std::uint8_t> nonce(pbTicketNonce, pbTicketNonce == nullptr ? 0 : cbTicketNonce);
    // In a pool whose members all hold the pool key the PSK (a ticket's
    // secret) is made extractable, so that it can travel to the member a
    // resumption lands on (core/tls13_pool_blobs.h).
    *phPreSharedKey = publish_tls13(
        *res, res->schedule->pre_shared_key(res->secret, nonce, provider->pool()->masters_wrappable()), provider);
  });
}

SECURITY_STATUS WINAPI SslExpandNextGenTrafficKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hTrafficSecret,
                                                  NCRYPT_KEY_HANDLE* phNextTrafficSecret,
                                                  PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hTrafficSecret", hTrafficSecret, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    require_out(phNextTrafficSecret, "phNextTrafficSecret");
    no_flags(dwFlags, "SslExpandNextGenTrafficKey");
    check_parameters(pParameterList);
    // RFC 8446 §7.2: KeyUpdate moves application traffic secrets only.
    auto traffic = tls13_secret_from(hTrafficSecret, provider,
                                     {Kind::client_application_traffic, Kind::server_application_traffic},
                                     "hTrafficSecret");
    *phNextTrafficSecret = publish_tls13(*traffic, traffic->schedule->next_traffic_secret(traffic->secret), provider);
  });
}

}  // extern "C"
