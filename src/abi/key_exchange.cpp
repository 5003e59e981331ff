// Keys and key exchange: SslCreateEphemeralKey, SslImportKey, SslExportKey,
// SslOpenPrivateKey, SslGeneratePreMasterKey, SslGenerateMasterKey,
// SslImportMasterKey. Validate, translate, call the core.
#include <cstring>
#include <variant>

#include "abi/buffer_desc.h"
#include "abi/guard.h"
#include "abi/handles.h"
#include "abi/private_key_ref.h"
#include "abi/key_blobs.h"
#include "abi/tls13_keys.h"
#include "abi/wide.h"
#include "core/key_exchange.h"
#include "core/opaque_blobs.h"
#include "core/pool_blobs.h"
#include "core/pool_private_keys.h"
#include "core/private_keys.h"
#include "core/tls13_pool_blobs.h"

using namespace sslp11;
using namespace sslp11::abi;

namespace {

core::Random random_from(std::span<const std::uint8_t> b) {
  core::Random r;
  std::memcpy(r.data(), b.data(), r.size());
  return r;
}

// The master-key parameters of §3.6: randoms, or the RFC 7627 session hash.
core::MasterInput master_input(const ParameterList& params, const core::CipherSuite& suite) {
  core::MasterInput in;
  if (auto hash = params.find(NCRYPTBUFFER_SSL_SESSION_HASH)) {
    if (hash->size() != core::hash_bytes(suite.prf)) {
      fail(NTE_INVALID_PARAMETER, "NCRYPTBUFFER_SSL_SESSION_HASH must be the PRF hash length (" +
                                      std::to_string(core::hash_bytes(suite.prf)) + " bytes)");
    }
    in.session_hash = std::vector<std::uint8_t>(hash->begin(), hash->end());
    return in;
  }
  in.client_random = random_from(params.require(NCRYPTBUFFER_SSL_CLIENT_RANDOM, 32, "NCRYPTBUFFER_SSL_CLIENT_RANDOM"));
  in.server_random = random_from(params.require(NCRYPTBUFFER_SSL_SERVER_RANDOM, 32, "NCRYPTBUFFER_SSL_SERVER_RANDOM"));
  return in;
}

std::uint16_t client_version(const ParameterList& params, DWORD protocol) {
  const auto v = params.find_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, "NCRYPTBUFFER_SSL_HIGHEST_VERSION");
  const DWORD version = v.value_or(protocol);
  if (version < SSL3_PROTOCOL_VERSION || version > 0xFFFF) fail(NTE_INVALID_PARAMETER, "implausible highest version");
  return static_cast<std::uint16_t>(version);
}

void write_output(std::span<const std::uint8_t> data, PBYTE out, DWORD cb_out, DWORD* pcb_result) {
  if (output_wanted(data.size(), out, cb_out, pcb_result)) std::memcpy(out, data.data(), data.size());
}

}  // namespace

