// Inside the oracle only: turning a libcrypto failure into an exception that
// carries OpenSSL's error queue, and owning libcrypto objects.
#pragma once

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <string>

#include "support/oracle/bytes.h"

namespace sslp11::oracle {

// Throws std::runtime_error("OpenSSL: <what> failed | <queue>...").
[[noreturn]] void openssl_fail(const std::string& what);
// libcrypto's convention: 1 (or a positive length) is success.
inline void check(int ok, const char* what) {
  if (ok <= 0) openssl_fail(what);
}

template <class T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const noexcept { F(p); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Free<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, Free<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using Bignum = std::unique_ptr<BIGNUM, Free<BIGNUM, BN_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Free<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Free<OSSL_PARAM, OSSL_PARAM_free>>;

// A big-endian magnitude as a BIGNUM.
Bignum bn(ByteView magnitude);

// An empty input must still be a valid pointer for EVP_*Update and OSSL_PARAM.
inline unsigned char* data_or_dummy(const unsigned char* p, std::size_t n) {
  static unsigned char dummy = 0;
  return n == 0 ? &dummy : const_cast<unsigned char*>(p);
}

}  // namespace sslp11::oracle
