// Handshake hashing, Finished and client authentication: SslCreateHandshakeHash,
// SslHashHandshake, SslComputeFinishedHash, SslCreateClientAuthHash,
// SslComputeClientAuthHash, SslComputeSessionHash, SslDuplicateTranscriptHash.
// Validate, translate, call the core (src/core/handshake_hash.h, finished.h).
#include <array>
#include <cstring>
#include <optional>
#include <vector>

#include "abi/guard.h"
#include "abi/handles.h"
#include "abi/tls13_keys.h"
#include "abi/wide.h"
#include "core/finished.h"
#include "core/handshake_hash.h"

using namespace sslp11;
using namespace sslp11::abi;

namespace {

std::shared_ptr<core::HandshakeHash> hash_from(NCRYPT_HASH_HANDLE h, const ProviderRef& provider) {
  return key_from<core::HandshakeHash>(h, provider);
}

// CNG algorithm identifiers compare without regard to ASCII case.
bool same_name(std::u16string_view a, std::u16string_view b) {
  auto lower = [](char16_t c) { return c >= u'A' && c <= u'Z' ? static_cast<char16_t>(c - u'A' + u'a') : c; };
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// The hashes a TLS 1.2 CertificateVerify can use that sslp11 digests.
std::optional<core::HashAlg> hash_by_name(std::u16string_view name) {
  for (core::HashAlg h : {core::HashAlg::sha1, core::HashAlg::sha256, core::HashAlg::sha384})
    if (same_name(name, core::hash_cng_name(h))) return h;
  return std::nullopt;
}

// SslComputeClientAuthHash's pszAlgId names the client key's algorithm (it
// picks the digest form before TLS 1.2: MD5||SHA-1 for RSA, SHA-1 for (EC)DSA)
// or a hash. In TLS 1.2 the digest is the client-auth hash object's, whatever
// the key, so a key algorithm is only checked for being one a client
// certificate can have, and a hash name must be the object's.
void check_client_auth_algorithm(std::u16string_view alg, const core::HandshakeHash& hash) {
  if (auto h = hash_by_name(alg)) {
    if (*h != hash.hash()) {
      fail(NTE_INVALID_PARAMETER, "pszAlgId names a different hash than the one the client-auth hash was created with");
    }
    return;
  }
  static constexpr std::array<std::u16string_view, 6> kKeyAlgorithms{u"RSA",        u"DSA",        u"ECDSA",
                                                                     u"ECDSA_P256", u"ECDSA_P384", u"ECDSA_P521"};
  for (auto known : kKeyAlgorithms)
    if (same_name(alg, known)) return;
  fail(NTE_NOT_SUPPORTED, "pszAlgId is neither a client key algorithm (RSA, DSA, ECDSA) nor SHA1/SHA256/SHA384");
}

void copy_digest(const core::HandshakeHash& hash, PBYTE out) {
  const std::vector<std::uint8_t> digest = hash.digest();
  std::memcpy(out, digest.data(), digest.size());
}

// TLS 1.3 Finished and PSK binders (RFC 8446 §4.4.4, §4.2.11.2): verify_data =
// HMAC(finished_key, transcript hash) with the finished key a token object.
// The base key says whose Finished it is, so dwFlags is 0, and the output is
// exactly the suite's hash length.
void tls13_finished(const ProviderRef& provider, NCRYPT_KEY_HANDLE base_handle, NCRYPT_HASH_HANDLE hash_handle,
                    std::span<std::uint8_t> out, DWORD flags) {
  using Kind = core::Tls13SecretKind;
  if (flags != 0) fail(NTE_BAD_FLAGS, "a TLS 1.3 Finished or binder takes no flags (the key says whose it is)");
  auto base = tls13_secret_from(base_handle, provider,
                                {Kind::client_handshake_traffic, Kind::server_handshake_traffic,
                                 Kind::client_application_traffic, Kind::server_application_traffic,
                                 Kind::external_binder, Kind::resumption_binder},
                                "hMasterKey");
  const std::size_t n = base->secret.suite->hash_bytes();
  if (out.size() < n) fail(NTE_BUFFER_TOO_SMALL, "TLS 1.3 verify_data is the hash length (" + std::to_string(n) + ")");
  if (out.size() > n) {
    fail(NTE_INVALID_PARAMETER, "cbOutput must be the hash length (" + std::to_string(n) + ") for TLS 1.3");
  }
  const auto transcript = tls13_transcript(hash_handle, provider, base->secret);
  base->schedule->finished(base->secret, transcript, out);
}

}  // namespace

extern "C" {

SECURITY_STATUS WINAPI SslCreateHandshakeHash(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_HASH_HANDLE* phHandshakeHash,
                                              DWORD dwProtocol, DWORD dwCipherSuite, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "dwProtocol", dwProtocol, "dwCipherSuite", dwCipherSuite,
                           "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (phHandshakeHash == nullptr) fail(NTE_INVALID_PARAMETER, "phHandshakeHash is NULL");
    *phHandshakeHash = 0;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslCreateHandshakeHash takes no flags");
    if (dwProtocol == TLS1_3_PROTOCOL_VERSION) {
      // RFC 8446 §4.4.1: the transcript hash is the suite's HKDF hash.
      const core::Tls13Suite& suite = offered_tls13_suite(*provider, dwProtocol, dwCipherSuite);
      *phHandshakeHash = publish(provider.placed([&] {
        return core::create_handshake_hash(*provider, dwProtocol, core::tls13_record_suite(suite));
      }, core::Turn::keep), provider);
      return;
    }
    const core::CipherSuite& suite = offered_suite(*provider, dwProtocol, dwCipherSuite);
    *phHandshakeHash =
        publish(provider.placed([&] { return core::create_handshake_hash(*provider, dwProtocol, suite); },
                                core::Turn::keep),
                provider);
  });
}

