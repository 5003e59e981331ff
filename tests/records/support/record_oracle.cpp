#include "records/support/record_oracle.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <sslp11/sslprovider.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace sslp11::recordtest {

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
using KdfCtx = std::unique_ptr<EVP_KDF_CTX, Free<EVP_KDF_CTX, EVP_KDF_CTX_free>>;
using Kdf = std::unique_ptr<EVP_KDF, Free<EVP_KDF, EVP_KDF_free>>;
using Bignum = std::unique_ptr<BIGNUM, Free<BIGNUM, BN_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Free<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Free<OSSL_PARAM, OSSL_PARAM_free>>;

using X = Exchange;
using C = Cipher;
using H = Hash;

// {id, name, exchange, cipher, key bytes, MAC, PRF}: RFC 5246 App. C, RFC 5288,
// RFC 5289, RFC 7905, RFC 4492/8422.
constexpr std::array<SuiteFacts, 27> kSuites{{
    {TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", X::ecdhe, C::aes_gcm, 16, H::sha256, H::sha256},
    {TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", X::ecdhe, C::aes_gcm, 32, H::sha384, H::sha384},
    {TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", X::ecdhe, C::aes_cbc, 16, H::sha256, H::sha256},
    {TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", X::ecdhe, C::aes_cbc, 32, H::sha384, H::sha384},
    {TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", X::ecdhe, C::aes_cbc, 16, H::sha1, H::sha256},
    {TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", X::ecdhe, C::aes_cbc, 32, H::sha1, H::sha256},
    {TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", X::ecdhe, C::chacha20_poly1305, 32, H::sha256, H::sha256},
    {TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", X::ecdhe, C::aes_gcm, 16, H::sha256, H::sha256},
    {TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", X::ecdhe, C::aes_gcm, 32, H::sha384, H::sha384},
    {TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", X::ecdhe, C::aes_cbc, 16, H::sha256, H::sha256},
    {TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", X::ecdhe, C::aes_cbc, 32, H::sha384, H::sha384},
    {TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", X::ecdhe, C::aes_cbc, 16, H::sha1, H::sha256},
    {TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", X::ecdhe, C::aes_cbc, 32, H::sha1, H::sha256},
    {TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", X::ecdhe, C::chacha20_poly1305, 32, H::sha256, H::sha256},
    {TLS_RSA_WITH_AES_128_GCM_SHA256, "TLS_RSA_WITH_AES_128_GCM_SHA256", X::rsa, C::aes_gcm, 16, H::sha256, H::sha256},
    {TLS_RSA_WITH_AES_256_GCM_SHA384, "TLS_RSA_WITH_AES_256_GCM_SHA384", X::rsa, C::aes_gcm, 32, H::sha384, H::sha384},
    {TLS_RSA_WITH_AES_128_CBC_SHA256, "TLS_RSA_WITH_AES_128_CBC_SHA256", X::rsa, C::aes_cbc, 16, H::sha256, H::sha256},
    {TLS_RSA_WITH_AES_256_CBC_SHA256, "TLS_RSA_WITH_AES_256_CBC_SHA256", X::rsa, C::aes_cbc, 32, H::sha256, H::sha256},
    {TLS_RSA_WITH_AES_128_CBC_SHA, "TLS_RSA_WITH_AES_128_CBC_SHA", X::rsa, C::aes_cbc, 16, H::sha1, H::sha256},
    {TLS_RSA_WITH_AES_256_CBC_SHA, "TLS_RSA_WITH_AES_256_CBC_SHA", X::rsa, C::aes_cbc, 32, H::sha1, H::sha256},
    {TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", X::dhe, C::aes_gcm, 16, H::sha256, H::sha256},
    {TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", X::dhe, C::aes_gcm, 32, H::sha384, H::sha384},
    {TLS_DHE_RSA_WITH_AES_128_CBC_SHA256, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", X::dhe, C::aes_cbc, 16, H::sha256, H::sha256},
    {TLS_DHE_RSA_WITH_AES_256_CBC_SHA256, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", X::dhe, C::aes_cbc, 32, H::sha256, H::sha256},
    {TLS_DHE_RSA_WITH_AES_128_CBC_SHA, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", X::dhe, C::aes_cbc, 16, H::sha1, H::sha256},
    {TLS_DHE_RSA_WITH_AES_256_CBC_SHA, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", X::dhe, C::aes_cbc, 32, H::sha1, H::sha256},
    {TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", X::dhe, C::chacha20_poly1305, 32, H::sha256, H::sha256},
}};

const char* digest_name(Hash h) {
  switch (h) {
    case Hash::sha1: return "SHA1";
    case Hash::sha256: return "SHA256";
    case Hash::sha384: return "SHA384";
  }
  return "?";
}

const EVP_CIPHER* evp_cipher(const SuiteFacts& s) {
  switch (s.cipher) {
    case Cipher::aes_gcm: return s.key_bytes == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
    case Cipher::aes_cbc: return s.key_bytes == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
    case Cipher::chacha20_poly1305: return EVP_chacha20_poly1305();
  }
  return nullptr;
}

void put_be(std::uint8_t* p, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}

// seq | type | version | length: AEAD additional data and the CBC MAC prefix.
Bytes pseudo_header(std::uint64_t seq, std::uint8_t type, std::size_t length) {
  Bytes h(13);
  put_be(h.data(), seq, 8);
  h[8] = type;
  h[9] = 0x03;
  h[10] = 0x03;
  put_be(&h[11], length, 2);
  return h;
}

Bytes aead_nonce(const SuiteFacts& s, const DirectionKeys& k, std::uint64_t seq, ByteView explicit_nonce) {
  Bytes nonce(12, 0);
  if (s.cipher == Cipher::aes_gcm) {
    std::copy(k.iv.begin(), k.iv.end(), nonce.begin());
    std::copy(explicit_nonce.begin(), explicit_nonce.end(), nonce.begin() + 4);
    return nonce;
  }
  put_be(&nonce[4], seq, 8);
  for (std::size_t i = 0; i < 12; ++i) nonce[i] ^= k.iv[i];
  return nonce;
}

// An empty input must still be a valid pointer for EVP_*Update.
const std::uint8_t* data_or_dummy(ByteView b) {
  static const std::uint8_t dummy = 0;
  return b.empty() ? &dummy : b.data();
}

Bytes aead_seal(const SuiteFacts& s, ByteView key, ByteView nonce, ByteView aad, ByteView plaintext) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  check(EVP_EncryptInit_ex(ctx.get(), evp_cipher(s), nullptr, nullptr, nullptr), "EncryptInit");
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(nonce.size()), nullptr), "SET_IVLEN");
  check(EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce.data()), "EncryptInit key");
  int len = 0;
  check(EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())), "aad");
  Bytes out(plaintext.size() + 16);
  check(EVP_EncryptUpdate(ctx.get(), out.data(), &len, data_or_dummy(plaintext), static_cast<int>(plaintext.size())),
        "EncryptUpdate");
  int fin = 0;
  check(EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &fin), "EncryptFinal");
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, 16, out.data() + plaintext.size()), "GET_TAG");
  return out;
}

std::optional<Bytes> aead_open(const SuiteFacts& s, ByteView key, ByteView nonce, ByteView aad, ByteView sealed) {
  if (sealed.size() < 16) return std::nullopt;
  const std::size_t n = sealed.size() - 16;
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  check(EVP_DecryptInit_ex(ctx.get(), evp_cipher(s), nullptr, nullptr, nullptr), "DecryptInit");
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(nonce.size()), nullptr), "SET_IVLEN");
  check(EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce.data()), "DecryptInit key");
  int len = 0;
  check(EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())), "aad");
  Bytes out(n + 16);
  check(EVP_DecryptUpdate(ctx.get(), out.data(), &len, data_or_dummy(sealed), static_cast<int>(n)), "DecryptUpdate");
  Bytes tag(sealed.begin() + static_cast<std::ptrdiff_t>(n), sealed.end());
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, 16, tag.data()), "SET_TAG");
  int fin = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &fin) <= 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  out.resize(n);
  return out;
}

Bytes cbc_crypt(const SuiteFacts& s, ByteView key, ByteView iv, ByteView in, bool encrypt) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  check(EVP_CipherInit_ex(ctx.get(), evp_cipher(s), nullptr, key.data(), iv.data(), encrypt ? 1 : 0), "CipherInit");
  check(EVP_CIPHER_CTX_set_padding(ctx.get(), 0), "set_padding");
  Bytes out(in.size() + 16);
  int len = 0, fin = 0;
  check(EVP_CipherUpdate(ctx.get(), out.data(), &len, data_or_dummy(in), static_cast<int>(in.size())), "CipherUpdate");
  check(EVP_CipherFinal_ex(ctx.get(), out.data() + len, &fin), "CipherFinal");
  out.resize(static_cast<std::size_t>(len + fin));
  return out;
}

std::optional<Bytes> cbc_open(const SuiteFacts& s, const DirectionKeys& k, std::uint64_t seq, ByteView record) {
  const std::size_t m = s.mac_bytes();
  const ByteView iv = record.subspan(kHeaderBytes, 16);
  const ByteView encrypted = record.subspan(kHeaderBytes + 16);
  if (encrypted.empty() || encrypted.size() % 16 != 0) return std::nullopt;
  const Bytes body = cbc_crypt(s, k.key, iv, encrypted, false);
  const std::size_t pad = body.back();
  if (pad + 1 + m > body.size()) return std::nullopt;
  for (std::size_t i = body.size() - 1 - pad; i < body.size(); ++i)
    if (body[i] != pad) return std::nullopt;
  const std::size_t length = body.size() - 1 - pad - m;
  const ByteView plaintext(body.data(), length);
  const Bytes mac = cbc_mac(s, k, seq, record[0], plaintext);
  if (!std::equal(mac.begin(), mac.end(), body.begin() + static_cast<std::ptrdiff_t>(length))) return std::nullopt;
  return Bytes(plaintext.begin(), plaintext.end());
}

Bignum bn(ByteView b) {
  Bignum n(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr));
  if (!n) openssl_fail("BN_bin2bn");
  return n;
}

Bytes bn_param(const EVP_PKEY* key, const char* name, std::size_t length = 0) {
  BIGNUM* raw = nullptr;
  check(EVP_PKEY_get_bn_param(key, name, &raw), name);
  Bignum owned(raw);
  Bytes out(length != 0 ? length : static_cast<std::size_t>(BN_num_bytes(raw)));
  check(BN_bn2binpad(raw, out.data(), static_cast<int>(out.size())), "BN_bn2binpad");
  return out;
}

Pkey from_params(const char* type, OSSL_PARAM* params) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_name");
  check(EVP_PKEY_fromdata_init(ctx.get()), "EVP_PKEY_fromdata_init");
  EVP_PKEY* key = nullptr;
  check(EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params), "EVP_PKEY_fromdata");
  return Pkey(key);
}

