#include "tls/client_auth12.h"

#include <cstring>
#include <ostream>

#include "tls/alerts.h"
#include "tls/client_auth.h"
#include "tls/messages13.h"
#include "tls/token_signing.h"

namespace sslp11::tls {

namespace {

namespace ht = handshake_type;
namespace ct = client_certificate_type;

// The hashes we sign through: what sslp11's SslCreateClientAuthHash makes
// (SHA-1, SHA-256, SHA-384) without SHA-1.
bool client_auth_hash_made(std::uint16_t scheme) {
  const char* hash = scheme_info(scheme)->hash;
  return std::strcmp(hash, "SHA256") == 0 || std::strcmp(hash, "SHA384") == 0;
}

// What a CertificateRequest lists and a CertificateVerify may use: the TLS 1.2
// schemes we verify, SHA-1 left out.
std::vector<std::uint16_t> requested_schemes() {
  std::vector<std::uint16_t> out;
  for (std::uint16_t s : offered_signature_schemes())
    if (std::strcmp(scheme_info(s)->hash, "SHA1") != 0) out.push_back(s);
  return out;
}

}  // namespace

ClientAuth12 ClientAuth12::plan(const TokenCredential* credential, const CertificateRequest& request,
                                std::ostream& log) {
  ClientAuth12 out;
  out.credential = credential;
  if (credential == nullptr) {
    log << "<< " << certificate_request_title(request.authorities) << ": no --cert, so we answer with an empty Certificate\n";
    return out;
  }
  const std::uint8_t type = credential->ec_key ? ct::ecdsa_sign : ct::rsa_sign;
  if (!contains(request.certificate_types, type)) {
    log << "<< " << certificate_request_title(request.authorities) << ": the server takes no " << credential->algorithm
        << " certificate; we answer with an empty Certificate\n";
    return out;
  }
  for (std::uint16_t s : signing_schemes(credential->ec_key)) {
    if (contains(request.signature_algorithms, s) && client_auth_hash_made(s)) {
      out.scheme = s;
      break;
    }
  }
  if (!out.scheme) {
    log << "<< " << certificate_request_title(request.authorities) << ": no requested signature scheme our " << credential->algorithm
        << " key can sign through the client-auth hash; we answer with an empty Certificate\n";
    return out;
  }
  log << "<< " << certificate_request_title(request.authorities) << ": we answer with the certificate of " << credential->cert_file << " ("
      << signature_scheme_name(*out.scheme) << ")\n";
  return out;
}

Bytes ClientAuth12::certificate_message() const {
  return make_handshake(ht::certificate, build_certificate(scheme ? credential->chain : std::vector<Bytes>{}));
}

Bytes ClientAuth12::certificate_verify_message(const Provider& provider, const Transcript& transcript,
                                               NCRYPT_KEY_HANDLE master, ConnectionReport& report,
                                               std::ostream& log) const {
  const Bytes hash = transcript.client_auth_digest(master, scheme_info(*scheme)->hash);
  const Bytes signature = sign_digest_on_token(provider, credential->private_key.get(), *scheme, hash);
  report.client_authentication = "certificate of " + credential->cert_file + ", CertificateVerify signed " +
                                 signature_scheme_name(*scheme) +
                                 " by the token's private key (SslCreateClientAuthHash, SslComputeClientAuthHash, "
                                 "SslSignHash)";
  log << ">> CertificateVerify: " << signature_scheme_name(*scheme)
      << " over the client-auth hash (SslCreateClientAuthHash, SslComputeClientAuthHash), signed on the token "
         "(SslSignHash)\n";
  return make_handshake(ht::certificate_verify, build_certificate_verify({*scheme, signature}));
}

Bytes certificate_request12_message(const std::vector<Bytes>& ca_names) {
  return make_handshake(ht::certificate_request,
                        build_certificate_request({{ct::rsa_sign, ct::ecdsa_sign}, requested_schemes(), ca_names}));
}

PeerCertificate verify_client_certificate12(ByteView body, const std::string& cafile, std::ostream& log) {
  const std::vector<Bytes> chain = parse_certificate(body);
  if (chain.empty()) {
    throw TlsFailure(AlertDescription::handshake_failure,
                     "the client sent no certificate (--verify-client requires one)");
  }
  PeerCertificate cert = PeerCertificate::verify_client(chain, cafile);
  log << "<< Certificate: " << cert.subject() << " (" << cert.key_description() << "), chain of " << chain.size()
      << " verified against " << cafile << "\n";
  return cert;
}

void check_certificate_verify12(const PeerCertificate& certificate, ByteView body, ByteView messages,
                                const std::string& cafile, ConnectionReport& report, std::ostream& log) {
  const CertificateVerify cv = parse_certificate_verify(body);
  if (!contains(requested_schemes(), cv.scheme)) {
    throw TlsFailure(AlertDescription::illegal_parameter,
                     "the client signed with " + signature_scheme_name(cv.scheme) + ", which we did not request");
  }
  try {
    certificate.verify_signature(cv.scheme, messages, cv.signature);
  } catch (const TlsFailure& e) {
    if (e.alert() != AlertDescription::decrypt_error) throw;
    throw TlsFailure(AlertDescription::decrypt_error,
                     "the client CertificateVerify signature (" + signature_scheme_name(cv.scheme) + ") does not verify");
  }
  report.client_authentication = client_authenticated(certificate, cafile, cv.scheme);
  log << "<< CertificateVerify: " << signature_scheme_name(cv.scheme) << " verified; client authenticated as "
      << certificate.subject() << "\n";
}

}  // namespace sslp11::tls
