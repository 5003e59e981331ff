#include "support/oracle/tls_prf.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include "support/oracle/digests.h"
#include "support/oracle/openssl_call.h"

namespace sslp11::oracle {

namespace {
using Kdf = std::unique_ptr<EVP_KDF, Free<EVP_KDF, EVP_KDF_free>>;
using KdfCtx = std::unique_ptr<EVP_KDF_CTX, Free<EVP_KDF_CTX, EVP_KDF_CTX_free>>;
}  // namespace

Bytes tls12_prf(Hash h, ByteView secret, std::string_view label, ByteView seed, std::size_t length) {
  Kdf kdf(EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr));
  if (!kdf) openssl_fail("EVP_KDF_fetch(TLS1-PRF)");
  KdfCtx ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) openssl_fail("EVP_KDF_CTX_new");
  const Bytes label_seed = concat(Bytes(label.begin(), label.end()), seed);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(openssl_digest_name(h)), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, data_or_dummy(secret.data(), secret.size()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, data_or_dummy(label_seed.data(), label_seed.size()),
                                        label_seed.size()),
      OSSL_PARAM_construct_end(),
  };
  Bytes out(length);
  check(EVP_KDF_derive(ctx.get(), out.data(), out.size(), params), "EVP_KDF_derive(TLS1-PRF)");
  return out;
}

Bytes master_secret(const SuiteFacts& suite, ByteView pms, ByteView client_random, ByteView server_random,
                    const std::optional<Bytes>& session_hash) {
  if (session_hash) return tls12_prf(suite.prf, pms, "extended master secret", *session_hash, 48);
  return tls12_prf(suite.prf, pms, "master secret", concat(client_random, server_random), 48);
}

ExpectedKeys expected_keys(const SuiteFacts& suite, ByteView master, ByteView client_random, ByteView server_random) {
  const std::size_t mac = suite.mac_bytes(), key = suite.key_bytes, iv = suite.fixed_iv_bytes;
  const Bytes block =
      tls12_prf(suite.prf, master, "key expansion", concat(server_random, client_random), suite.key_block_bytes());
  std::size_t at = 0;
  auto take = [&](std::size_t n) {
    Bytes part(block.begin() + static_cast<std::ptrdiff_t>(at), block.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    return part;
  };
  ExpectedKeys k;
  k.client.mac = take(mac);
  k.server.mac = take(mac);
  k.client.key = take(key);
  k.server.key = take(key);
  k.client.iv = take(iv);
  k.server.iv = take(iv);
  return k;
}

}  // namespace sslp11::oracle
