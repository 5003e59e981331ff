#include "handshake/support/handshake_kit.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "abi/guard.h"
#include "core/handle_table.h"
#include "core/keys.h"

namespace sslp11::hstest {

namespace {

const char* status_name(SECURITY_STATUS s) {
  const char* name = abi::status_name(s);
  return *name != '\0' ? name : "?";
}

[[noreturn]] void openssl_fail(const std::string& what) {
  std::string detail;
  char buf[256];
  while (unsigned long e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof buf);
    detail += std::string(" | ") + buf;
  }
  throw std::runtime_error("OpenSSL: " + what + " failed" + detail);
}

void check(int ok, const char* what) {
  if (ok <= 0) openssl_fail(what);
}

void require_ok(SECURITY_STATUS s, const char* call) {
  if (s == ERROR_SUCCESS) return;
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(s));
  throw std::runtime_error(std::string(call) + ": " + hex + " " + status_name(s) + " " + test::last_error());
}

const char* md_name(Hash h) {
  switch (h) {
    case Hash::sha1: return "SHA1";
    case Hash::sha256: return "SHA256";
    case Hash::sha384: return "SHA384";
  }
  return "?";
}

template <class T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const noexcept { F(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Free<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using Kdf = std::unique_ptr<EVP_KDF, Free<EVP_KDF, EVP_KDF_free>>;
using KdfCtx = std::unique_ptr<EVP_KDF_CTX, Free<EVP_KDF_CTX, EVP_KDF_CTX_free>>;

const char* curve_name(DWORD group) { return group == TLS_ECC_P384_CURVE_KEY_TYPE ? "P-384" : "P-256"; }
std::size_t coordinate_bytes(DWORD group) { return group == TLS_ECC_P384_CURVE_KEY_TYPE ? 48 : 32; }
ULONG ecdh_magic(DWORD group) {
  return group == TLS_ECC_P384_CURVE_KEY_TYPE ? BCRYPT_ECDH_PUBLIC_P384_MAGIC : BCRYPT_ECDH_PUBLIC_P256_MAGIC;
}

Bytes public_point(const EVP_PKEY* key) {
  std::size_t len = 0;
  check(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0, &len), "get pub key size");
  Bytes point(len);
  check(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(), &len),
        "get pub key");
  point.resize(len);
  return point;
}

Pkey public_from_point(DWORD group, ByteView point) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_name");
  check(EVP_PKEY_fromdata_init(ctx.get()), "EVP_PKEY_fromdata_init");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(curve_name(group)), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<std::uint8_t*>(point.data()),
                                        point.size()),
      OSSL_PARAM_construct_end()};
  EVP_PKEY* key = nullptr;
  check(EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params), "EVP_PKEY_fromdata");
  return Pkey(key);
}

Bytes ecdh(EVP_PKEY* own, EVP_PKEY* peer) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_pkey");
  check(EVP_PKEY_derive_init(ctx.get()), "EVP_PKEY_derive_init");
  check(EVP_PKEY_derive_set_peer(ctx.get(), peer), "EVP_PKEY_derive_set_peer");
  std::size_t len = 0;
  check(EVP_PKEY_derive(ctx.get(), nullptr, &len), "EVP_PKEY_derive (size)");
  Bytes z(len);
  check(EVP_PKEY_derive(ctx.get(), z.data(), &len), "EVP_PKEY_derive");
  z.resize(len);
  return z;
}

// BCRYPT_ECCPUBLIC_BLOB: {dwMagic, cbKey} || X || Y, built here rather than
// with sslp11's blob code.
Bytes ecc_blob(DWORD group, ByteView point) {
  const std::size_t n = coordinate_bytes(group);
  if (point.size() != 1 + 2 * n || point[0] != 0x04) throw std::runtime_error("not an uncompressed point");
  BCRYPT_ECCKEY_BLOB header{ecdh_magic(group), static_cast<ULONG>(n)};
  Bytes blob(sizeof header);
  std::memcpy(blob.data(), &header, sizeof header);
  blob.insert(blob.end(), point.begin() + 1, point.end());
  return blob;
}