Bytes derive(EVP_PKEY* own, EVP_PKEY* peer) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_pkey");
  check(EVP_PKEY_derive_init(ctx.get()), "EVP_PKEY_derive_init");
  check(EVP_PKEY_derive_set_peer(ctx.get(), peer), "EVP_PKEY_derive_set_peer");
  std::size_t len = 0;
  check(EVP_PKEY_derive(ctx.get(), nullptr, &len), "EVP_PKEY_derive (size)");
  Bytes out(len);
  check(EVP_PKEY_derive(ctx.get(), out.data(), &len), "EVP_PKEY_derive");
  out.resize(len);
  return out;
}

}  // namespace

std::size_t SuiteFacts::mac_bytes() const { return aead() ? 0 : hash_bytes(mac); }

std::size_t SuiteFacts::fixed_iv_bytes() const {
  switch (cipher) {
    case Cipher::aes_gcm: return 4;
    case Cipher::chacha20_poly1305: return 12;
    case Cipher::aes_cbc: break;
  }
  return 0;
}

std::size_t SuiteFacts::explicit_iv_bytes() const {
  switch (cipher) {
    case Cipher::aes_gcm: return 8;
    case Cipher::aes_cbc: return 16;
    case Cipher::chacha20_poly1305: break;
  }
  return 0;
}

