// Signing: SslSignHash, SslVerifySignature. Validate, translate, call the core.
//
// Conventions sslp11 chose where the reference leaves them open (§2.H, §8.9):
//  * ECDSA signatures come back DER-encoded (ECDSA-Sig-Value), the form TLS
//    puts on the wire, and SslVerifySignature expects DER as well;
//  * NCRYPT_SSL_SIGN_USE_PSS_PADDING signs the bare hash, whose length picks
//    SHA-256/384/512, with MGF1 of the same hash and salt length = hash length
//    (RFC 8446 §4.2.3);
//  * a flag the key cannot honour (either RSA padding flag with an EC key) is
//    NTE_BAD_FLAGS, like every other flag rejection the reference reports (§5.3);
//  * the signature buffer must hold the maximum size the size query returns
//    (an ECDSA signature's DER length is only known after signing).
#include <cstring>

#include "abi/guard.h"
#include "abi/handles.h"
#include "abi/private_key_ref.h"
#include "core/signatures.h"

using namespace sslp11;
using namespace sslp11::abi;

namespace {

constexpr DWORD kSignFlags = NCRYPT_SSL_SIGN_INCLUDE_HASHOID | NCRYPT_SSL_SIGN_USE_PSS_PADDING;

// dwFlags with a key of `key_type` (CKK_RSA / CKK_EC) -> the scheme.
core::SignatureScheme scheme_for(CK_KEY_TYPE key_type, DWORD flags) {
  if ((flags & ~kSignFlags) != 0 || flags == kSignFlags) {
    fail(NTE_BAD_FLAGS, "dwFlags must be 0, NCRYPT_SSL_SIGN_INCLUDE_HASHOID or NCRYPT_SSL_SIGN_USE_PSS_PADDING");
  }
  if (key_type == CKK_EC) {
    if (flags != 0) fail(NTE_BAD_FLAGS, "both NCRYPT_SSL_SIGN_* flags are RSA paddings; an ECDSA key takes none");
    return core::SignatureScheme::ecdsa;
  }
  if (flags & NCRYPT_SSL_SIGN_INCLUDE_HASHOID) return core::SignatureScheme::rsa_pkcs1;
  if (flags & NCRYPT_SSL_SIGN_USE_PSS_PADDING) return core::SignatureScheme::rsa_pss;
  return core::SignatureScheme::rsa_pkcs1_raw;
}

core::SignatureInput signature_input(CK_KEY_TYPE key_type, PBYTE pbHashValue, DWORD cbHashValue, DWORD flags) {
  const core::SignatureScheme scheme = scheme_for(key_type, flags);
  if (pbHashValue == nullptr || cbHashValue == 0) fail(NTE_INVALID_PARAMETER, "no hash value (pbHashValue / cbHashValue)");
  return core::read_signature_input(scheme, {pbHashValue, cbHashValue});
}

// The key SslVerifySignature verifies with: an imported public key or an
// opened private key (its public half), of this provider instance.
std::shared_ptr<const HandleEntry> verifying_key(NCRYPT_KEY_HANDLE h, const ProviderRef& provider) {
  auto entry = HandleTable::instance().find(h);
  if (!entry || (entry->kind != HandleKind::public_key && entry->kind != HandleKind::private_key)) {
    fail(NTE_INVALID_HANDLE, "hPublicKey is not a live public key or private key");
  }
  if (entry->owner != provider.owner()) {
    fail(NTE_INVALID_HANDLE, "hPublicKey belongs to another provider instance");
  }
  return entry;
}

}  // namespace

extern "C" {

SECURITY_STATUS WINAPI SslSignHash(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey, PBYTE pbHashValue,
                                   DWORD cbHashValue, PBYTE pbSignature, DWORD cbSignature, DWORD* pcbResult,
                                   DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hPrivateKey", hPrivateKey, "cbHashValue", cbHashValue,
                           "cbSignature", cbSignature, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    auto key = private_key_from(hPrivateKey, provider);
    if (pcbResult == nullptr) fail(NTE_INVALID_PARAMETER, "pcbResult is NULL");
    const core::SignatureInput input = signature_input(key->key_type, pbHashValue, cbHashValue, dwFlags);
    core::require_signable(*key, input);
    const std::size_t max = core::max_signature_bytes(*key);
    if (pbSignature == nullptr) {
      *pcbResult = static_cast<DWORD>(max);
      return;
    }
    if (cbSignature < max) {
      *pcbResult = static_cast<DWORD>(max);
      fail(NTE_BUFFER_TOO_SMALL, "pbSignature must hold the size the size query returns");
    }
    const auto signature = core::sign_hash(*key, input);
    std::memcpy(pbSignature, signature.data(), signature.size());
    *pcbResult = static_cast<DWORD>(signature.size());
  });
}

SECURITY_STATUS WINAPI SslVerifySignature(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPublicKey,
                                          PBYTE pbHashValue, DWORD cbHashValue, PBYTE pbSignature, DWORD cbSignature,
                                          DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hPublicKey", hPublicKey, "cbHashValue", cbHashValue,
                           "cbSignature", cbSignature, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    auto entry = verifying_key(hPublicKey, provider);
    const std::span<const std::uint8_t> signature(pbSignature, pbSignature == nullptr ? 0 : cbSignature);
    if (entry->kind == HandleKind::private_key) {
      const auto& key = entry->as<const core::PrivateKey>();
      const core::SignatureInput input = signature_input(key.key_type, pbHashValue, cbHashValue, dwFlags);
      if (signature.empty()) fail(NTE_INVALID_PARAMETER, "no signature (pbSignature / cbSignature)");
      core::verify_signature(key, input, signature);
      return;
    }
    const auto& key = entry->as<const core::PublicKey>();
    if (key.kind == core::ExchangeKind::dh) fail(NTE_INVALID_HANDLE, "a DH public key does not verify signatures");
    const CK_KEY_TYPE type = key.kind == core::ExchangeKind::ec ? CKK_EC : CKK_RSA;
    const core::SignatureInput input = signature_input(type, pbHashValue, cbHashValue, dwFlags);
    if (signature.empty()) fail(NTE_INVALID_PARAMETER, "no signature (pbSignature / cbSignature)");
    if (type == CKK_RSA) require_alive(key.rsa_object, "RSA public key");
    core::verify_signature(key, input, signature);
  });
}

}  // extern "C"