SECURITY_STATUS WINAPI SslHashHandshake(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_HASH_HANDLE hHandshakeHash,
                                        PBYTE pbInput, DWORD cbInput, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hHandshakeHash", hHandshakeHash, "cbInput", cbInput,
                           "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (pbInput == nullptr && cbInput != 0) fail(NTE_INVALID_PARAMETER, "pbInput is NULL");
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslHashHandshake takes no flags");
    auto hash = hash_from(hHandshakeHash, provider);
    if (cbInput != 0) hash->append({pbInput, cbInput});
  });
}

SECURITY_STATUS WINAPI SslComputeFinishedHash(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hMasterKey,
                                              NCRYPT_HASH_HANDLE hHandshakeHash, PBYTE pbOutput, DWORD cbOutput,
                                              DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hMasterKey", hMasterKey, "hHandshakeHash", hHandshakeHash,
                           "cbOutput", cbOutput, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (pbOutput == nullptr) fail(NTE_INVALID_PARAMETER, "pbOutput is NULL");
    if (auto entry = HandleTable::instance().find(hMasterKey); entry && entry->kind == HandleKind::tls13_secret) {
      tls13_finished(provider, hMasterKey, hHandshakeHash, {pbOutput, cbOutput}, dwFlags);
      return;
    }
    if (dwFlags != NCRYPT_SSL_CLIENT_FLAG && dwFlags != NCRYPT_SSL_SERVER_FLAG) {
      fail(NTE_BAD_FLAGS, "dwFlags must be NCRYPT_SSL_CLIENT_FLAG or NCRYPT_SSL_SERVER_FLAG (whose Finished)");
    }
    if (cbOutput < core::kMinVerifyData) {
      fail(NTE_BUFFER_TOO_SMALL, "TLS 1.2 verify_data is at least 12 bytes (cbOutput is its length)");
    }
    if (cbOutput > core::kMaxVerifyData) fail(NTE_INVALID_PARAMETER, "sslp11 computes at most 64 bytes of verify_data");
    auto master = live_master_from(hMasterKey, provider);
    auto hash = hash_from(hHandshakeHash, provider);
    if (hash->hash() != master->suite->prf) {
      fail(NTE_INVALID_PARAMETER, "the handshake hash was created for a suite with another PRF hash than the "
                                  "master key's");
    }
    const core::Role sender = dwFlags == NCRYPT_SSL_SERVER_FLAG ? core::Role::server : core::Role::client;
    core::compute_finished(*master, *hash, sender, {pbOutput, cbOutput});
  });
}