extern "C" {

SECURITY_STATUS WINAPI SslCreateEphemeralKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE* phEphemeralKey,
                                             DWORD dwProtocol, DWORD dwCipherSuite, DWORD dwKeyType,
                                             DWORD dwKeyBitLen, PBYTE pbParams, DWORD cbParams, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "dwProtocol", dwProtocol, "dwCipherSuite", dwCipherSuite,
                           "dwKeyType", dwKeyType, "dwKeyBitLen", dwKeyBitLen, "cbParams", cbParams,
                           "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (phEphemeralKey == nullptr) fail(NTE_INVALID_PARAMETER, "phEphemeralKey is NULL");
    *phEphemeralKey = 0;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslCreateEphemeralKey takes no flags");
    if (pbParams == nullptr && cbParams != 0) fail(NTE_INVALID_PARAMETER, "cbParams without pbParams");
    if (dwProtocol == TLS1_3_PROTOCOL_VERSION) {
      // A TLS 1.3 key share (RFC 8446 §4.2.8): an ECDHE group, whatever the suite.
      offered_tls13_suite(*provider, dwProtocol, dwCipherSuite);
      const core::NamedCurve* curve =
          dwKeyType != 0 ? core::find_curve_by_group(dwKeyType) : core::find_curve_by_bits(dwKeyBitLen);
      if (curve == nullptr) {
        fail(NTE_NOT_SUPPORTED, "sslp11's TLS 1.3 key shares are secp256r1, secp384r1, secp521r1 and x25519");
      }
      if (dwKeyBitLen != 0 && dwKeyBitLen != curve->bits) fail(NTE_INVALID_PARAMETER, "dwKeyBitLen does not match the curve");
      if (auto why = core::curve_unavailable_reason(*curve, provider->token()->capabilities())) {
        fail(NTE_NOT_SUPPORTED, *why);
      }
      *phEphemeralKey =
          publish(provider.placed([&] { return core::create_ec_ephemeral(*provider, *curve); }), provider);
      return;
    }
    const core::CipherSuite& suite = offered_suite(*provider, dwProtocol, dwCipherSuite);
    std::shared_ptr<core::EphemeralKey> key;
    if (suite.kx == core::KeyExchange::ecdhe) {
      const core::NamedCurve* curve =
          dwKeyType != 0 ? core::find_curve_by_group(dwKeyType) : core::find_curve_by_bits(dwKeyBitLen);
      if (curve == nullptr) fail(NTE_INVALID_PARAMETER, "unknown curve (dwKeyType / dwKeyBitLen)");
      if (dwKeyBitLen != 0 && dwKeyBitLen != curve->bits) fail(NTE_INVALID_PARAMETER, "dwKeyBitLen does not match the curve");
      if (auto why = core::curve_unavailable_reason(*curve, provider->token()->capabilities())) {
        fail(NTE_NOT_SUPPORTED, *why);
      }
      if (auto why = core::suite_curve_unavailable_reason(suite, *curve, provider->token()->capabilities())) {
        fail(NTE_NOT_SUPPORTED, *why);
      }
      key = provider.placed([&] { return core::create_ec_ephemeral(*provider, *curve); });
    } else if (suite.kx == core::KeyExchange::dhe) {
      if (pbParams == nullptr) fail(NTE_INVALID_PARAMETER, "DHE needs the group in pbParams (BCRYPT_DH_PARAMETERS)");
      const auto group = parse_dh_parameters({pbParams, cbParams});
      if (group.prime.size() < 256) fail(NTE_INVALID_PARAMETER, "sslp11 refuses DH groups smaller than 2048 bits");
      key = provider.placed([&] { return core::create_dh_ephemeral(*provider, group.prime, group.generator); });
    } else {
      fail(NTE_INVALID_PARAMETER, "RSA key exchange has no ephemeral key");
    }
    *phEphemeralKey = publish(std::move(key), provider);
  });
}

