#include "tls/client_auth.h"

#include <algorithm>
#include <ostream>
#include <stdexcept>

#include "tls/alerts.h"
#include "tls/certificate_verify13.h"
#include "tls/messages.h"
#include "tls/pem_files.h"

namespace sslp11::tls {

namespace {

namespace ht = handshake_type;

void send(Connection& conn, Transcript13& transcript, const Bytes& message) {
  conn.send_handshake(message);
  transcript.add(message);
}

}  // namespace

void answer_certificate_request13(const Provider& provider, const TokenCredential* credential,
                                  const CertificateRequest13& request, Connection& conn, Transcript13& transcript,
                                  ConnectionReport& report, std::ostream& log) {
  // RFC 8446 §4.4.2.2: a chain the server would not take is replaced by an empty Certificate.
  const auto signable = [&] {
    for (std::uint16_t s : tls13_signing_schemes(*credential))
      if (contains(request.signature_algorithms, s)) return true;
    return false;
  };
  if (credential == nullptr || !signable()) {
    send(conn, transcript, make_handshake(ht::certificate, build_certificate13({request.context, {}})));
    report.client_authentication = credential == nullptr
                                       ? "requested by the server; none sent (no --cert)"
                                       : "requested by the server; none sent (no requested scheme fits our key)";
    log << ">> Certificate (empty: no client certificate)\n";
    return;
  }
  send(conn, transcript, make_handshake(ht::certificate, build_certificate13({request.context, credential->chain})));
  log << ">> Certificate (" << credential->chain.size() << " certificate(s) of " << credential->cert_file << ")\n";
  // Signed over the transcript through our Certificate (RFC 8446 §4.4.3).
  const CertificateVerify cv = sign_certificate_verify13(provider, *credential, request.signature_algorithms,
                                                         Signer::client, transcript.host_hash());
  send(conn, transcript, make_handshake(ht::certificate_verify, build_certificate_verify(cv)));
  report.client_authentication = "certificate of " + credential->cert_file + ", CertificateVerify signed " +
                                 signature_scheme_name(cv.scheme) + " by the token's private key (SslSignHash)";
  log << ">> CertificateVerify: " << signature_scheme_name(cv.scheme) << " signed on the token (SslSignHash)\n";
}

std::string certificate_request_title(const std::vector<Bytes>& authorities) {
  if (authorities.empty()) return "CertificateRequest";
  return "CertificateRequest (naming " + std::to_string(authorities.size()) + " certificate authorit" +
         (authorities.size() == 1 ? "y" : "ies") + ")";
}

std::vector<Bytes> certificate_authority_names(const std::string& cafile, std::ostream& log) {
  std::vector<Bytes> names = read_certificate_subjects_pem(cafile);
  // Both messages carry the list in a 16-bit vector, beside a few dozen bytes
  // of other fields; refused at start-up rather than at the first client.
  constexpr std::size_t kMaxListBytes = 65535 - 256;
  std::size_t bytes = 0;
  for (const Bytes& name : names) bytes += 2 + name.size();
  if (bytes > kMaxListBytes) {
    throw std::runtime_error("the certificate subjects in " + cafile + " take " + std::to_string(bytes) +
                             " bytes, more than a CertificateRequest can name (" + std::to_string(kMaxListBytes) + ")");
  }
  log << "-- client certificates: required, chaining to " << cafile << " (the CertificateRequest names its "
      << names.size() << " certificate authorit" << (names.size() == 1 ? "y" : "ies") << ")\n";
  return names;
}

void send_certificate_request13(Connection& conn, Transcript13& transcript, ByteView context,
                                const std::vector<Bytes>& ca_names, std::ostream& log) {
  send(conn, transcript,
       make_handshake(ht::certificate_request,
                      build_certificate_request13({copy(context), tls13_verifiable_schemes(), ca_names})));
  if (context.empty()) {
    log << ">> CertificateRequest (a client certificate is required)\n";
  } else {
    log << ">> CertificateRequest after the handshake (post_handshake_auth, " << context.size()
        << "-byte context; a client certificate is required)" << std::endl;
  }
}

std::string client_authenticated(const PeerCertificate& certificate, const std::string& cafile, std::uint16_t scheme) {
  return "client authenticated: " + certificate.subject() + " (" + certificate.key_description() +
         "), chain verified against " + cafile + ", CertificateVerify " + signature_scheme_name(scheme) +
         " verified with OpenSSL";
}

PeerCertificate receive_client_certificate13(Connection& conn, Transcript13& transcript, const std::string& cafile,
                                             ConnectionReport& report, std::ostream& log) {
  return check_client_certificate13(conn.receive_handshake(ht::certificate), {}, conn, transcript, cafile, report, log);
}

PeerCertificate check_client_certificate13(const HandshakeMessage& m, ByteView context, Connection& conn,
                                           Transcript13& transcript, const std::string& cafile,
                                           ConnectionReport& report, std::ostream& log) {
  const Certificate13 certificate = parse_certificate13(m.body());
  if (!std::equal(certificate.context.begin(), certificate.context.end(), context.begin(), context.end())) {
    throw TlsFailure(AlertDescription::illegal_parameter,
                     "the client's Certificate does not echo the context of our CertificateRequest");
  }
  if (certificate.chain.empty()) {
    throw TlsFailure(AlertDescription::certificate_required, "the client sent no certificate (--verify-client requires one)");
  }
  PeerCertificate cert = PeerCertificate::verify_client(certificate.chain, cafile);
  transcript.add(m.bytes);
  log << "<< Certificate: " << cert.subject() << " (" << cert.key_description() << "), chain of "
      << certificate.chain.size() << " verified against " << cafile << "\n";

  const HandshakeMessage v = conn.receive_handshake(ht::certificate_verify);
  const CertificateVerify cv = parse_certificate_verify(v.body());
  check_certificate_verify13(cert, tls13_verifiable_schemes(), cv, Signer::client, transcript.host_hash());
  transcript.add(v.bytes);
  report.client_authentication = client_authenticated(cert, cafile, cv.scheme);
  log << "<< CertificateVerify: " << signature_scheme_name(cv.scheme) << " verified; client authenticated as "
      << cert.subject() << "\n";
  return cert;
}

}  // namespace sslp11::tls