SECURITY_STATUS WINAPI SslCreateClientAuthHash(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_HASH_HANDLE* phHandshakeHash,
                                               DWORD dwProtocol, DWORD dwCipherSuite, LPCWSTR pszHashAlgId,
                                               DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "dwProtocol", dwProtocol, "dwCipherSuite", dwCipherSuite,
                           "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (phHandshakeHash == nullptr) fail(NTE_INVALID_PARAMETER, "phHandshakeHash is NULL");
    *phHandshakeHash = 0;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslCreateClientAuthHash takes no flags");
    if (pszHashAlgId == nullptr) fail(NTE_INVALID_PARAMETER, "pszHashAlgId is NULL");
    const core::CipherSuite& suite = offered_suite(*provider, dwProtocol, dwCipherSuite);
    const auto hash = hash_by_name(wide_view(pszHashAlgId));
    if (!hash) fail(NTE_NOT_SUPPORTED, "sslp11's client-auth hashes are SHA1, SHA256 and SHA384");
    *phHandshakeHash = publish(
        provider.placed([&] { return core::create_client_auth_hash(*provider, dwProtocol, suite, *hash); },
                        core::Turn::keep),
        provider);
  });
}

SECURITY_STATUS WINAPI SslComputeClientAuthHash(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hMasterKey,
                                                NCRYPT_HASH_HANDLE hHandshakeHash, LPCWSTR pszAlgId, PBYTE pbOutput,
                                                DWORD cbOutput, DWORD* pcbResult, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hMasterKey", hMasterKey, "hHandshakeHash", hHandshakeHash,
                           "cbOutput", cbOutput, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (pcbResult == nullptr) fail(NTE_INVALID_PARAMETER, "pcbResult is NULL");
    if (pszAlgId == nullptr) fail(NTE_INVALID_PARAMETER, "pszAlgId is NULL");
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslComputeClientAuthHash takes no flags");
    // TLS 1.2 does not mix the master secret in (SSL 3.0 did), but the caller
    // passes the handshake's master key and a dead one means a dead handshake.
    auto master = live_master_from(hMasterKey, provider);
    auto hash = hash_from(hHandshakeHash, provider);
    check_client_auth_algorithm(wide_view(pszAlgId), *hash);
    if (output_wanted(hash->digest_bytes(), pbOutput, cbOutput, pcbResult)) copy_digest(*hash, pbOutput);
  });
}

SECURITY_STATUS WINAPI SslComputeSessionHash(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_HASH_HANDLE hHandshakeHash,
                                             DWORD dwProtocol, PBYTE pbOutput, DWORD cbOutput, DWORD* pcbResult,
                                             DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hHandshakeHash", hHandshakeHash, "dwProtocol", dwProtocol,
                           "cbOutput", cbOutput, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (pcbResult == nullptr) fail(NTE_INVALID_PARAMETER, "pcbResult is NULL");
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslComputeSessionHash takes no flags");
    if (!core::protocol_supported(dwProtocol)) fail(NTE_NOT_SUPPORTED, "sslp11 runs TLS 1.2 (0x0303) only");
    auto hash = hash_from(hHandshakeHash, provider);
    if (dwProtocol != hash->protocol()) fail(NTE_INVALID_PARAMETER, "dwProtocol differs from the hash's protocol");
    // RFC 7627 §3: session_hash = Hash(handshake messages so far).
    if (output_wanted(hash->digest_bytes(), pbOutput, cbOutput, pcbResult)) copy_digest(*hash, pbOutput);
  });
}

SECURITY_STATUS WINAPI SslDuplicateTranscriptHash(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_HASH_HANDLE hTranscriptHash,
                                                  NCRYPT_HASH_HANDLE* phTranscriptHash, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hTranscriptHash", hTranscriptHash, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (phTranscriptHash == nullptr) fail(NTE_INVALID_PARAMETER, "phTranscriptHash is NULL");
    *phTranscriptHash = 0;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslDuplicateTranscriptHash takes no flags");
    auto hash = hash_from(hTranscriptHash, provider);
    *phTranscriptHash = publish(hash->duplicate(), provider);
  });
}

}  // extern "C"