SECURITY_STATUS WINAPI SslImportKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE* phKey, LPCWSTR pszBlobType,
                                    PBYTE pbKeyBlob, DWORD cbKeyBlob, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "cbKeyBlob", cbKeyBlob, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (phKey == nullptr) fail(NTE_INVALID_PARAMETER, "phKey is NULL");
    *phKey = 0;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslImportKey takes no flags");
    if (pszBlobType == nullptr || pbKeyBlob == nullptr || cbKeyBlob == 0) {
      fail(NTE_INVALID_PARAMETER, "NULL blob type or empty blob");
    }
    const auto type = wide_view(pszBlobType);
    const std::span<const std::uint8_t> blob(pbKeyBlob, cbKeyBlob);
    std::shared_ptr<core::PublicKey> key;
    if (type == std::u16string_view(BCRYPT_ECCPUBLIC_BLOB)) {
      const auto ec = parse_ecc_public(blob);
      key = core::import_ec_public(*provider, *ec.curve, ec.x, ec.y);
    } else if (type == std::u16string_view(SSL_ECCPUBLIC_BLOB)) {
      const auto ec = parse_ssl_ecc_public(blob);
      key = ec.curve->montgomery() ? core::import_montgomery_public(*provider, *ec.curve, ec.x)
                                   : core::import_ec_public(*provider, *ec.curve, ec.x, ec.y);
    } else if (type == std::u16string_view(BCRYPT_DH_PUBLIC_BLOB)) {
      const auto dh = parse_dh_public(blob);
      key = core::import_dh_public(*provider, dh.prime, dh.generator, dh.y);
    } else if (type == std::u16string_view(BCRYPT_RSAPUBLIC_BLOB)) {
      const auto rsa = parse_rsa_public(blob);
      // The one peer key with a token object: placed, and the pre-master made
      // with it follows it (key_from binds).
      key = provider.placed([&] { return core::import_rsa_public(*provider, rsa.modulus, rsa.exponent); });
    } else if (type == std::u16string_view(BCRYPT_OPAQUE_KEY_BLOB)) {
      if (core::pool_blobs::blob_version(blob) == core::pool_blobs::kVersion) {
        if (core::pool_blobs::blob_kind(blob) == static_cast<std::uint8_t>(core::pool_blobs::Kind::tls13_psk)) {
          *phKey = import_pool_psk(provider, blob);
          return;
        }
        // A master wrapped under the pool key: a new key schedule, placed
        // like one, on whichever member the policy picks.
        auto master = provider.placed([&] { return core::pool_blobs::import_master(*provider, blob); });
        *phKey = publish(std::move(master), provider);
        return;
      }
      // A new handle to the registered master or session key: the token
      // objects are shared, and go with the last handle (or registry entry).
      auto registered = provider->opaque_blobs_naming(blob).import_blob(blob);
      if (registered.exporter != provider.handle()) {
        fail(NTE_BAD_DATA, "the opaque key blob was exported by another provider instance");
      }
      *phKey = std::visit([&](auto key) { return publish(std::move(key), provider); }, std::move(registered.key));
      return;
    } else {
      fail(NTE_NOT_SUPPORTED, "unsupported blob type");
    }
    *phKey = publish(std::move(key), provider);
  });
}

