#include "core/support/tls_oracle.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace sslp11::coretest {

namespace {

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

template <class T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const noexcept { F(p); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Free<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, Free<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using Bignum = std::unique_ptr<BIGNUM, Free<BIGNUM, BN_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Free<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Free<OSSL_PARAM, OSSL_PARAM_free>>;
using X509Ptr = std::unique_ptr<X509, Free<X509, X509_free>>;

Bignum bn(ByteView b) {
  Bignum n(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr));
  if (!n) openssl_fail("BN_bin2bn");
  return n;
}

Bytes bn_bytes(const BIGNUM* n, std::size_t length = 0) {
  const std::size_t natural = static_cast<std::size_t>(BN_num_bytes(n));
  Bytes out(length != 0 ? length : natural);
  check(BN_bn2binpad(n, out.data(), static_cast<int>(out.size())), "BN_bn2binpad");
  return out;
}

Bytes bn_param(const EVP_PKEY* key, const char* name, std::size_t length = 0) {
  BIGNUM* raw = nullptr;
  check(EVP_PKEY_get_bn_param(key, name, &raw), name);
  Bignum owned(raw);
  return bn_bytes(owned.get(), length);
}

Pkey from_params(const char* type, int selection, OSSL_PARAM* params) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_name");
  check(EVP_PKEY_fromdata_init(ctx.get()), "EVP_PKEY_fromdata_init");
  EVP_PKEY* key = nullptr;
  check(EVP_PKEY_fromdata(ctx.get(), &key, selection, params), "EVP_PKEY_fromdata");
  return Pkey(key);
}

Bytes derive(EVP_PKEY* own, EVP_PKEY* peer, bool dh_pad) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_pkey");
  check(EVP_PKEY_derive_init(ctx.get()), "EVP_PKEY_derive_init");
  if (dh_pad) check(EVP_PKEY_CTX_set_dh_pad(ctx.get(), 1), "EVP_PKEY_CTX_set_dh_pad");
  check(EVP_PKEY_derive_set_peer(ctx.get(), peer), "EVP_PKEY_derive_set_peer");
  std::size_t len = 0;
  check(EVP_PKEY_derive(ctx.get(), nullptr, &len), "EVP_PKEY_derive (size)");
  Bytes out(len);
  check(EVP_PKEY_derive(ctx.get(), out.data(), &len), "EVP_PKEY_derive");
  out.resize(len);
  return out;
}

Bytes aead_seal(const EVP_CIPHER* cipher, ByteView key, ByteView iv, ByteView aad, ByteView plaintext) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) openssl_fail("EVP_CIPHER_CTX_new");
  check(EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr), "EVP_EncryptInit_ex");
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(iv.size()), nullptr), "set IV length");
  check(EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()), "EVP_EncryptInit_ex (key)");
  int n = 0;
  if (!aad.empty()) check(EVP_EncryptUpdate(ctx.get(), nullptr, &n, aad.data(), static_cast<int>(aad.size())), "AAD");
  Bytes out(plaintext.size() + 16);
  check(EVP_EncryptUpdate(ctx.get(), out.data(), &n, plaintext.data(), static_cast<int>(plaintext.size())), "encrypt");
  int total = n;
  check(EVP_EncryptFinal_ex(ctx.get(), out.data() + total, &n), "EVP_EncryptFinal_ex");
  total += n;
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, 16, out.data() + total), "get tag");
  out.resize(static_cast<std::size_t>(total) + 16);
  return out;
}

const EVP_CIPHER* aes_gcm(std::size_t key_bytes) { return key_bytes == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm(); }

}  // namespace

std::string hex(ByteView b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (std::uint8_t c : b) {
    s.push_back(kHex[c >> 4]);
    s.push_back(kHex[c & 15]);
  }
  return s;
}

