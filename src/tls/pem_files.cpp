#include "tls/pem_files.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <stdexcept>

namespace sslp11::tls {

namespace {

[[noreturn]] void openssl_failure(const std::string& what) {
  const unsigned long e = ERR_get_error();
  char buf[256] = "no OpenSSL error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  throw std::runtime_error(what + ": " + buf);
}

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File open_file(const std::string& path) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) throw std::runtime_error("cannot open " + path);
  return f;
}

}  // namespace

PkeyPtr read_private_key_pem(const std::string& path) {
  File f = open_file(path);
  PkeyPtr key(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr));
  if (!key) openssl_failure("reading a private key from " + path);
  return key;
}

std::vector<Bytes> read_certificates_pem(const std::string& path) {
  File f = open_file(path);
  std::vector<Bytes> out;
  while (X509* cert = PEM_read_X509(f.get(), nullptr, nullptr, nullptr)) {
    unsigned char* p = nullptr;
    const int n = i2d_X509(cert, &p);
    X509_free(cert);
    if (n <= 0) openssl_failure("encoding a certificate from " + path);
    out.emplace_back(p, p + n);
    OPENSSL_free(p);
  }
  ERR_clear_error();  // the end of the file ends the loop with a "no start line" error
  if (out.empty()) throw std::runtime_error("no PEM certificate in " + path);
  return out;
}

std::vector<Bytes> read_certificate_subjects_pem(const std::string& path) {
  std::vector<Bytes> out;
  for (const Bytes& der : read_certificates_pem(path)) {
    const unsigned char* in = der.data();
    X509* cert = d2i_X509(nullptr, &in, static_cast<long>(der.size()));
    if (cert == nullptr) openssl_failure("decoding a certificate from " + path);
    unsigned char* p = nullptr;
    const int n = i2d_X509_NAME(X509_get_subject_name(cert), &p);
    X509_free(cert);
    if (n <= 0) openssl_failure("encoding a certificate subject from " + path);
    Bytes name(p, p + n);
    OPENSSL_free(p);
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  }
  return out;
}

Bytes read_file(const std::string& path) {
  File f = open_file(path);
  Bytes out;
  unsigned char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f.get())) > 0;) out.insert(out.end(), buf, buf + n);
  if (std::ferror(f.get()) != 0) throw std::runtime_error("cannot read " + path);
  return out;
}

}  // namespace sslp11::tls