SECURITY_STATUS WINAPI SslExportKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hKey, LPCWSTR pszBlobType,
                                    PBYTE pbOutput, DWORD cbOutput, DWORD* pcbResult, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hKey", hKey, "cbOutput", cbOutput, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (pcbResult == nullptr) fail(NTE_INVALID_PARAMETER, "pcbResult is NULL");
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslExportKey takes no flags");
    if (pszBlobType == nullptr) fail(NTE_INVALID_PARAMETER, "pszBlobType is NULL");
    auto entry = HandleTable::instance().find(hKey);
    if (!entry || entry->kind == HandleKind::provider || entry->kind == HandleKind::hash ||
        entry->owner != provider.owner()) {
      fail(NTE_INVALID_HANDLE, "not a live key of this provider");
    }
    const auto type = wide_view(pszBlobType);
    std::vector<std::uint8_t> blob;
    switch (entry->kind) {
      case HandleKind::ephemeral_key: {
        const auto& k = entry->as<const core::EphemeralKey>();
        if (k.kind == core::ExchangeKind::ec) {
          blob = ec_public_blob(*k.curve, k.public_value, type);
        } else if (k.kind == core::ExchangeKind::dh && type == std::u16string_view(BCRYPT_DH_PUBLIC_BLOB)) {
          blob = dh_public_blob(k.prime, k.generator, k.public_value);
        } else {
          fail(NTE_NOT_SUPPORTED, "an ephemeral key exports only its public half, as ECCPUBLICBLOB, "
                                  "SSLECCPUBLICBLOB or DHPUBLICBLOB");
        }
        break;
      }
      case HandleKind::public_key: {
        const auto& k = entry->as<const core::PublicKey>();
        if (k.kind == core::ExchangeKind::ec) {
          blob = ec_public_blob(*k.curve, k.public_value, type);
        } else if (k.kind == core::ExchangeKind::dh && type == std::u16string_view(BCRYPT_DH_PUBLIC_BLOB)) {
          blob = dh_public_blob(k.prime, k.generator, k.public_value);
        } else if (k.kind == core::ExchangeKind::rsa && type == std::u16string_view(BCRYPT_RSAPUBLIC_BLOB)) {
          blob = rsa_public_blob(k.modulus, k.exponent);
        } else {
          fail(NTE_NOT_SUPPORTED, "that blob type does not fit this public key");
        }
        break;
      }
      case HandleKind::master_key:
      case HandleKind::session_key: {
        // An authenticated reference, not the key: the key stays a sensitive,
        // non-extractable token object (core/opaque_blobs.h).
        if (type != std::u16string_view(BCRYPT_OPAQUE_KEY_BLOB)) {
          fail(NTE_NOT_SUPPORTED, "master and session keys export only as BCRYPT_OPAQUE_KEY_BLOB");
        }
        // A master made in a pool with a pool key travels wrapped, so that
        // any member can import it (core/pool_blobs.h); every other key is
        // a reference into this token's registry.
        if (entry->kind == HandleKind::master_key && HandleTable::object_of<core::MasterKey>(entry)->wrappable) {
          if (!output_wanted(core::pool_blobs::kBlobBytes, pbOutput, cbOutput, pcbResult)) return;
          blob = core::pool_blobs::export_master(*key_from<core::MasterKey>(hKey, provider));
          break;
        }
        // Size query and short buffer before anything is registered.
        if (!output_wanted(core::OpaqueBlobRegistry::kBlobBytes, pbOutput, cbOutput, pcbResult)) return;
        const core::BlobKey key = entry->kind == HandleKind::master_key
                                      ? core::BlobKey(HandleTable::object_of<core::MasterKey>(entry))
                                      : core::BlobKey(HandleTable::object_of<core::SessionKey>(entry));
        // Registered on the key's own member, so that neither its export nor
        // its import needs another member to be up.
        const core::TokenContext& member =
            *std::visit([](const auto& k) -> const std::shared_ptr<core::TokenContext>& { return k->token(); }, key);
        blob = provider->opaque_blobs_on(member).export_blob(key, provider.handle());
        break;
      }
      case HandleKind::tls13_secret: {
        // A resumption PSK of a pool with a pool key travels wrapped, so that
        // a ticket resumes on any member (core/tls13_pool_blobs.h).
        if (type != std::u16string_view(BCRYPT_OPAQUE_KEY_BLOB)) {
          fail(NTE_NOT_SUPPORTED, "a TLS 1.3 resumption PSK exports only as BCRYPT_OPAQUE_KEY_BLOB");
        }
        const auto psk = wrappable_psk_from(hKey, provider);
        if (!output_wanted(core::pool_blobs::psk_blob_bytes(*psk->secret.suite), pbOutput, cbOutput, pcbResult)) return;
        blob = core::pool_blobs::export_psk(*psk->token, psk->secret);
        break;
      }
      default:
        // Pre-master and long-term private keys have no exportable form.
        fail(NTE_NOT_SUPPORTED, "secret keys never leave the token; sslp11 exports only public halves and opaque "
                                "references to master and session keys");
    }
    write_output(blob, pbOutput, cbOutput, pcbResult);
  });
}

SECURITY_STATUS WINAPI SslOpenPrivateKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE* phPrivateKey,
                                         PCCERT_CONTEXT pCertContext, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (phPrivateKey == nullptr || pCertContext == nullptr) fail(NTE_INVALID_PARAMETER, "NULL argument");
    *phPrivateKey = 0;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslOpenPrivateKey takes no flags");
    if (pCertContext->pbCertEncoded == nullptr || pCertContext->cbCertEncoded == 0) {
      fail(NTE_INVALID_PARAMETER, "the certificate context has no encoded certificate");
    }
    // Placed like a key schedule: what uses the key (signing, RSA key
    // exchange) runs on its member, and a key of a lost member is opened again.
    const std::span<const std::uint8_t> der(pCertContext->pbCertEncoded, pCertContext->cbCertEncoded);
    if (!provider->pool()->single_member()) {
      // Found on every member holding it: each use picks a holder that is up.
      *phPrivateKey = publish(core::open_private_key_on_pool(*provider, der), provider);
      return;
    }
    auto key = provider.placed([&] { return core::open_private_key_for_certificate(*provider, der); });
    *phPrivateKey = publish(std::move(key), provider);
  });
}

