#include "tls/token_signing.h"

#include "tls/peer_verify.h"

namespace sslp11::tls {

namespace {

// pbHashValue for NCRYPT_SSL_SIGN_INCLUDE_HASHOID: the UTF-16 hash name, its NUL, then the hash.
Bytes hash_with_name(const char* hash, ByteView digest) {
  Bytes out;
  for (const char* c = hash;; ++c) {
    const char16_t wide = static_cast<char16_t>(*c);
    const auto* b = reinterpret_cast<const std::uint8_t*>(&wide);
    out.insert(out.end(), b, b + sizeof wide);
    if (*c == 0) break;
  }
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

}  // namespace

Bytes sign_on_token(const Provider& provider, NCRYPT_KEY_HANDLE key, std::uint16_t scheme, ByteView data) {
  return sign_digest_on_token(provider, key, scheme, digest(scheme_info(scheme)->hash, data));
}

Bytes sign_digest_on_token(const Provider& provider, NCRYPT_KEY_HANDLE key, std::uint16_t scheme, ByteView hash) {
  const SchemeInfo& info = *scheme_info(scheme);
  Bytes value = info.kind == SignatureKind::rsa_pkcs1 ? hash_with_name(info.hash, hash) : Bytes(hash.begin(), hash.end());
  const DWORD flags = info.kind == SignatureKind::rsa_pkcs1 ? NCRYPT_SSL_SIGN_INCLUDE_HASHOID
                      : info.kind == SignatureKind::rsa_pss ? NCRYPT_SSL_SIGN_USE_PSS_PADDING
                                                            : 0;
  DWORD size = 0;
  check(SslSignHash(provider.get(), key, value.data(), static_cast<DWORD>(value.size()), nullptr, 0, &size, flags),
        "SslSignHash (size)");
  Bytes signature(size);
  check(SslSignHash(provider.get(), key, value.data(), static_cast<DWORD>(value.size()), signature.data(), size, &size,
                    flags),
        "SslSignHash");
  signature.resize(size);
  return signature;
}

}  // namespace sslp11::tls