std::span<const SuiteFacts> all_suites() { return kSuites; }

const SuiteFacts* find_suite(std::uint32_t id) {
  for (const auto& s : kSuites)
    if (s.id == id) return &s;
  return nullptr;
}

std::size_t hash_bytes(Hash h) {
  switch (h) {
    case Hash::sha1: return 20;
    case Hash::sha256: return 32;
    case Hash::sha384: return 48;
  }
  return 0;
}

std::string hex(ByteView b) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (auto c : b) {
    s += digits[c >> 4];
    s += digits[c & 15];
  }
  return s;
}

Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  if (n != 0) check(RAND_bytes(b.data(), static_cast<int>(n)), "RAND_bytes");
  return b;
}

Bytes tls12_prf(Hash h, ByteView secret, std::string_view label, ByteView seed, std::size_t length) {
  Kdf kdf(EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr));
  if (!kdf) openssl_fail("EVP_KDF_fetch(TLS1-PRF)");
  KdfCtx ctx(EVP_KDF_CTX_new(kdf.get()));
  Bytes label_seed(label.begin(), label.end());
  label_seed.insert(label_seed.end(), seed.begin(), seed.end());
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest_name(h)), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, const_cast<std::uint8_t*>(secret.data()), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, label_seed.data(), label_seed.size()),
      OSSL_PARAM_construct_end()};
  Bytes out(length);
  check(EVP_KDF_derive(ctx.get(), out.data(), out.size(), params), "EVP_KDF_derive");
  return out;
}

