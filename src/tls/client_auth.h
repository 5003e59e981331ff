// TLS 1.3 client certificate authentication in the full handshake (RFC 8446
// §4.3.2, §4.4.2, §4.4.3), both roles. The server asks with a
// CertificateRequest after EncryptedExtensions; the client answers after the
// server's Finished with its Certificate (echoing the request context), a
// CertificateVerify signed on the token, then its Finished. The server checks
// the chain against its CA file and the signature on the host, both public
// data.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "tls/account.h"
#include "tls/connection.h"
#include "tls/messages13.h"
#include "tls/peer_verify.h"
#include "tls/provider.h"
#include "tls/token_credential.h"
#include "tls/transcript13.h"

namespace sslp11::tls {

// Client: the answer to `request`. With a credential, Certificate and a
// CertificateVerify by the token's key; without one, an empty Certificate
// (the server decides whether to go on). Sent and added to the transcript.
void answer_certificate_request13(const Provider& provider, const TokenCredential* credential,
                                  const CertificateRequest13& request, Connection& conn, Transcript13& transcript,
                                  ConnectionReport& report, std::ostream& log);

// Client, both versions: "CertificateRequest", with how many certificate
// authorities it names when it names any (we have one certificate to offer,
// so the names are shown, not used to choose).
std::string certificate_request_title(const std::vector<Bytes>& authorities);

// Server, both versions: the subjects of the certificates in --verify-client's
// file, which the CertificateRequest names (certificate_authorities, RFC 8446
// §4.2.4; RFC 5246 §7.4.4) so that a client with several certificates can
// choose. Throws std::runtime_error for a file without certificates or names
// that do not fit the message.
std::vector<Bytes> certificate_authority_names(const std::string& cafile, std::ostream& log);

// Server: the CertificateRequest (the schemes we can verify, the CAs' names),
// sent and added to the transcript. `context` is empty in the handshake and
// fresh for each post-handshake request (RFC 8446 §4.3.2).
void send_certificate_request13(Connection& conn, Transcript13& transcript, ByteView context,
                                const std::vector<Bytes>& ca_names, std::ostream& log);

// Server, both versions: the account's line for a client that passed.
std::string client_authenticated(const PeerCertificate& certificate, const std::string& cafile, std::uint16_t scheme);

// Server, after its Finished: the client's Certificate and CertificateVerify,
// checked and added to the transcript. Throws TlsFailure:
// certificate_required for an empty Certificate, unknown_ca /
// bad_certificate / certificate_expired for a chain that does not verify
// against `cafile`, decrypt_error for a signature that does not.
PeerCertificate receive_client_certificate13(Connection& conn, Transcript13& transcript, const std::string& cafile,
                                             ConnectionReport& report, std::ostream& log);
// The same from a Certificate message already read (`m`) that must echo
// `context` (post-handshake authentication: our request's context).
PeerCertificate check_client_certificate13(const HandshakeMessage& m, ByteView context, Connection& conn,
                                           Transcript13& transcript, const std::string& cafile,
                                           ConnectionReport& report, std::ostream& log);

}  // namespace sslp11::tls
