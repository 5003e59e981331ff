// A signature by the token's private key (SslSignHash, reference §2.H): the
// TLS 1.2 ServerKeyExchange and the TLS 1.3 CertificateVerify. We hash the
// public data on the host; the token signs the digest.
#pragma once

#include <cstdint>

#include "tls/bytes.h"
#include "tls/provider.h"

namespace sslp11::tls {

// `scheme` (a signature_scheme value scheme_info knows) over `data`: the hash
// name in front for PKCS#1 v1.5, the bare digest for PSS and ECDSA (whose
// signatures come back DER-encoded, as TLS wants them).
Bytes sign_on_token(const Provider& provider, NCRYPT_KEY_HANDLE key, std::uint16_t scheme, ByteView data);
// The same over a digest already made with the scheme's hash (the TLS 1.2
// client CertificateVerify, whose digest the token's client-auth hash gives).
Bytes sign_digest_on_token(const Provider& provider, NCRYPT_KEY_HANDLE key, std::uint16_t scheme, ByteView hash);

}  // namespace sslp11::tls
