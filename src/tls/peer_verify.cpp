#include "tls/peer_verify.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstring>

#include <sslp11/bcrypt.h>

#include "tls/alerts.h"
#include "tls/messages.h"

namespace sslp11::tls {

namespace {

namespace ss = signature_scheme;

constexpr std::array<SchemeInfo, 11> kSchemes{{
    {ss::ecdsa_secp256r1_sha256, SignatureKind::ecdsa, "SHA256"},
    {ss::ecdsa_secp384r1_sha384, SignatureKind::ecdsa, "SHA384"},
    {ss::ecdsa_secp521r1_sha512, SignatureKind::ecdsa, "SHA512"},
    {ss::rsa_pss_rsae_sha256, SignatureKind::rsa_pss, "SHA256"},
    {ss::rsa_pss_rsae_sha384, SignatureKind::rsa_pss, "SHA384"},
    {ss::rsa_pss_rsae_sha512, SignatureKind::rsa_pss, "SHA512"},
    {ss::rsa_pkcs1_sha256, SignatureKind::rsa_pkcs1, "SHA256"},
    {ss::rsa_pkcs1_sha384, SignatureKind::rsa_pkcs1, "SHA384"},
    {ss::rsa_pkcs1_sha512, SignatureKind::rsa_pkcs1, "SHA512"},
    {ss::ecdsa_sha1, SignatureKind::ecdsa, "SHA1"},
    {ss::rsa_pkcs1_sha1, SignatureKind::rsa_pkcs1, "SHA1"},
}};

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  char buf[256] = "unknown OpenSSL error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

const EVP_MD* md_named(const char* hash) {
  if (std::strcmp(hash, "SHA1") == 0) return EVP_sha1();
  if (std::strcmp(hash, "SHA256") == 0) return EVP_sha256();
  if (std::strcmp(hash, "SHA384") == 0) return EVP_sha384();
  if (std::strcmp(hash, "SHA512") == 0) return EVP_sha512();
  return nullptr;
}

bool is_ip_literal(const std::string& name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

AlertDescription alert_for(int x509_error) {
  switch (x509_error) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
      return AlertDescription::unknown_ca;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return AlertDescription::certificate_expired;
    default:
      return AlertDescription::bad_certificate;
  }
}

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { F(p); }
};

// sk_X509_free is a macro: it cannot be a template argument.
struct X509StackFree {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_free(s); }
};

Bytes bn_bytes(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) {
    throw TlsFailure(AlertDescription::bad_certificate, std::string("cannot read the certificate's ") + name);
  }
  Bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  BN_free(bn);
  return out;
}

}  // namespace

const SchemeInfo* scheme_info(std::uint16_t scheme) {
  for (const auto& s : kSchemes)
    if (s.scheme == scheme) return &s;
  return nullptr;
}

Bytes digest(const char* hash, ByteView data) {
  const EVP_MD* md = md_named(hash);
  if (md == nullptr) throw std::invalid_argument(std::string("unknown hash ") + hash);
  Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) {
    throw std::runtime_error("EVP_Digest: " + openssl_error());
  }
  out.resize(len);
  return out;
}

std::vector<std::uint16_t> offered_signature_schemes() {
  std::vector<std::uint16_t> out;
  for (const auto& s : kSchemes) out.push_back(s.scheme);
  return out;
}

std::vector<std::uint16_t> signing_schemes(bool ec_key) {
  // A server's preference: PKCS#1 v1.5 with the DigestInfo (SslSignHash with
  // NCRYPT_SSL_SIGN_INCLUDE_HASHOID) before PSS, SHA-256 first.
  if (ec_key) return {ss::ecdsa_secp256r1_sha256, ss::ecdsa_secp384r1_sha384, ss::ecdsa_secp521r1_sha512, ss::ecdsa_sha1};
  return {ss::rsa_pkcs1_sha256, ss::rsa_pkcs1_sha384, ss::rsa_pkcs1_sha512, ss::rsa_pss_rsae_sha256,
          ss::rsa_pss_rsae_sha384, ss::rsa_pss_rsae_sha512, ss::rsa_pkcs1_sha1};
}

PeerCertificate PeerCertificate::verify(const std::vector<Bytes>& chain, const std::string& cafile,
                                        const std::string& expected_name) {
  return verify_chain(chain, cafile, &expected_name);
}

PeerCertificate PeerCertificate::verify_client(const std::vector<Bytes>& chain, const std::string& cafile) {
  return verify_chain(chain, cafile, nullptr);
}

