#include "tls/certificate_verify13.h"

#include <string>

#include "tls/alerts.h"
#include "tls/messages.h"
#include "tls/token_signing.h"

namespace sslp11::tls {

namespace {

namespace ss = signature_scheme;

// RFC 8446 §4.4.3: TLS 1.3 signs with ECDSA or RSA-PSS only.
bool tls13_signature_scheme(std::uint16_t scheme) {
  const SchemeInfo* info = scheme_info(scheme);
  return info != nullptr && info->kind != SignatureKind::rsa_pkcs1 && std::string(info->hash) != "SHA1";
}

const char* signer_name(Signer signer) { return signer == Signer::server ? "the server" : "the client"; }

}  // namespace

std::vector<std::uint16_t> tls13_signing_schemes(const TokenCredential& credential) {
  if (credential.ec_key) {
    return {credential.ec_key_bits == 384   ? ss::ecdsa_secp384r1_sha384
            : credential.ec_key_bits == 521 ? ss::ecdsa_secp521r1_sha512
                                            : ss::ecdsa_secp256r1_sha256};
  }
  return {ss::rsa_pss_rsae_sha256, ss::rsa_pss_rsae_sha384, ss::rsa_pss_rsae_sha512};
}

std::vector<std::uint16_t> tls13_verifiable_schemes() {
  std::vector<std::uint16_t> out;
  for (std::uint16_t s : offered_signature_schemes())
    if (tls13_signature_scheme(s)) out.push_back(s);
  return out;
}

CertificateVerify sign_certificate_verify13(const Provider& provider, const TokenCredential& credential,
                                            const std::vector<std::uint16_t>& peer_schemes, Signer signer,
                                            ByteView transcript_hash) {
  for (std::uint16_t scheme : tls13_signing_schemes(credential)) {
    if (!contains(peer_schemes, scheme)) continue;
    const Bytes content = certificate_verify_content(signer, transcript_hash);
    return {scheme, sign_on_token(provider, credential.private_key.get(), scheme, content)};
  }
  throw TlsFailure(AlertDescription::handshake_failure,
                   std::string(signer == Signer::server ? "the client" : "the server") +
                       " accepts no TLS 1.3 signature scheme our " + (credential.ec_key ? "ECDSA" : "RSA") +
                       " key can make");
}

void check_certificate_verify13(const PeerCertificate& certificate, const std::vector<std::uint16_t>& offered,
                                const CertificateVerify& verify, Signer signer, ByteView transcript_hash) {
  const std::string who = signer_name(signer);
  if (!contains(offered, verify.scheme) || !tls13_signature_scheme(verify.scheme)) {
    throw TlsFailure(AlertDescription::illegal_parameter,
                     who + " signed with " + signature_scheme_name(verify.scheme) + ", not allowed in TLS 1.3");
  }
  // RFC 8446 §4.2.3: in TLS 1.3 an ECDSA scheme names the curve of the key.
  const char* curve = verify.scheme == ss::ecdsa_secp256r1_sha256   ? "EC prime256v1"
                      : verify.scheme == ss::ecdsa_secp384r1_sha384 ? "EC secp384r1"
                      : verify.scheme == ss::ecdsa_secp521r1_sha512 ? "EC secp521r1"
                                                                    : nullptr;
  if (curve != nullptr && certificate.key_description() != curve) {
    throw TlsFailure(AlertDescription::illegal_parameter, signature_scheme_name(verify.scheme) + " does not fit the " +
                                                              certificate.key_description() + " certificate key");
  }
  const Bytes content = certificate_verify_content(signer, transcript_hash);
  try {
    certificate.verify_signature(verify.scheme, content, verify.signature);
  } catch (const TlsFailure& e) {
    if (e.alert() != AlertDescription::decrypt_error) throw;
    throw TlsFailure(AlertDescription::decrypt_error, "the " + std::string(signer == Signer::server ? "server" : "client") +
                                                          " CertificateVerify signature (" +
                                                          signature_scheme_name(verify.scheme) + ") does not verify");
  }
}

}  // namespace sslp11::tls
