#include "support/oracle/digests.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "support/oracle/openssl_call.h"

namespace sslp11::oracle {

namespace {
using Mac = std::unique_ptr<EVP_MAC, Free<EVP_MAC, EVP_MAC_free>>;
using MacCtx = std::unique_ptr<EVP_MAC_CTX, Free<EVP_MAC_CTX, EVP_MAC_CTX_free>>;
}  // namespace

const char* openssl_digest_name(Hash h) {
  switch (h) {
    case Hash::sha1:
      return "SHA1";
    case Hash::sha256:
      return "SHA256";
    case Hash::sha384:
      return "SHA384";
    case Hash::none:
      break;
  }
  return "";
}

Bytes digest(Hash h, ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  check(EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_get_digestbyname(openssl_digest_name(h)), nullptr),
        "EVP_Digest");
  out.resize(len);
  return out;
}

Bytes hmac(Hash h, ByteView key, ByteView data) {
  Mac mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) openssl_fail("EVP_MAC_fetch(HMAC)");
  MacCtx ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) openssl_fail("EVP_MAC_CTX_new");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(openssl_digest_name(h)), 0),
      OSSL_PARAM_construct_end(),
  };
  Bytes out(EVP_MAX_MD_SIZE);
  std::size_t len = 0;
  check(EVP_MAC_init(ctx.get(), key.data(), key.size(), params), "EVP_MAC_init");
  check(EVP_MAC_update(ctx.get(), data.data(), data.size()), "EVP_MAC_update");
  check(EVP_MAC_final(ctx.get(), out.data(), &len, out.size()), "EVP_MAC_final");
  out.resize(len);
  return out;
}

}  // namespace sslp11::oracle