PeerCertificate PeerCertificate::verify_chain(const std::vector<Bytes>& chain, const std::string& cafile,
                                              const std::string* expected_name) {
  const std::string who = expected_name != nullptr ? "server" : "client";
  if (chain.empty()) throw TlsFailure(AlertDescription::bad_certificate, "the " + who + " sent no certificate");
  std::vector<std::unique_ptr<X509, X509Free>> certs;
  for (const Bytes& der : chain) {
    const unsigned char* p = der.data();
    X509* c = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (c == nullptr || p != der.data() + der.size()) {
      X509_free(c);
      throw TlsFailure(AlertDescription::bad_certificate, "a certificate in the chain is not valid DER: " + openssl_error());
    }
    certs.emplace_back(c);
  }
  std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>> store(X509_STORE_new());
  if (!store || X509_STORE_load_file(store.get(), cafile.c_str()) != 1) {
    throw TlsFailure(AlertDescription::internal_error, "cannot load the CA file " + cafile + ": " + openssl_error());
  }
  std::unique_ptr<STACK_OF(X509), X509StackFree> untrusted(sk_X509_new_null());
  for (std::size_t i = 1; i < certs.size(); ++i) sk_X509_push(untrusted.get(), certs[i].get());
  std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), certs[0].get(), untrusted.get()) != 1) {
    throw TlsFailure(AlertDescription::internal_error, "X509_STORE_CTX_init: " + openssl_error());
  }
  // The purpose checks the leaf's extended key usage: serverAuth for a
  // server, clientAuth for a client. A client is not checked for a name.
  X509_STORE_CTX_set_default(ctx.get(), expected_name != nullptr ? "ssl_server" : "ssl_client");
  if (expected_name != nullptr) {
    const std::string& name = *expected_name;
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    const bool named = is_ip_literal(name) ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) == 1
                                           : X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0) == 1;
    if (!named) throw TlsFailure(AlertDescription::internal_error, "cannot check the name '" + name + "'");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    throw TlsFailure(alert_for(err), "the " + who + " certificate does not verify against " + cafile +
                                         (expected_name != nullptr ? " for '" + *expected_name + "'" : std::string()) +
                                         ": " + X509_verify_cert_error_string(err));
  }
  PeerCertificate out;
  out.leaf_ = std::move(certs[0]);
  return out;
}

bool PeerCertificate::is_rsa() const { return EVP_PKEY_is_a(X509_get0_pubkey(leaf_.get()), "RSA") == 1; }

bool PeerCertificate::is_ec() const { return EVP_PKEY_is_a(X509_get0_pubkey(leaf_.get()), "EC") == 1; }

std::string PeerCertificate::subject() const {
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(leaf_.get()), buf, sizeof buf);
  return buf;
}

std::string PeerCertificate::key_description() const {
  EVP_PKEY* key = X509_get0_pubkey(leaf_.get());
  if (is_rsa()) return "RSA-" + std::to_string(EVP_PKEY_get_bits(key));
  if (is_ec()) {
    char group[64] = {};
    std::size_t len = 0;
    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len);
    return std::string("EC ") + group;
  }
  return "unsupported key type";
}

Bytes PeerCertificate::rsa_public_blob() const {
  EVP_PKEY* key = X509_get0_pubkey(leaf_.get());
  const Bytes n = bn_bytes(key, OSSL_PKEY_PARAM_RSA_N);
  const Bytes e = bn_bytes(key, OSSL_PKEY_PARAM_RSA_E);
  BCRYPT_RSAKEY_BLOB h{BCRYPT_RSAPUBLIC_MAGIC, static_cast<ULONG>(n.size() * 8), static_cast<ULONG>(e.size()),
                       static_cast<ULONG>(n.size()), 0, 0};
  Bytes blob(sizeof h);
  std::memcpy(blob.data(), &h, sizeof h);
  blob.insert(blob.end(), e.begin(), e.end());
  blob.insert(blob.end(), n.begin(), n.end());
  return blob;
}

void PeerCertificate::verify_signature(std::uint16_t scheme, ByteView signed_data, ByteView signature) const {
  const SchemeInfo* info = scheme_info(scheme);
  if (info == nullptr) {
    throw TlsFailure(AlertDescription::illegal_parameter,
                     "the server signed with " + signature_scheme_name(scheme) + ", which we did not offer");
  }
  const bool ec_scheme = info->kind == SignatureKind::ecdsa;
  if ((ec_scheme && !is_ec()) || (!ec_scheme && !is_rsa())) {
    throw TlsFailure(AlertDescription::illegal_parameter,
                     signature_scheme_name(scheme) + " does not fit the certificate's " + key_description() + " key");
  }
  EVP_PKEY* key = X509_get0_pubkey(leaf_.get());
  std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), &pctx, md_named(info->hash), nullptr, key) == 1;
  if (ok && info->kind == SignatureKind::rsa_pss) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
  }
  if (!ok) throw TlsFailure(AlertDescription::internal_error, "EVP_DigestVerifyInit: " + openssl_error());
  const int verified = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), signed_data.data(), signed_data.size());
  ERR_clear_error();
  if (verified != 1) {
    throw TlsFailure(AlertDescription::decrypt_error,
                     "the ServerKeyExchange signature (" + signature_scheme_name(scheme) + ") does not verify");
  }
}

}  // namespace sslp11::tls