Bytes master_secret(const SuiteFacts& s, ByteView pre_master, ByteView client_random, ByteView server_random) {
  Bytes seed(client_random.begin(), client_random.end());
  seed.insert(seed.end(), server_random.begin(), server_random.end());
  return tls12_prf(s.prf, pre_master, "master secret", seed, 48);
}

KeyBlock key_block(const SuiteFacts& s, ByteView master, ByteView client_random, ByteView server_random) {
  Bytes seed(server_random.begin(), server_random.end());
  seed.insert(seed.end(), client_random.begin(), client_random.end());
  const std::size_t m = s.mac_bytes(), k = s.key_bytes, iv = s.fixed_iv_bytes();
  const Bytes block = tls12_prf(s.prf, master, "key expansion", seed, 2 * (m + k + iv));
  auto take = [&, at = std::size_t{0}](std::size_t n) mutable {
    Bytes out(block.begin() + static_cast<std::ptrdiff_t>(at), block.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    return out;
  };
  KeyBlock kb;
  kb.client.mac = take(m);
  kb.server.mac = take(m);
  kb.client.key = take(k);
  kb.server.key = take(k);
  kb.client.iv = take(iv);
  kb.server.iv = take(iv);
  return kb;
}

Bytes record_header(std::uint8_t type, std::size_t body_bytes) {
  Bytes h{type, 0x03, 0x03, 0, 0};
  put_be(&h[3], body_bytes, 2);
  return h;
}

std::size_t expected_record_size(const SuiteFacts& s, std::size_t plaintext) {
  if (s.aead()) return kHeaderBytes + s.explicit_iv_bytes() + plaintext + 16;
  const std::size_t unpadded = plaintext + s.mac_bytes() + 1;  // at least the padding length byte
  return kHeaderBytes + 16 + (unpadded + 15) / 16 * 16;
}

Bytes seal(const SuiteFacts& s, const DirectionKeys& k, std::uint64_t seq, std::uint8_t type, ByteView plaintext) {
  if (!s.aead()) {
    const std::size_t unpadded = plaintext.size() + s.mac_bytes();
    return seal_cbc_padded(s, k, seq, type, plaintext, 16 - unpadded % 16);
  }
  Bytes explicit_nonce(s.explicit_iv_bytes());
  if (!explicit_nonce.empty()) put_be(explicit_nonce.data(), seq, 8);
  const Bytes sealed =
      aead_seal(s, k.key, aead_nonce(s, k, seq, explicit_nonce), pseudo_header(seq, type, plaintext.size()), plaintext);
  Bytes record = record_header(type, explicit_nonce.size() + sealed.size());
  record.insert(record.end(), explicit_nonce.begin(), explicit_nonce.end());
  record.insert(record.end(), sealed.begin(), sealed.end());
  return record;
}

std::optional<Bytes> open(const SuiteFacts& s, const DirectionKeys& k, std::uint64_t seq, ByteView record) {
  if (record.size() < kHeaderBytes + s.explicit_iv_bytes() || record[1] != 0x03 || record[2] != 0x03 ||
      static_cast<std::size_t>(record[3] << 8 | record[4]) != record.size() - kHeaderBytes) {
    return std::nullopt;
  }
  if (!s.aead()) return cbc_open(s, k, seq, record);
  const ByteView explicit_nonce = record.subspan(kHeaderBytes, s.explicit_iv_bytes());
  const ByteView sealed = record.subspan(kHeaderBytes + explicit_nonce.size());
  if (sealed.size() < 16) return std::nullopt;
  return aead_open(s, k.key, aead_nonce(s, k, seq, explicit_nonce), pseudo_header(seq, record[0], sealed.size() - 16),
                   sealed);
}

Bytes cbc_mac(const SuiteFacts& s, const DirectionKeys& k, std::uint64_t seq, std::uint8_t type, ByteView plaintext) {
  Bytes data = pseudo_header(seq, type, plaintext.size());
  data.insert(data.end(), plaintext.begin(), plaintext.end());
  Bytes mac(s.mac_bytes());
  std::size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest_name(s.mac), nullptr, k.mac.data(), k.mac.size(), data.data(),
                data.size(), mac.data(), mac.size(), &len) == nullptr) {
    openssl_fail("EVP_Q_mac");
  }
  return mac;
}

