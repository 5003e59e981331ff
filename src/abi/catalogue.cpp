// The cipher-suite catalogue: SslEnumCipherSuites(+Ex), SslLookupCipherSuiteInfo,
// SslLookupCipherLengths, SslGetCipherSuitePRFHashAlgorithm, SslEnumEccCurves.
// Enumeration is honest per token: only suites the configured token can run.
#include <cstring>
#include <vector>

#include "abi/allocations.h"
#include "abi/guard.h"
#include "abi/handles.h"
#include "abi/private_key_ref.h"
#include "abi/tls13_keys.h"
#include "abi/wide.h"

using namespace sslp11;
using namespace sslp11::abi;

namespace {

constexpr std::uint32_t kEnumMagic = 0x53554954;  // "SUIT"

// The enumeration cursor handed back and forth through ppEnumState.
struct EnumState {
  std::uint32_t magic;
  std::uint32_t next;
  NCRYPT_PROV_HANDLE provider;  // never reused, so it names the instance
  CK_KEY_TYPE restrict_to;  // CK_UNAVAILABLE_INFORMATION: no private-key filter
};

std::u16string_view exchange_name(core::KeyExchange kx) {
  switch (kx) {
    case core::KeyExchange::ecdhe: return BCRYPT_ECDH_ALGORITHM;
    case core::KeyExchange::dhe: return BCRYPT_DH_ALGORITHM;
    case core::KeyExchange::rsa: break;
  }
  return BCRYPT_RSA_ALGORITHM;
}

void fill(const core::CipherSuite& s, DWORD protocol, NCRYPT_SSL_CIPHER_SUITE& out) {
  std::memset(&out, 0, sizeof out);
  out.dwProtocol = protocol;
  out.dwCipherSuite = s.id;
  out.dwBaseCipherSuite = s.id;
  copy_ascii(s.name, out.szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE);
  copy_wide(s.cipher == core::BulkCipher::chacha20_poly1305 ? u"CHACHA20_POLY1305" : BCRYPT_AES_ALGORITHM,
            out.szCipher, NCRYPT_SSL_MAX_NAME_SIZE);
  out.dwCipherLen = s.key_bytes * 8;
  out.dwCipherBlockLen = s.cipher == core::BulkCipher::chacha20_poly1305 ? 1 : 16;
  // AEAD suites name their PRF hash here, as Schannel does; CBC suites their MAC.
  const core::HashAlg hash = s.aead() ? s.prf : s.mac;
  copy_wide(core::hash_cng_name(hash), out.szHash, NCRYPT_SSL_MAX_NAME_SIZE);
  out.dwHashLen = core::hash_bytes(hash) * 8;  // bits, like dwCipherLen
  copy_wide(exchange_name(s.kx), out.szExchange, NCRYPT_SSL_MAX_NAME_SIZE);
  switch (s.kx) {
    case core::KeyExchange::ecdhe: out.dwMinExchangeLen = 256; out.dwMaxExchangeLen = 521; break;
    case core::KeyExchange::dhe: out.dwMinExchangeLen = 2048; out.dwMaxExchangeLen = 8192; break;
    case core::KeyExchange::rsa: out.dwMinExchangeLen = 2048; out.dwMaxExchangeLen = 16384; break;
  }
  copy_wide(s.auth == core::Authentication::rsa ? std::u16string_view(BCRYPT_RSA_ALGORITHM) : BCRYPT_ECDSA_ALGORITHM,
            out.szCertificate, NCRYPT_SSL_MAX_NAME_SIZE);
  out.dwKeyType = 0;
  if (protocol == TLS1_3_PROTOCOL_VERSION) {
    // A TLS 1.3 suite names no key exchange and no certificate (RFC 8446 §B.4).
    std::memset(out.szExchange, 0, sizeof out.szExchange);
    std::memset(out.szCertificate, 0, sizeof out.szCertificate);
    out.dwMinExchangeLen = 0;
    out.dwMaxExchangeLen = 0;
  }
}

struct Enumerated {
  const core::CipherSuite* suite;
  DWORD protocol;
};

bool usable_with(const core::CipherSuite& s, CK_KEY_TYPE key_type) {
  if (key_type == CK_UNAVAILABLE_INFORMATION) return true;
  if (key_type == CKK_EC) return s.auth == core::Authentication::ecdsa;
  return s.auth == core::Authentication::rsa;
}

// Shared by both enumeration entry points: returns the next suite, the TLS
// 1.2 ones first, then the TLS 1.3 ones (whose certificate is negotiated
// apart, so a private-key filter keeps them all), or {nullptr}.
Enumerated enumerate(const ProviderRef& provider, NCRYPT_KEY_HANDLE hPrivateKey, PVOID* ppEnumState) {
  if (ppEnumState == nullptr) fail(NTE_INVALID_PARAMETER, "ppEnumState is NULL");
  CK_KEY_TYPE restrict_to = CK_UNAVAILABLE_INFORMATION;
  if (hPrivateKey != 0) {
    restrict_to = private_key_from(hPrivateKey, provider)->key_type;
  }
  auto* state = static_cast<EnumState*>(*ppEnumState);
  if (state == nullptr) {
    state = allocate_for_caller<EnumState>();
    *state = {kEnumMagic, 0, provider.handle(), restrict_to};
    *ppEnumState = state;
  } else if (!is_live_allocation(state, sizeof(EnumState)) || state->magic != kEnumMagic ||
             state->provider != provider.handle()) {
    fail(NTE_INVALID_PARAMETER, "ppEnumState is not an enumeration state of this provider");
  }
  const auto& suites = provider->pool()->suites();
  while (state->next < suites.size()) {
    const core::CipherSuite* s = suites[state->next++];
    if (usable_with(*s, state->restrict_to)) return {s, TLS1_2_PROTOCOL_VERSION};
  }
  const auto& tls13 = provider->pool()->tls13_suites();
  if (state->next - suites.size() < tls13.size()) {
    return {&core::tls13_record_suite(*tls13[state->next++ - suites.size()]), TLS1_3_PROTOCOL_VERSION};
  }
  return {nullptr, 0};
}

}  // namespace

