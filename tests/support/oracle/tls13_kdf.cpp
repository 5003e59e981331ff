#include "support/oracle/tls13_kdf.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include <vector>

#include "support/oracle/digests.h"
#include "support/oracle/openssl_call.h"

namespace sslp11::oracle {

namespace {

using Kdf = std::unique_ptr<EVP_KDF, Free<EVP_KDF, EVP_KDF_free>>;
using KdfCtx = std::unique_ptr<EVP_KDF_CTX, Free<EVP_KDF_CTX, EVP_KDF_CTX_free>>;

constexpr std::string_view kPrefix = "tls13 ";

OSSL_PARAM octets(const char* name, ByteView v) {
  return OSSL_PARAM_construct_octet_string(name, data_or_dummy(v.data(), v.size()), v.size());
}

Bytes run_tls13_kdf(std::vector<OSSL_PARAM> params, std::size_t length) {
  Kdf kdf(EVP_KDF_fetch(nullptr, "TLS13-KDF", nullptr));
  if (!kdf) openssl_fail("EVP_KDF_fetch(TLS13-KDF)");
  KdfCtx ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) openssl_fail("EVP_KDF_CTX_new");
  params.push_back(OSSL_PARAM_construct_end());
  Bytes out(length);
  check(EVP_KDF_derive(ctx.get(), out.data(), out.size(), params.data()), "EVP_KDF_derive(TLS13-KDF)");
  return out;
}

ByteView text(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

}  // namespace

Bytes tls13_extract(Hash h, const std::optional<Bytes>& previous, const std::optional<Bytes>& ikm) {
  int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
  std::vector<OSSL_PARAM> p{
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(openssl_digest_name(h)), 0),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      octets(OSSL_KDF_PARAM_PREFIX, text(kPrefix)),
      octets(OSSL_KDF_PARAM_LABEL, text("derived")),
  };
  if (previous) p.push_back(octets(OSSL_KDF_PARAM_SALT, *previous));
  if (ikm) p.push_back(octets(OSSL_KDF_PARAM_KEY, *ikm));
  return run_tls13_kdf(std::move(p), hash_bytes(h));
}

Bytes tls13_expand_label(Hash h, ByteView secret, std::string_view label, ByteView context, std::size_t length) {
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  std::vector<OSSL_PARAM> p{
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(openssl_digest_name(h)), 0),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      octets(OSSL_KDF_PARAM_KEY, secret),
      octets(OSSL_KDF_PARAM_PREFIX, text(kPrefix)),
      octets(OSSL_KDF_PARAM_LABEL, text(label)),
      octets(OSSL_KDF_PARAM_DATA, context),
  };
  return run_tls13_kdf(std::move(p), length);
}

Bytes tls13_derive_secret(Hash h, ByteView secret, std::string_view label, ByteView transcript_hash) {
  return tls13_expand_label(h, secret, label, transcript_hash, hash_bytes(h));
}

Bytes tls13_finished(Hash h, ByteView base, ByteView transcript_hash) {
  const Bytes key = tls13_expand_label(h, base, "finished", {}, hash_bytes(h));
  return hmac(h, key, transcript_hash);
}

Bytes tls13_export(Hash h, ByteView exporter_master, std::string_view label, ByteView context, std::size_t length) {
  const Bytes secret = tls13_derive_secret(h, exporter_master, label, digest(h, {}));
  return tls13_expand_label(h, secret, "exporter", digest(h, context), length);
}

}  // namespace sslp11::oracle