Bytes cbc_record(const SuiteFacts& s, const DirectionKeys& k, std::uint8_t type, ByteView iv, ByteView body) {
  const Bytes encrypted = cbc_crypt(s, k.key, iv, body, true);
  Bytes record = record_header(type, iv.size() + encrypted.size());
  record.insert(record.end(), iv.begin(), iv.end());
  record.insert(record.end(), encrypted.begin(), encrypted.end());
  return record;
}

Bytes seal_cbc_padded(const SuiteFacts& s, const DirectionKeys& k, std::uint64_t seq, std::uint8_t type,
                      ByteView plaintext, std::size_t padding_bytes) {
  Bytes body(plaintext.begin(), plaintext.end());
  const Bytes mac = cbc_mac(s, k, seq, type, plaintext);
  body.insert(body.end(), mac.begin(), mac.end());
  body.insert(body.end(), padding_bytes, static_cast<std::uint8_t>(padding_bytes - 1));
  if (body.size() % 16 != 0) throw std::logic_error("CBC padding does not fill the last block");
  return cbc_record(s, k, type, random_bytes(16), body);
}

Pkey ec_generate(const char* curve) {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
  if (!key) openssl_fail("EVP_PKEY_Q_keygen(EC)");
  return key;
}

Bytes ec_point(const EVP_PKEY* key) {
  Bytes out(1 + 2 * 66);
  std::size_t len = 0;
  check(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len), "EC point");
  out.resize(len);
  return out;
}

Pkey ec_from_point(const char* curve, ByteView point) {
  ParamBld bld(OSSL_PARAM_BLD_new());
  check(OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve, 0), "group");
  check(OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()), "point");
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  return from_params("EC", params.get());
}

Bytes ecdh(EVP_PKEY* own, EVP_PKEY* peer) { return derive(own, peer); }

Pkey ffdhe2048_generate() {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
  check(EVP_PKEY_keygen_init(ctx.get()), "DH keygen init");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>("ffdhe2048"), 0),
      OSSL_PARAM_construct_end()};
  check(EVP_PKEY_CTX_set_params(ctx.get(), params), "DH group");
  EVP_PKEY* key = nullptr;
  check(EVP_PKEY_generate(ctx.get(), &key), "DH keygen");
  return Pkey(key);
}

Bytes dh_prime(const EVP_PKEY* key) { return bn_param(key, OSSL_PKEY_PARAM_FFC_P); }
Bytes dh_generator(const EVP_PKEY* key) { return bn_param(key, OSSL_PKEY_PARAM_FFC_G); }
Bytes dh_public(const EVP_PKEY* key, std::size_t length) { return bn_param(key, OSSL_PKEY_PARAM_PUB_KEY, length); }

Pkey dh_from_public(ByteView prime, ByteView generator, ByteView y) {
  auto p = bn(prime), g = bn(generator), pub = bn(y);
  ParamBld bld(OSSL_PARAM_BLD_new());
  check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_P, p.get()), "p");
  check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_G, g.get()), "g");
  check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.get()), "y");
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  return from_params("DH", params.get());
}

Bytes dh_pre_master(EVP_PKEY* own, EVP_PKEY* peer) {
  Bytes z = derive(own, peer);  // OpenSSL 3 DH derive is unpadded by default
  const auto first = std::find_if(z.begin(), z.end(), [](std::uint8_t b) { return b != 0; });
  return Bytes(first, z.end());
}

