// The TLS 1.3 CertificateVerify (RFC 8446 §4.4.3), both sides of it and both
// roles: made with the token's private key (SslSignHash) by whoever shows a
// certificate, checked on the host with the peer certificate's public key.
// The server signs with the context "TLS 1.3, server CertificateVerify", a
// client answering a CertificateRequest with "TLS 1.3, client CertificateVerify".
#pragma once

#include <cstdint>
#include <vector>

#include "tls/bytes.h"
#include "tls/messages13.h"
#include "tls/peer_verify.h"
#include "tls/provider.h"
#include "tls/token_credential.h"

namespace sslp11::tls {

// The schemes a key can sign in TLS 1.3, in our preference: an ECDSA scheme
// names the curve (RFC 8446 §4.2.3), an RSA key signs with PSS.
std::vector<std::uint16_t> tls13_signing_schemes(const TokenCredential& credential);
// The schemes we can check in a peer's TLS 1.3 CertificateVerify (ECDSA and
// RSA-PSS, no SHA-1): what a CertificateRequest lists.
std::vector<std::uint16_t> tls13_verifiable_schemes();

// Our first scheme the peer accepts, over the transcript hash. Throws
// TlsFailure(handshake_failure) when the peer accepts none the key can make.
CertificateVerify sign_certificate_verify13(const Provider& provider, const TokenCredential& credential,
                                            const std::vector<std::uint16_t>& peer_schemes, Signer signer,
                                            ByteView transcript_hash);

// The peer's CertificateVerify: a scheme we `offered`, fit for the key, and a
// signature that verifies. Throws TlsFailure: illegal_parameter for the
// scheme, decrypt_error for the signature.
void check_certificate_verify13(const PeerCertificate& certificate, const std::vector<std::uint16_t>& offered,
                                const CertificateVerify& verify, Signer signer, ByteView transcript_hash);

}  // namespace sslp11::tls