SECURITY_STATUS WINAPI SslGeneratePreMasterKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPublicKey,
                                               NCRYPT_KEY_HANDLE* phPreMasterKey, DWORD dwProtocol,
                                               DWORD dwCipherSuite, PNCryptBufferDesc pParameterList, PBYTE pbOutput,
                                               DWORD cbOutput, DWORD* pcbResult, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hPublicKey", hPublicKey, "dwProtocol", dwProtocol,
                           "dwCipherSuite", dwCipherSuite, "cbOutput", cbOutput, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (phPreMasterKey == nullptr || pcbResult == nullptr) fail(NTE_INVALID_PARAMETER, "NULL out pointer");
    *phPreMasterKey = 0;
    if (dwFlags != 0 && dwFlags != NCRYPT_SSL_CLIENT_FLAG) fail(NTE_BAD_FLAGS, "only NCRYPT_SSL_CLIENT_FLAG is allowed");
    const ParameterList params(pParameterList);
    const core::CipherSuite& suite = offered_suite(*provider, dwProtocol, dwCipherSuite);
    if (suite.kx != core::KeyExchange::rsa) fail(NTE_NOT_SUPPORTED, "a pre-master key is made only for RSA key exchange");
    auto server = key_from<core::PublicKey>(hPublicKey, provider);
    if (server->kind != core::ExchangeKind::rsa) fail(NTE_INVALID_HANDLE, "hPublicKey is not an RSA public key");
    require_alive(server->rsa_object, "server public key");
    if (pbOutput == nullptr) {
      *pcbResult = static_cast<DWORD>(server->modulus.size());
      return;
    }
    if (cbOutput < server->modulus.size()) {
      *pcbResult = static_cast<DWORD>(server->modulus.size());
      fail(NTE_BUFFER_TOO_SMALL, "the output buffer is smaller than the RSA modulus");
    }
    auto made = core::generate_rsa_premaster(*provider, *server, dwProtocol, suite, client_version(params, dwProtocol));
    write_output(made.encrypted, pbOutput, cbOutput, pcbResult);
    *phPreMasterKey = publish(std::move(made.premaster), provider);
  });
}

SECURITY_STATUS WINAPI SslGenerateMasterKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey,
                                            NCRYPT_KEY_HANDLE hPublicKey, NCRYPT_KEY_HANDLE* phMasterKey,
                                            DWORD dwProtocol, DWORD dwCipherSuite, PNCryptBufferDesc pParameterList,
                                            PBYTE pbOutput, DWORD cbOutput, DWORD* pcbResult, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hPrivateKey", hPrivateKey, "hPublicKey", hPublicKey,
                           "dwProtocol", dwProtocol, "dwCipherSuite", dwCipherSuite, "cbOutput", cbOutput,
                           "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (phMasterKey == nullptr || pParameterList == nullptr) fail(NTE_INVALID_PARAMETER, "NULL phMasterKey or parameter list");
    *phMasterKey = 0;
    if ((dwFlags & ~DWORD{NCRYPT_SSL_CLIENT_FLAG | NCRYPT_SSL_SERVER_FLAG}) != 0 ||
        (dwFlags & (NCRYPT_SSL_CLIENT_FLAG | NCRYPT_SSL_SERVER_FLAG)) == 0) {
      fail(NTE_BAD_FLAGS, "dwFlags must be NCRYPT_SSL_CLIENT_FLAG or NCRYPT_SSL_SERVER_FLAG");
    }
    const core::Role role = (dwFlags & NCRYPT_SSL_CLIENT_FLAG) ? core::Role::client : core::Role::server;
    const ParameterList params(pParameterList);
    const core::CipherSuite& suite = offered_suite(*provider, dwProtocol, dwCipherSuite);
    core::MasterRequest request{dwProtocol, &suite, role, master_input(params, suite)};

    if (suite.kx != core::KeyExchange::rsa) {
      auto own = key_from<core::EphemeralKey>(hPrivateKey, provider);
      auto peer = key_from<core::PublicKey>(hPublicKey, provider);
      const bool ec = suite.kx == core::KeyExchange::ecdhe;
      if ((own->kind == core::ExchangeKind::ec) != ec || (peer->kind == core::ExchangeKind::ec) != ec) {
        fail(NTE_INVALID_HANDLE, "the keys do not fit the suite's key exchange");
      }
      require_alive(own->private_key, "ephemeral private key");
      if (pcbResult != nullptr) *pcbResult = 0;
      *phMasterKey = publish(core::generate_master_dh(*provider, *own, *peer, std::move(request)), provider);
      return;
    }

    if (role == core::Role::server) {
      fail(NTE_NOT_SUPPORTED, "an RSA-key-exchange server uses SslImportMasterKey");
    }
    auto server = key_from<core::PublicKey>(hPublicKey, provider);
    if (server->kind != core::ExchangeKind::rsa) fail(NTE_INVALID_HANDLE, "hPublicKey is not an RSA public key");
    if (hPrivateKey != 0) {
      // EMS flow: the pre-master was made (and sent) by SslGeneratePreMasterKey.
      auto pms = key_from<core::PreMasterKey>(hPrivateKey, provider);
      require_alive(pms->secret, "pre-master key");
      if (pcbResult != nullptr) *pcbResult = 0;
      *phMasterKey = publish(core::master_from_premaster(*provider, *pms, std::move(request)), provider);
      return;
    }
    require_alive(server->rsa_object, "server public key");
    if (pcbResult == nullptr) fail(NTE_INVALID_PARAMETER, "RSA key exchange returns the encrypted pre-master: pcbResult is NULL");
    if (pbOutput == nullptr) {
      // Size query: no key is made.
      *pcbResult = static_cast<DWORD>(server->modulus.size());
      return;
    }
    if (cbOutput < server->modulus.size()) {
      *pcbResult = static_cast<DWORD>(server->modulus.size());
      fail(NTE_BUFFER_TOO_SMALL, "the output buffer is smaller than the RSA modulus");
    }
    auto made = core::generate_rsa_premaster(*provider, *server, dwProtocol, suite, client_version(params, dwProtocol));
    auto master = core::master_from_premaster(*provider, *made.premaster, std::move(request));
    write_output(made.encrypted, pbOutput, cbOutput, pcbResult);
    *phMasterKey = publish(std::move(master), provider);
  });
}