Pkey rsa_test_key() {
  static const char kPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCdDGio79A3UFmO\n"
    "y+vVR1XOM0lblpj6vgUQ8imY8ID291wUNGTaZTMH20GY/15Fi+jw168uksRz6Rvz\n"
    "aOaGlQ5ITi2/0S/EW09+02nCkLxCDXXzhb/5pOxbJn3D9Jpt0sedvz9/uJ5CIi8M\n"
    "uE+qcVT51PsBtHOLQslLlzZhBI1lsPDHddxbeEoRNkvSkOuTBGkBfBjgyhsjFqxD\n"
    "PzW3GS/wVZQFOUlqKLzToAnBM95cu6BX52X3hZKr5WdoZedgHv2psgB/53n0N8rg\n"
    "N9EStVTf40utbcEboNqz7lbUSTPifDyzvUT/pcOCr4l6c4VPz5/Lm0tBDfVpNqiW\n"
    "9EdoUFKHAgMBAAECggEACtavZnFekmK2O5exR//rWRbLCkojdrKkkN3Vpxt6GxFJ\n"
    "Ro+zIit30SP9q/x72hrk0bJhAbrZWhKNfkgQGNuyp6TVnXZncIrIur0GgIoSpBBf\n"
    "wpXJgQYz1bqbVWnNOqUgZ6+qRztLmM7ZJmyV+vJlZfSf+iclDkhmshPWie2RgKIQ\n"
    "y+z1NBzg1L+LZfmHSZsppEYbzP2x5DDrKSOtKPsoZJGm4fp5M4oZPEIEfprWVprj\n"
    "f3Ihqu/SKi+TVxiEgCPYLnNVghYmrMr+x+TgeFFv0Di5MTPpWhnjODpPAFDan7jb\n"
    "uCPg+sQDnba9jcC4Ltubz6zR8+zDpkkJsB81RTDJWQKBgQDXr6GaFy8xHTZqpV7H\n"
    "3m6Vv6kRosiszXZ88kCrnImriLVGrruVhpeWLndMpXcRnhfdSrhnrsluLlH4Tswv\n"
    "B/5MzOqnpUUVGbklLnktvJJQBDVAudL78jEXGstcEWq8QlfwfMKku8iO0XwtHbtC\n"
    "k+1xAFcKla9sP2GhHDbgAL/DtQKBgQC6ZwagDFxJtN6lt7MAfirlATOjvAZcoBCg\n"
    "2hZ20prCZZYIMa5eQMUCSbyIxmxRgJf7vtBosABlWnE30h+LXfAcNxUeBfPMNSEc\n"
    "usNtq0STObfPo64YiEixMmDi9DtoQSPu4dHBHOyF0Jfd1Ythfc44y8v/4JbDZs6/\n"
    "iEXmZDjaywKBgQChftkiln94Z+Yp3h7kyrDEoZiHIvrdII66qW0w0ennLVqGTSkZ\n"
    "oYh5I9uh4TcRUu2NfXgr8hzSyg4IPX/3KyYG/VwqIL5kOTl/FJgZXduz3CK/jyPi\n"
    "EAsfwKlKC6R+x7Iu2Eupqw1Vmpc+9McU58xe0yFZRJDwHVkNmCGigg0UDQKBgQCS\n"
    "qDqbM/5sc2T1x4mLqri/AuoJOgdbWwiaNdyU0nC24Exh2AzT1Wvrt+4hQtS4b0+k\n"
    "32WD6G33UGhhve3ZrigbWu8/dvlxQp/xxbO7FpRWrYPEV4jDfn6LBBMcnYIcLZxC\n"
    "9+MbaFFjm1HRVJFcPCpDn3y6ro6P4NRr96Dfex0MbwKBgDvQBfj4gUSWeeglNPwr\n"
    "qo+4yz/8GU5hwT+q24C1R0gLggUzWxNROrA/oOx9lU91t6RPJh7Gb9eUl6qS15YA\n"
    "3jBLBzK7L6Kt3RLPGc8CrD1gxZBPB0CLTFxKzdufk5feHwMgG5lPSn4ZzuzF9Gz2\n"
    "LpkLreeEaG7BbC+wPBKsGPe5\n"
    "-----END PRIVATE KEY-----\n";
  std::unique_ptr<BIO, Free<BIO, BIO_free_all>> bio(BIO_new_mem_buf(kPem, -1));
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) openssl_fail("PEM_read_bio_PrivateKey");
  return key;
}

Bytes rsa_modulus(const EVP_PKEY* key) { return bn_param(key, OSSL_PKEY_PARAM_RSA_N); }
Bytes rsa_exponent(const EVP_PKEY* key) { return bn_param(key, OSSL_PKEY_PARAM_RSA_E); }

Bytes rsa_decrypt_pkcs1(EVP_PKEY* key, ByteView ciphertext) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  check(EVP_PKEY_decrypt_init(ctx.get()), "decrypt init");
  check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING), "padding");
  std::size_t len = 0;
  check(EVP_PKEY_decrypt(ctx.get(), nullptr, &len, ciphertext.data(), ciphertext.size()), "decrypt (size)");
  Bytes out(len);
  check(EVP_PKEY_decrypt(ctx.get(), out.data(), &len, ciphertext.data(), ciphertext.size()), "decrypt");
  out.resize(len);
  return out;
}

}  // namespace sslp11::recordtest