Bytes point_from_blob(DWORD group, ByteView blob) {
  const std::size_t n = coordinate_bytes(group);
  if (blob.size() != sizeof(BCRYPT_ECCKEY_BLOB) + 2 * n) throw std::runtime_error("ECC blob of the wrong size");
  Bytes point{0x04};
  point.insert(point.end(), blob.begin() + sizeof(BCRYPT_ECCKEY_BLOB), blob.end());
  return point;
}

}  // namespace

void PrintTo(const Status& s, std::ostream* os) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(s.value));
  *os << status_name(s.value) << " (" << hex << ")";
}

std::size_t hash_len(Hash h) {
  switch (h) {
    case Hash::sha1: return 20;
    case Hash::sha256: return 32;
    case Hash::sha384: return 48;
  }
  return 0;
}

Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  if (n != 0) check(RAND_bytes(b.data(), static_cast<int>(n)), "RAND_bytes");
  return b;
}

Bytes concat(ByteView a, ByteView b) {
  Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

Bytes digest(Hash h, ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  check(EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_get_digestbyname(md_name(h)), nullptr),
        "EVP_Digest");
  out.resize(len);
  return out;
}

Bytes tls12_prf(Hash h, ByteView secret, std::string_view label, ByteView seed, std::size_t length) {
  Kdf kdf(EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr));
  if (!kdf) openssl_fail("EVP_KDF_fetch TLS1-PRF");
  KdfCtx ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) openssl_fail("EVP_KDF_CTX_new");
  Bytes label_seed(label.begin(), label.end());
  label_seed.insert(label_seed.end(), seed.begin(), seed.end());
  // An empty secret (RFC 5216's IV) still needs a non-NULL pointer.
  static std::uint8_t none = 0;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(md_name(h)), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
                                        secret.empty() ? &none : const_cast<std::uint8_t*>(secret.data()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, label_seed.data(), label_seed.size()),
      OSSL_PARAM_construct_end()};
  Bytes out(length);
  check(EVP_KDF_derive(ctx.get(), out.data(), out.size(), params), "EVP_KDF_derive TLS1-PRF");
  return out;
}

Bytes handshake_message(std::uint8_t type, std::size_t body_bytes) {
  Bytes m{type, static_cast<std::uint8_t>(body_bytes >> 16), static_cast<std::uint8_t>(body_bytes >> 8),
          static_cast<std::uint8_t>(body_bytes)};
  const Bytes body = random_bytes(body_bytes);
  m.insert(m.end(), body.begin(), body.end());
  return m;
}

const std::vector<SuiteCase>& suite_cases() {
  static const std::vector<SuiteCase> cases{
      {TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE_RSA_AES_128_GCM_SHA256", Hash::sha256,
       TLS_ECC_P256_CURVE_KEY_TYPE, 2 * (0 + 16 + 4)},
      {TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE_RSA_AES_256_GCM_SHA384", Hash::sha384,
       TLS_ECC_P384_CURVE_KEY_TYPE, 2 * (0 + 32 + 4)},
      {TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, "ECDHE_RSA_AES_128_CBC_SHA256", Hash::sha256,
       TLS_ECC_P256_CURVE_KEY_TYPE, 2 * (32 + 16 + 0)},
  };
  return cases;
}

const SuiteCase& sha256_case() { return suite_cases()[0]; }
const SuiteCase& sha384_case() { return suite_cases()[1]; }

Session make_session(NCRYPT_PROV_HANDLE provider, const SuiteCase& suite) {
  return make_session(provider, suite, random_bytes(32), random_bytes(32));
}