SECURITY_STATUS WINAPI SslImportMasterKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey,
                                          NCRYPT_KEY_HANDLE* phMasterKey, DWORD dwProtocol, DWORD dwCipherSuite,
                                          PNCryptBufferDesc pParameterList, PBYTE pbEncryptedKey,
                                          DWORD cbEncryptedKey, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hPrivateKey", hPrivateKey, "dwProtocol", dwProtocol,
                           "dwCipherSuite", dwCipherSuite, "cbEncryptedKey", cbEncryptedKey, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (phMasterKey == nullptr) fail(NTE_INVALID_PARAMETER, "phMasterKey is NULL");
    *phMasterKey = 0;
    if (dwFlags != 0 && dwFlags != NCRYPT_SSL_SERVER_FLAG) fail(NTE_BAD_FLAGS, "only NCRYPT_SSL_SERVER_FLAG is allowed");
    if (pParameterList == nullptr) fail(NTE_INVALID_PARAMETER, "the parameter list is NULL");
    if (pbEncryptedKey == nullptr || cbEncryptedKey == 0) fail(NTE_INVALID_PARAMETER, "no encrypted pre-master");
    const ParameterList params(pParameterList);
    const core::CipherSuite& suite = offered_suite(*provider, dwProtocol, dwCipherSuite);
    if (suite.kx != core::KeyExchange::rsa) fail(NTE_NOT_SUPPORTED, "SslImportMasterKey is for RSA key exchange");
    auto key = private_key_from(hPrivateKey, provider);
    std::span<const std::uint8_t> encrypted(pbEncryptedKey, cbEncryptedKey);
    // Accept the ClientKeyExchange body with its 2-byte length too.
    if (encrypted.size() > 2 && static_cast<std::size_t>(encrypted[0] << 8 | encrypted[1]) == encrypted.size() - 2 &&
        (encrypted.size() - 2) * 8 == key->bits) {
      encrypted = encrypted.subspan(2);
    }
    core::MasterRequest request{dwProtocol, &suite, core::Role::server, master_input(params, suite)};
    *phMasterKey = publish(
        core::import_rsa_master(*provider, *key, encrypted, client_version(params, dwProtocol), std::move(request)),
        provider);
  });
}

}  // extern "C"
