// Owning handles for the OpenSSL objects the key-file code holds, freed (and
// for BIGNUMs, which may be private key parts, wiped) when they go.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

namespace sslp11::keyfile {

struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* c) const noexcept { X509_free(c); }
};
struct BnClearFree {
  void operator()(BIGNUM* b) const noexcept { BN_clear_free(b); }
};
struct BnCtxFree {
  void operator()(BN_CTX* c) const noexcept { BN_CTX_free(c); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Certificate = std::unique_ptr<X509, X509Free>;
using Bignum = std::unique_ptr<BIGNUM, BnClearFree>;

}  // namespace sslp11::keyfile
