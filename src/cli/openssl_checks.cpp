#include "cli/openssl_checks.h"

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

namespace sslp11::cli {

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
struct DecoderCtxFree {
  void operator()(OSSL_DECODER_CTX* c) const noexcept { OSSL_DECODER_CTX_free(c); }
};
struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};

// OpenSSL's reason for the last failure on this thread, and an empty queue.
std::string openssl_reason() {
  unsigned long last = 0;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) last = e;
  if (last == 0) return "no reason given";
  const char* reason = ERR_reason_error_string(last);
  return reason != nullptr ? reason : "error " + std::to_string(last);
}

}  // namespace

std::optional<std::string> private_key_problem(std::span<const std::uint8_t> der) {
  ERR_clear_error();
  EVP_PKEY* raw = nullptr;
  // Any structure (PrivateKeyInfo, type-specific) and any key type: the
  // caller already told PKCS#8, PKCS#1 and SEC1 apart.
  const std::unique_ptr<OSSL_DECODER_CTX, DecoderCtxFree> decoder(
      OSSL_DECODER_CTX_new_for_pkey(&raw, "DER", nullptr, nullptr, EVP_PKEY_KEYPAIR, nullptr, nullptr));
  if (!decoder) return "OpenSSL has no decoder for private keys: " + openssl_reason();
  const unsigned char* data = der.data();
  std::size_t left = der.size();
  if (OSSL_DECODER_from_data(decoder.get(), &data, &left) != 1 || raw == nullptr) {
    return "OpenSSL cannot decode the private key: " + openssl_reason();
  }
  const std::unique_ptr<EVP_PKEY, PkeyFree> key(raw);
  const std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx) return "OpenSSL cannot check the private key: " + openssl_reason();
  if (EVP_PKEY_check(ctx.get()) != 1) return "OpenSSL's key check fails: " + openssl_reason();
  return std::nullopt;
}

std::optional<std::string> certificate_problem(std::span<const std::uint8_t> der) {
  ERR_clear_error();
  const unsigned char* data = der.data();
  const std::unique_ptr<X509, X509Free> cert(d2i_X509(nullptr, &data, static_cast<long>(der.size())));
  if (!cert) return "OpenSSL cannot parse the certificate: " + openssl_reason();
  if (data != der.data() + der.size()) return "OpenSSL parses a certificate followed by stray bytes";
  return std::nullopt;
}

}  // namespace sslp11::cli
