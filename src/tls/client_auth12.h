// TLS 1.2 client certificate authentication (RFC 5246 §7.4.4, §7.4.6,
// §7.4.8), both roles. The server's CertificateRequest comes before
// ServerHelloDone; the client's Certificate before its ClientKeyExchange, its
// CertificateVerify right after, signed on the token over the digest of the
// token's client-auth hash (SslCreateClientAuthHash, SslComputeClientAuthHash,
// SslSignHash). The server checks the chain against its CA file and the
// signature over the messages on the host, both public data.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "tls/account.h"
#include "tls/messages.h"
#include "tls/peer_verify.h"
#include "tls/provider.h"
#include "tls/token_credential.h"
#include "tls/transcript.h"

namespace sslp11::tls {

// Client: what we answer a CertificateRequest with. `scheme` is set when we
// send our certificate (the key fits a requested certificate type and a
// requested scheme whose hash the token's client-auth hash makes); else the
// Certificate is empty.
struct ClientAuth12 {
  const TokenCredential* credential = nullptr;
  std::optional<std::uint16_t> scheme;

  static ClientAuth12 plan(const TokenCredential* credential, const CertificateRequest& request, std::ostream& log);
  // The Certificate message: our chain, or empty.
  Bytes certificate_message() const;
  // After ClientKeyExchange, with the master key made: the CertificateVerify
  // message (only when `scheme` is set), signed on the token.
  Bytes certificate_verify_message(const Provider& provider, const Transcript& transcript, NCRYPT_KEY_HANDLE master,
                                   ConnectionReport& report, std::ostream& log) const;
};

// Server: the CertificateRequest (RSA and ECDSA certificates, the schemes we
// can verify, no CA names).
Bytes certificate_request12_message(const std::vector<Bytes>& ca_names);
// Server: the client's Certificate (body). Throws TlsFailure:
// handshake_failure for an empty one (TLS 1.2 has no certificate_required),
// unknown_ca / bad_certificate / certificate_expired for a chain that does not
// verify against `cafile`.
PeerCertificate verify_client_certificate12(ByteView body, const std::string& cafile, std::ostream& log);
// Server: the client's CertificateVerify (body) over `messages` (every
// handshake message before it). Throws TlsFailure: illegal_parameter for a
// scheme we did not request, decrypt_error for a signature that does not verify.
void check_certificate_verify12(const PeerCertificate& certificate, ByteView body, ByteView messages,
                                const std::string& cafile, ConnectionReport& report, std::ostream& log);

}  // namespace sslp11::tls