extern "C" {

SECURITY_STATUS WINAPI SslEnumCipherSuites(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey,
                                           NCRYPT_SSL_CIPHER_SUITE** ppCipherSuite, PVOID* ppEnumState,
                                           DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hPrivateKey", hPrivateKey, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslEnumCipherSuites takes no flags");
    if (ppCipherSuite == nullptr) fail(NTE_INVALID_PARAMETER, "ppCipherSuite is NULL");
    *ppCipherSuite = nullptr;
    const auto [s, protocol] = enumerate(provider, hPrivateKey, ppEnumState);
    if (s == nullptr) fail(NTE_NO_MORE_ITEMS, "end of the cipher suites");
    auto* out = allocate_for_caller<NCRYPT_SSL_CIPHER_SUITE>();
    fill(*s, protocol, *out);
    *ppCipherSuite = out;
  });
}

SECURITY_STATUS WINAPI SslEnumCipherSuitesEx(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey,
                                             NCRYPT_SSL_CIPHER_SUITE_EX** ppCipherSuite, PVOID* ppEnumState,
                                             DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hPrivateKey", hPrivateKey, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslEnumCipherSuitesEx takes no flags");
    if (ppCipherSuite == nullptr) fail(NTE_INVALID_PARAMETER, "ppCipherSuite is NULL");
    *ppCipherSuite = nullptr;
    const auto [s, protocol] = enumerate(provider, hPrivateKey, ppEnumState);
    if (s == nullptr) fail(NTE_NO_MORE_ITEMS, "end of the cipher suites");
    NCRYPT_SSL_CIPHER_SUITE base;
    fill(*s, protocol, base);
    auto* out = allocate_for_caller<NCRYPT_SSL_CIPHER_SUITE_EX>();
    out->dwVersion = NCRYPT_SSL_CIPHER_SUITE_EX_VERSION;
    out->dwProtocol = base.dwProtocol;
    out->dwCipherSuite = base.dwCipherSuite;
    out->dwBaseCipherSuite = base.dwBaseCipherSuite;
    std::memcpy(out->szCipherSuite, base.szCipherSuite, sizeof base.szCipherSuite);
    std::memcpy(out->szCipher, base.szCipher, sizeof base.szCipher);
    out->dwCipherLen = base.dwCipherLen;
    out->dwCipherBlockLen = base.dwCipherBlockLen;
    std::memcpy(out->szHash, base.szHash, sizeof base.szHash);
    out->dwHashLen = base.dwHashLen;
    std::memcpy(out->szExchange, base.szExchange, sizeof base.szExchange);
    out->dwMinExchangeLen = base.dwMinExchangeLen;
    out->dwMaxExchangeLen = base.dwMaxExchangeLen;
    std::memcpy(out->szCertificate, base.szCertificate, sizeof base.szCertificate);
    out->dwKeyType = base.dwKeyType;
    copy_wide(s->cipher == core::BulkCipher::aes_cbc ? std::u16string_view(BCRYPT_CHAIN_MODE_CBC)
              : s->cipher == core::BulkCipher::aes_gcm ? std::u16string_view(BCRYPT_CHAIN_MODE_GCM)
                                                       : std::u16string_view(u""),
              out->szCipherMode, NCRYPT_SSL_MAX_NAME_SIZE);
    *ppCipherSuite = out;
  });
}