Bytes from_hex(std::string_view h) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("not a hex digit");
  };
  if (h.size() % 2 != 0) throw std::invalid_argument("odd hex length");
  Bytes out(h.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(nibble(h[2 * i]) << 4 | nibble(h[2 * i + 1]));
  return out;
}

Bytes concat(ByteView a, ByteView b) {
  Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  if (n != 0) check(RAND_bytes(out.data(), static_cast<int>(n)), "RAND_bytes");
  return out;
}

Bytes tls12_prf(Hash h, ByteView secret, std::string_view label, ByteView seed, std::size_t length) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
  if (kdf == nullptr) openssl_fail("EVP_KDF_fetch(TLS1-PRF)");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) openssl_fail("EVP_KDF_CTX_new");
  Bytes label_seed(label.begin(), label.end());
  label_seed.insert(label_seed.end(), seed.begin(), seed.end());
  Bytes secret_copy(secret.begin(), secret.end());
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(openssl_digest_name(h)), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, secret_copy.data(), secret_copy.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, label_seed.data(), label_seed.size()),
      OSSL_PARAM_construct_end(),
  };
  Bytes out(length);
  const int ok = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(ctx);
  check(ok, "EVP_KDF_derive(TLS1-PRF)");
  return out;
}

Bytes master_secret(const SuiteFacts& suite, ByteView pms, ByteView client_random, ByteView server_random,
                    const std::optional<Bytes>& session_hash) {
  if (session_hash) return tls12_prf(suite.prf, pms, "extended master secret", *session_hash, 48);
  return tls12_prf(suite.prf, pms, "master secret", concat(client_random, server_random), 48);
}

ExpectedKeys expected_keys(const SuiteFacts& suite, ByteView master, ByteView client_random, ByteView server_random) {
  const std::size_t mac = hash_bytes(suite.mac), key = suite.key_bytes, iv = suite.fixed_iv_bytes;
  const Bytes block =
      tls12_prf(suite.prf, master, "key expansion", concat(server_random, client_random), 2 * (mac + key + iv));
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

Bytes hmac(Hash h, ByteView key, ByteView data) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) openssl_fail("EVP_MAC_fetch(HMAC)");
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);
  if (ctx == nullptr) openssl_fail("EVP_MAC_CTX_new");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(openssl_digest_name(h)), 0),
      OSSL_PARAM_construct_end(),
  };
  Bytes out(EVP_MAX_MD_SIZE);
  std::size_t len = 0;
  const bool ok = EVP_MAC_init(ctx, key.data(), key.size(), params) > 0 &&
                  EVP_MAC_update(ctx, data.data(), data.size()) > 0 &&
                  EVP_MAC_final(ctx, out.data(), &len, out.size()) > 0;
  EVP_MAC_CTX_free(ctx);
  if (!ok) openssl_fail("HMAC");
  out.resize(len);
  return out;
}

Bytes aes_gcm_seal(ByteView key, ByteView iv, ByteView aad, ByteView plaintext) {
  return aead_seal(aes_gcm(key.size()), key, iv, aad, plaintext);
}

Bytes chacha20_poly1305_seal(ByteView key, ByteView nonce, ByteView aad, ByteView plaintext) {
  return aead_seal(EVP_chacha20_poly1305(), key, nonce, aad, plaintext);
}

Bytes aes_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) openssl_fail("EVP_CIPHER_CTX_new");
  const EVP_CIPHER* cipher = key.size() == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
  check(EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key.data(), iv.data()), "EVP_EncryptInit_ex");
  check(EVP_CIPHER_CTX_set_padding(ctx.get(), 0), "EVP_CIPHER_CTX_set_padding");
  Bytes out(plaintext.size() + 16);
  int n = 0;
  check(EVP_EncryptUpdate(ctx.get(), out.data(), &n, plaintext.data(), static_cast<int>(plaintext.size())), "encrypt");
  int total = n;
  check(EVP_EncryptFinal_ex(ctx.get(), out.data() + total, &n), "EVP_EncryptFinal_ex");
  out.resize(static_cast<std::size_t>(total + n));
  return out;
}