Session make_session(NCRYPT_PROV_HANDLE provider, const SuiteCase& suite, ByteView client_random,
                     ByteView server_random) {
  if (client_random.size() != 32 || server_random.size() != 32) throw std::runtime_error("randoms are 32 bytes");
  Session s;
  s.suite = &suite;
  s.client_random.assign(client_random.begin(), client_random.end());
  s.server_random.assign(server_random.begin(), server_random.end());

  Handle own;
  require_ok(SslCreateEphemeralKey(provider, own.out(), TLS1_2_PROTOCOL_VERSION, suite.suite, suite.group, 0,
                                   nullptr, 0, 0),
             "SslCreateEphemeralKey");
  DWORD size = 0;
  require_ok(SslExportKey(provider, own.get(), BCRYPT_ECCPUBLIC_BLOB, nullptr, 0, &size, 0), "SslExportKey (size)");
  Bytes own_blob(size);
  require_ok(SslExportKey(provider, own.get(), BCRYPT_ECCPUBLIC_BLOB, own_blob.data(), size, &size, 0),
             "SslExportKey");
  own_blob.resize(size);

  Pkey peer(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve_name(suite.group)));
  if (!peer) openssl_fail("EVP_PKEY_Q_keygen");
  Bytes peer_blob = ecc_blob(suite.group, public_point(peer.get()));
  Handle peer_public;
  require_ok(SslImportKey(provider, peer_public.out(), BCRYPT_ECCPUBLIC_BLOB, peer_blob.data(),
                          static_cast<DWORD>(peer_blob.size()), 0),
             "SslImportKey");

  NCryptBuffer buffers[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, s.client_random.data()},
                             {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, s.server_random.data()}};
  NCryptBufferDesc params{NCRYPTBUFFER_VERSION, 2, buffers};
  require_ok(SslGenerateMasterKey(provider, own.get(), peer_public.get(), s.master.out(), TLS1_2_PROTOCOL_VERSION,
                                  suite.suite, &params, nullptr, 0, nullptr, NCRYPT_SSL_CLIENT_FLAG),
             "SslGenerateMasterKey");

  Pkey own_public = public_from_point(suite.group, point_from_blob(suite.group, own_blob));
  const Bytes z = ecdh(peer.get(), own_public.get());
  s.master_secret = tls12_prf(suite.prf, z, "master secret", s.randoms(), 48);
  return s;
}

Handle make_handshake_hash(NCRYPT_PROV_HANDLE provider, DWORD suite) {
  Handle h;
  require_ok(SslCreateHandshakeHash(provider, h.out(), TLS1_2_PROTOCOL_VERSION, suite, 0), "SslCreateHandshakeHash");
  return h;
}

void hash_into(NCRYPT_PROV_HANDLE provider, NCRYPT_HASH_HANDLE hash, ByteView message) {
  require_ok(SslHashHandshake(provider, hash, const_cast<PBYTE>(message.data()), static_cast<DWORD>(message.size()), 0),
             "SslHashHandshake");
}

Bytes session_hash(NCRYPT_PROV_HANDLE provider, NCRYPT_HASH_HANDLE hash) {
  DWORD size = 0;
  require_ok(SslComputeSessionHash(provider, hash, TLS1_2_PROTOCOL_VERSION, nullptr, 0, &size, 0),
             "SslComputeSessionHash (size)");
  Bytes out(size);
  DWORD written = 0;
  require_ok(SslComputeSessionHash(provider, hash, TLS1_2_PROTOCOL_VERSION, out.data(), size, &written, 0),
             "SslComputeSessionHash");
  out.resize(written);
  return out;
}

void lose_sessions_behind(NCRYPT_KEY_HANDLE key) {
  auto object = core::HandleTable::instance().find(key);
  if (!object || object->kind() == core::ObjectKind::provider || object->kind() == core::ObjectKind::hash) {
    throw std::runtime_error("lose_sessions_behind: not a live key handle");
  }
  static_cast<core::Key&>(*object).token()->pool()->reset();
}

bool token_has_tls_mac(NCRYPT_PROV_HANDLE provider) {
  auto object = core::HandleTable::instance().find(provider);
  if (!object || object->kind() != core::ObjectKind::provider) throw std::runtime_error("not a provider handle");
  return static_cast<core::Provider&>(*object).token()->capabilities().tls_mac_mechanism().has_value();
}

}  // namespace sslp11::hstest