SECURITY_STATUS WINAPI SslLookupCipherSuiteInfo(NCRYPT_PROV_HANDLE hSslProvider, DWORD dwProtocol,
                                                DWORD dwCipherSuite, DWORD dwKeyType,
                                                NCRYPT_SSL_CIPHER_SUITE* pCipherSuite, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "dwProtocol", dwProtocol, "dwCipherSuite", dwCipherSuite,
                           "dwKeyType", dwKeyType, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslLookupCipherSuiteInfo takes no flags");
    if (pCipherSuite == nullptr) fail(NTE_INVALID_PARAMETER, "pCipherSuite is NULL");
    if (dwProtocol == TLS1_3_PROTOCOL_VERSION) {
      // The group is negotiated apart from a TLS 1.3 suite: dwKeyType is not asked about.
      const core::Tls13Suite& suite = offered_tls13_suite(*provider, dwProtocol, dwCipherSuite);
      fill(core::tls13_record_suite(suite), dwProtocol, *pCipherSuite);
      return;
    }
    const core::CipherSuite& suite = offered_suite(*provider, dwProtocol, dwCipherSuite);
    // dwKeyType = a curve (IANA group) asks whether this token can run the
    // ECDHE suite on that curve; 0 asks about the suite alone.
    if (dwKeyType != 0 && suite.kx == core::KeyExchange::ecdhe) {
      const core::NamedCurve* curve = core::find_curve_by_group(dwKeyType);
      const auto& caps = provider->token()->capabilities();
      if (curve == nullptr || !core::curve_supported(*curve, caps)) {
        fail(NTE_NOT_SUPPORTED, "the token does not offer that curve (dwKeyType " + std::to_string(dwKeyType) + ")");
      }
      if (auto why = core::suite_curve_unavailable_reason(suite, *curve, caps)) fail(NTE_NOT_SUPPORTED, *why);
    }
    fill(suite, dwProtocol, *pCipherSuite);
  });
}

SECURITY_STATUS WINAPI SslLookupCipherLengths(NCRYPT_PROV_HANDLE hSslProvider, DWORD dwProtocol, DWORD dwCipherSuite,
                                              DWORD /*dwKeyType*/, NCRYPT_SSL_CIPHER_LENGTHS* pCipherLengths,
                                              DWORD cbCipherLengths, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "dwProtocol", dwProtocol, "dwCipherSuite", dwCipherSuite,
                           "cbCipherLengths", cbCipherLengths, "dwFlags", dwFlags), [&] {
    provider_from(hSslProvider);
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslLookupCipherLengths takes no flags");
    if (pCipherLengths == nullptr || cbCipherLengths < sizeof(NCRYPT_SSL_CIPHER_LENGTHS)) {
      fail(NTE_INVALID_PARAMETER, "pCipherLengths is NULL or shorter than 20 bytes");
    }
    if (dwProtocol < TLS1_1_PROTOCOL_VERSION || dwProtocol > TLS1_3_PROTOCOL_VERSION) {
      fail(NTE_NOT_SUPPORTED, "record lengths are defined for TLS 1.1, 1.2 and 1.3");
    }
    const core::CipherSuite* s = nullptr;
    if (dwProtocol == TLS1_3_PROTOCOL_VERSION) {
      // Reference §2.B: no explicit nonce (header 0), the 16-byte tag. The
      // inner content type is the caller's (SslEncryptPacket takes
      // TLSInnerPlaintext), so it is input, not overhead.
      if (const core::Tls13Suite* t = core::find_tls13_suite(dwCipherSuite)) s = &core::tls13_record_suite(*t);
    } else {
      s = core::find_cipher_suite(dwCipherSuite);
    }
    if (s == nullptr) fail(NTE_INVALID_PARAMETER, "unknown cipher suite");
    NCRYPT_SSL_CIPHER_LENGTHS out{};
    out.cbLength = sizeof out;
    out.dwHeaderLen = s->record_iv_bytes;
    if (s->aead()) {
      out.dwFixedTrailerLen = s->tag_bytes;
    } else {
      out.dwFixedTrailerLen = s->mac_bytes();
      out.dwMaxVariableTrailerLen = s->block_bytes;
      out.dwFlags = NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING;
    }
    std::memcpy(pCipherLengths, &out, sizeof out);
  });
}