Pkey ec_generate(const CurveFacts& curve) {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve.openssl_name));
  if (!key) openssl_fail("EC key generation");
  return key;
}

Bytes ec_public_point(const EVP_PKEY* key) {
  Bytes out(1 + 2 * 66);
  std::size_t len = 0;
  check(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len), "EC public point");
  out.resize(len);
  return out;
}

Pkey ec_public_from_point(const CurveFacts& curve, ByteView point) {
  Bytes copy(point.begin(), point.end());
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(curve.openssl_name), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, copy.data(), copy.size()),
      OSSL_PARAM_construct_end(),
  };
  return from_params("EC", EVP_PKEY_PUBLIC_KEY, params);
}

Bytes ecdh(EVP_PKEY* own, EVP_PKEY* peer) { return derive(own, peer, false); }

Pkey dh_generate(ByteView prime, ByteView generator) {
  ParamBld bld(OSSL_PARAM_BLD_new());
  Bignum p = bn(prime), g = bn(generator);
  check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_P, p.get()), "push p");
  check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_G, g.get()), "push g");
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  Pkey domain = from_params("DH", EVP_PKEY_KEY_PARAMETERS, params.get());
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, domain.get(), nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_pkey(DH)");
  check(EVP_PKEY_keygen_init(ctx.get()), "EVP_PKEY_keygen_init(DH)");
  EVP_PKEY* key = nullptr;
  check(EVP_PKEY_keygen(ctx.get(), &key), "EVP_PKEY_keygen(DH)");
  return Pkey(key);
}

Bytes dh_public_value(const EVP_PKEY* key, std::size_t length) {
  return bn_param(key, OSSL_PKEY_PARAM_PUB_KEY, length);
}

Pkey dh_public_from(ByteView prime, ByteView generator, ByteView y) {
  ParamBld bld(OSSL_PARAM_BLD_new());
  Bignum p = bn(prime), g = bn(generator), pub = bn(y);
  check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_P, p.get()), "push p");
  check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_G, g.get()), "push g");
  check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.get()), "push y");
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  return from_params("DH", EVP_PKEY_PUBLIC_KEY, params.get());
}

Bytes dh_padded(EVP_PKEY* own, EVP_PKEY* peer) { return derive(own, peer, true); }

Bytes strip_leading_zeros(ByteView z) {
  std::size_t i = 0;
  while (i < z.size() && z[i] == 0) ++i;
  return Bytes(z.begin() + static_cast<std::ptrdiff_t>(i), z.end());
}

Bytes openssl_ffdhe2048_prime() {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_name(DH)");
  check(EVP_PKEY_paramgen_init(ctx.get()), "EVP_PKEY_paramgen_init");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>("ffdhe2048"), 0),
      OSSL_PARAM_construct_end(),
  };
  check(EVP_PKEY_CTX_set_params(ctx.get(), params), "set group ffdhe2048");
  EVP_PKEY* raw = nullptr;
  check(EVP_PKEY_paramgen(ctx.get(), &raw), "EVP_PKEY_paramgen(ffdhe2048)");
  Pkey key(raw);
  return bn_param(key.get(), OSSL_PKEY_PARAM_FFC_P);
}

Pkey rsa_generate(unsigned bits) {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)));
  if (!key) openssl_fail("RSA key generation");
  return key;
}

Pkey rsa_public_from(ByteView modulus, ByteView exponent) {
  ParamBld bld(OSSL_PARAM_BLD_new());
  Bignum n = bn(modulus), e = bn(exponent);
  check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()), "push n");
  check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()), "push e");
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  return from_params("RSA", EVP_PKEY_PUBLIC_KEY, params.get());
}

