// Owning handles for the OpenSSL objects the key-file code holds, freed (and
// for BIGNUMs, which may be private key parts, wiped) when they go.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

namespace sslp11::keyfile {

// An OpenSSL object owned by a unique_ptr that frees it with `Free`, the
// library's own function for that type: Owned<BN_CTX, BN_CTX_free>.
template <auto Free>
struct FreedBy {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
template <class T, auto Free>
using Owned = std::unique_ptr<T, FreedBy<Free>>;

using Bio = Owned<BIO, BIO_free>;
using Pkey = Owned<EVP_PKEY, EVP_PKEY_free>;
using Certificate = Owned<X509, X509_free>;
using Bignum = Owned<BIGNUM, BN_clear_free>;  // may hold a private key part: wiped when freed
using BnCtx = Owned<BN_CTX, BN_CTX_free>;

}  // namespace sslp11::keyfile