SECURITY_STATUS WINAPI SslGetCipherSuitePRFHashAlgorithm(NCRYPT_PROV_HANDLE hSslProvider, DWORD dwProtocol,
                                                         DWORD dwCipherSuite, DWORD /*dwKeyType*/,
                                                         WCHAR szPRFHash[NCRYPT_SSL_MAX_NAME_SIZE], DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "dwProtocol", dwProtocol, "dwCipherSuite", dwCipherSuite,
                           "dwFlags", dwFlags), [&] {
    provider_from(hSslProvider);
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslGetCipherSuitePRFHashAlgorithm takes no flags");
    if (szPRFHash == nullptr) fail(NTE_INVALID_PARAMETER, "szPRFHash is NULL");
    if (dwProtocol == TLS1_3_PROTOCOL_VERSION) {
      const core::Tls13Suite* t = core::find_tls13_suite(dwCipherSuite);
      if (t == nullptr) fail(NTE_NOT_SUPPORTED, "unknown TLS 1.3 cipher suite");
      copy_wide(core::hash_cng_name(t->hash), szPRFHash, NCRYPT_SSL_MAX_NAME_SIZE);  // the HKDF hash
      return;
    }
    if (dwProtocol != TLS1_2_PROTOCOL_VERSION) {
      fail(NTE_NOT_SUPPORTED, "a PRF hash is chosen by the suite in TLS 1.2 and 1.3 only");
    }
    const core::CipherSuite* s = core::find_cipher_suite(dwCipherSuite);
    if (s == nullptr) fail(NTE_NOT_SUPPORTED, "unknown cipher suite");
    copy_wide(core::hash_cng_name(s->prf), szPRFHash, NCRYPT_SSL_MAX_NAME_SIZE);
  });
}

SECURITY_STATUS WINAPI SslEnumEccCurves(NCRYPT_PROV_HANDLE hSslProvider, DWORD* pEccCurveCount,
                                        NCRYPT_SSL_ECC_CURVE** ppEccCurve, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslEnumEccCurves takes no flags");
    if (pEccCurveCount == nullptr || ppEccCurve == nullptr) fail(NTE_INVALID_PARAMETER, "NULL out pointer");
    std::vector<const core::NamedCurve*> curves;
    for (const auto& c : core::all_curves())
      if (core::curve_supported(c, provider->token()->capabilities())) curves.push_back(&c);
    auto* out = static_cast<NCRYPT_SSL_ECC_CURVE*>(
        allocate_for_caller(sizeof(NCRYPT_SSL_ECC_CURVE) * std::max<std::size_t>(curves.size(), 1)));
    for (std::size_t i = 0; i < curves.size(); ++i) {
      copy_wide(curves[i]->cng_name, out[i].szCurveName, MSCRYPT_ECC_MAX_CURVE_NAME_LENGTH);
      std::strncpy(out[i].szOID, std::string(curves[i]->oid).c_str(), MSCRYPT_ECC_MAX_OID_LENGTH - 1);
      out[i].dwPublicKeyLength = curves[i]->bits;
      out[i].dwCurveType = curves[i]->group;
      out[i].dwFlags = 0;
    }
    *pEccCurveCount = static_cast<DWORD>(curves.size());
    *ppEccCurve = out;
  });
}

}  // extern "C"
