#include "core/tls13_public_hash.h"

#include <openssl/evp.h>

#include "core/error.h"

namespace sslp11::core {

PublicDigest public_digest(HashAlg hash, std::span<const std::uint8_t> data) {
  const EVP_MD* md = hash == HashAlg::sha384 ? EVP_sha384() : hash == HashAlg::sha256 ? EVP_sha256() : nullptr;
  if (md == nullptr) throw Error(Fault::internal, "TLS 1.3 hashes with SHA-256 or SHA-384 only");
  PublicDigest d;
  unsigned int len = 0;
  static const std::uint8_t kNothing = 0;
  if (EVP_Digest(data.empty() ? &kNothing : data.data(), data.size(), d.bytes.data(), &len, md, nullptr) != 1) {
    throw Error(Fault::internal, "libcrypto could not hash a public value");
  }
  d.size = len;
  return d;
}

}  // namespace sslp11::core
