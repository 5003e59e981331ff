#include "tls/support/pki.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "support/test_tokens.h"

namespace sslp11::tlstest {

namespace {

[[noreturn]] void openssl_fail(const std::string& what) {
  char buf[256] = "no OpenSSL error";
  if (const unsigned long e = ERR_get_error(); e != 0) ERR_error_string_n(e, buf, sizeof buf);
  throw std::runtime_error("test PKI: " + what + ": " + buf);
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct X509Free {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
using Cert = std::unique_ptr<X509, X509Free>;

Pkey ec_key() {
  Pkey k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!k) openssl_fail("EC key generation");
  return k;
}

Pkey rsa_key() {
  Pkey k(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048)));
  if (!k) openssl_fail("RSA key generation");
  return k;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr || X509_add_ext(cert, ext, -1) != 1) openssl_fail(std::string("extension ") + value);
  X509_EXTENSION_free(ext);
}

enum class Usage { server, client };

// A certificate for `key`, signed by `issuer_key` (self-signed when issuer is
// null): a server's for localhost and 127.0.0.1, or a client's (clientAuth,
// no names).
Cert make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, long serial,
               Usage usage = Usage::server) {
  Cert c(X509_new());
  X509_set_version(c.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), 2 * 86400);
  X509_set_pubkey(c.get(), key);
  X509_NAME* name = X509_get_subject_name(c.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(c.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509* signer = issuer != nullptr ? issuer : c.get();
  if (issuer == nullptr) {
    add_extension(c.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(c.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(c.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    add_extension(c.get(), signer, NID_basic_constraints, "CA:FALSE");
    if (usage == Usage::server) {
      add_extension(c.get(), signer, NID_ext_key_usage, "serverAuth");
      add_extension(c.get(), signer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    } else {
      add_extension(c.get(), signer, NID_ext_key_usage, "clientAuth");
    }
    add_extension(c.get(), signer, NID_authority_key_identifier, "keyid");
  }
  if (X509_sign(c.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) openssl_fail("X509_sign");
  return c;
}

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

std::unique_ptr<std::FILE, FileCloser> create(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "wb"));
  if (!f) throw std::runtime_error("test PKI: cannot write " + path);
  return f;
}

// Both return `path`.
std::string write_cert(const std::string& path, X509* cert) {
  auto f = create(path);
  if (PEM_write_X509(f.get(), cert) != 1) openssl_fail("PEM_write_X509");
  return path;
}

std::string write_key(const std::string& path, EVP_PKEY* key) {
  auto f = create(path);
  if (PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) openssl_fail("PEM_write_PrivateKey");
  return path;
}

void write_ffdhe2048(const std::string& path) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr),
                                                                   EVP_PKEY_CTX_free);
  EVP_PKEY* params = nullptr;
  if (!ctx || EVP_PKEY_paramgen_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_group_name(ctx.get(), "ffdhe2048") != 1 ||
      EVP_PKEY_paramgen(ctx.get(), &params) != 1) {
    openssl_fail("ffdhe2048 parameters");
  }
  Pkey owned(params);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "w"), BIO_free);
  if (!bio || PEM_write_bio_Parameters(bio.get(), params) != 1) openssl_fail("PEM_write_bio_Parameters");
}

TestPki make_pki() {
  TestPki pki;
  pki.dir = test::TestTokens::temp_dir() + "/pki";
  std::filesystem::create_directories(pki.dir);
  Pkey ca_key = ec_key();
  Cert ca = make_cert(ca_key.get(), "sslp11 test CA", nullptr, nullptr, 1);
  Pkey other_key = ec_key();
  Cert other = make_cert(other_key.get(), "sslp11 unrelated CA", nullptr, nullptr, 1);
  Pkey rsa = rsa_key();
  Cert rsa_cert = make_cert(rsa.get(), "localhost", ca.get(), ca_key.get(), 2);
  Pkey ec = ec_key();
  Cert ec_cert = make_cert(ec.get(), "localhost", ca.get(), ca_key.get(), 3);
  Pkey client_rsa = rsa_key();
  Cert client_rsa_cert = make_cert(client_rsa.get(), "sslp11 test client RSA", ca.get(), ca_key.get(), 4, Usage::client);
  Pkey client_ec = ec_key();
  Cert client_ec_cert = make_cert(client_ec.get(), "sslp11 test client EC", ca.get(), ca_key.get(), 5, Usage::client);
  Cert stranger_cert =
      make_cert(client_ec.get(), "sslp11 client of the unrelated CA", other.get(), other_key.get(), 2, Usage::client);

  pki.ca = pki.dir + "/ca.pem";
  pki.other_ca = pki.dir + "/other-ca.pem";
  pki.rsa_cert = pki.dir + "/server-rsa.pem";
  pki.rsa_key = pki.dir + "/server-rsa.key";
  pki.ec_cert = pki.dir + "/server-ec.pem";
  pki.ec_key = pki.dir + "/server-ec.key";
  pki.dh_params = pki.dir + "/ffdhe2048.pem";
  pki.no_ems_conf = pki.dir + "/openssl-no-ems.cnf";
  write_cert(pki.ca, ca.get());
  write_cert(pki.other_ca, other.get());
  write_cert(pki.rsa_cert, rsa_cert.get());
  write_key(pki.rsa_key, rsa.get());
  write_cert(pki.ec_cert, ec_cert.get());
  write_key(pki.ec_key, ec.get());
  pki.client_rsa_cert = write_cert(pki.dir + "/client-rsa.pem", client_rsa_cert.get());
  pki.client_rsa_key = write_key(pki.dir + "/client-rsa.key", client_rsa.get());
  pki.client_ec_cert = write_cert(pki.dir + "/client-ec.pem", client_ec_cert.get());
  pki.client_ec_key = write_key(pki.dir + "/client-ec.key", client_ec.get());
  pki.stranger_cert = write_cert(pki.dir + "/client-other-ca.pem", stranger_cert.get());
  write_ffdhe2048(pki.dh_params);
  std::ofstream(pki.no_ems_conf) << "openssl_conf = openssl_init\n[openssl_init]\nssl_conf = ssl_sect\n"
                                    "[ssl_sect]\nsystem_default = system_default_sect\n"
                                    "[system_default_sect]\nOptions = -ExtendedMasterSecret\n";
  return pki;
}

}  // namespace

const TestPki& test_pki() {
  static std::once_flag once;
  static TestPki pki;
  std::call_once(once, [] { pki = make_pki(); });
  return pki;
}

}  // namespace sslp11::tlstest