Bytes rsa_modulus(const EVP_PKEY* key) { return bn_param(key, OSSL_PKEY_PARAM_RSA_N); }
Bytes rsa_public_exponent(const EVP_PKEY* key) { return bn_param(key, OSSL_PKEY_PARAM_RSA_E); }

namespace {
Bytes rsa_encrypt(EVP_PKEY* key, ByteView in, int padding) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_pkey(RSA)");
  check(EVP_PKEY_encrypt_init(ctx.get()), "EVP_PKEY_encrypt_init");
  check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding), "EVP_PKEY_CTX_set_rsa_padding");
  std::size_t len = 0;
  check(EVP_PKEY_encrypt(ctx.get(), nullptr, &len, in.data(), in.size()), "EVP_PKEY_encrypt (size)");
  Bytes out(len);
  check(EVP_PKEY_encrypt(ctx.get(), out.data(), &len, in.data(), in.size()), "EVP_PKEY_encrypt");
  out.resize(len);
  return out;
}
}  // namespace

Bytes rsa_encrypt_pkcs1(EVP_PKEY* key, ByteView plaintext) { return rsa_encrypt(key, plaintext, RSA_PKCS1_PADDING); }
Bytes rsa_encrypt_raw(EVP_PKEY* key, ByteView block) { return rsa_encrypt(key, block, RSA_NO_PADDING); }

std::optional<Bytes> rsa_decrypt_pkcs1(EVP_PKEY* key, ByteView ciphertext) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_pkey(RSA)");
  check(EVP_PKEY_decrypt_init(ctx.get()), "EVP_PKEY_decrypt_init");
  check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING), "EVP_PKEY_CTX_set_rsa_padding");
  std::size_t len = 0;
  check(EVP_PKEY_decrypt(ctx.get(), nullptr, &len, ciphertext.data(), ciphertext.size()), "EVP_PKEY_decrypt (size)");
  Bytes out(len);
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &len, ciphertext.data(), ciphertext.size()) <= 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

Bytes certificate_der(EVP_PKEY* subject, const std::string& common_name) {
  Pkey issuer = ec_generate(p256());
  X509Ptr cert(X509_new());
  if (!cert) openssl_fail("X509_new");
  check(X509_set_version(cert.get(), 2), "X509_set_version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1), "serial");
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr) openssl_fail("notBefore");
  if (X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400) == nullptr) openssl_fail("notAfter");
  check(X509_set_pubkey(cert.get(), subject), "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0),
        "CN");
  check(X509_set_issuer_name(cert.get(), name), "X509_set_issuer_name");
  check(X509_sign(cert.get(), issuer.get(), EVP_sha256()), "X509_sign");
  const int len = i2d_X509(cert.get(), nullptr);
  check(len, "i2d_X509 (size)");
  Bytes der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  check(i2d_X509(cert.get(), &p), "i2d_X509");
  return der;
}

CertificateFields certificate_fields(ByteView certificate) {
  const unsigned char* in = certificate.data();
  X509Ptr cert(d2i_X509(nullptr, &in, static_cast<long>(certificate.size())));
  if (!cert) openssl_fail("d2i_X509");
  auto der = [](auto* value, auto encode) {
    const int len = encode(value, nullptr);
    check(len, "DER encoding (size)");
    Bytes out(static_cast<std::size_t>(len));
    unsigned char* p = out.data();
    check(encode(value, &p), "DER encoding");
    return out;
  };
  CertificateFields f;
  f.subject =
      der(X509_get_subject_name(cert.get()), [](X509_NAME* n, unsigned char** p) { return i2d_X509_NAME(n, p); });
  f.issuer = der(X509_get_issuer_name(cert.get()), [](X509_NAME* n, unsigned char** p) { return i2d_X509_NAME(n, p); });
  f.serial =
      der(X509_get_serialNumber(cert.get()), [](ASN1_INTEGER* n, unsigned char** p) { return i2d_ASN1_INTEGER(n, p); });
  return f;
}

}  // namespace sslp11::coretest
