#include "support/suite_facts.h"

#include <array>

namespace sslp11::oracle {

namespace {

using E = Exchange;
using C = Cipher;
using H = Hash;

// {id, name, exchange, cipher, key, fixed IV, MAC, PRF}
// clang-format off
constexpr std::array<SuiteFacts, 27> kSuites{{
    {0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", E::ecdhe, C::aes_gcm, 16, 4, H::none, H::sha256},
    {0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", E::ecdhe, C::aes_gcm, 32, 4, H::none, H::sha384},
    {0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", E::ecdhe, C::aes_cbc, 16, 0, H::sha256, H::sha256},
    {0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", E::ecdhe, C::aes_cbc, 32, 0, H::sha384, H::sha384},
    {0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", E::ecdhe, C::aes_cbc, 16, 0, H::sha1, H::sha256},
    {0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", E::ecdhe, C::aes_cbc, 32, 0, H::sha1, H::sha256},
    {0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", E::ecdhe, C::chacha20_poly1305, 32, 12, H::none, H::sha256},
    {0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", E::ecdhe, C::aes_gcm, 16, 4, H::none, H::sha256},
    {0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", E::ecdhe, C::aes_gcm, 32, 4, H::none, H::sha384},
    {0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", E::ecdhe, C::aes_cbc, 16, 0, H::sha256, H::sha256},
    {0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", E::ecdhe, C::aes_cbc, 32, 0, H::sha384, H::sha384},
    {0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", E::ecdhe, C::aes_cbc, 16, 0, H::sha1, H::sha256},
    {0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", E::ecdhe, C::aes_cbc, 32, 0, H::sha1, H::sha256},
    {0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", E::ecdhe, C::chacha20_poly1305, 32, 12, H::none, H::sha256},
    {0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", E::rsa, C::aes_gcm, 16, 4, H::none, H::sha256},
    {0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", E::rsa, C::aes_gcm, 32, 4, H::none, H::sha384},
    {0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", E::rsa, C::aes_cbc, 16, 0, H::sha256, H::sha256},
    {0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", E::rsa, C::aes_cbc, 32, 0, H::sha256, H::sha256},
    {0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", E::rsa, C::aes_cbc, 16, 0, H::sha1, H::sha256},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", E::rsa, C::aes_cbc, 32, 0, H::sha1, H::sha256},
    {0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", E::dhe, C::aes_gcm, 16, 4, H::none, H::sha256},
    {0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", E::dhe, C::aes_gcm, 32, 4, H::none, H::sha384},
    {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", E::dhe, C::aes_cbc, 16, 0, H::sha256, H::sha256},
    {0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", E::dhe, C::aes_cbc, 32, 0, H::sha256, H::sha256},
    {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", E::dhe, C::aes_cbc, 16, 0, H::sha1, H::sha256},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", E::dhe, C::aes_cbc, 32, 0, H::sha1, H::sha256},
    {0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", E::dhe, C::chacha20_poly1305, 32, 12, H::none, H::sha256},
}};
// clang-format on

// {id, name, exchange (unused), cipher, key, write IV, MAC, HKDF hash}
// clang-format off
constexpr std::array<SuiteFacts, 3> kTls13Suites{{
    {0x1301, "TLS_AES_128_GCM_SHA256", E::ecdhe, C::aes_gcm, 16, 12, H::none, H::sha256},
    {0x1302, "TLS_AES_256_GCM_SHA384", E::ecdhe, C::aes_gcm, 32, 12, H::none, H::sha384},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", E::ecdhe, C::chacha20_poly1305, 32, 12, H::none, H::sha256},
}};
// clang-format on

// namedCurve OIDs (RFC 5480 §2.1.1.1) as DER: secp256r1, secp384r1, secp521r1.
constexpr std::uint8_t kP256Oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr std::uint8_t kP384Oid[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
constexpr std::uint8_t kP521Oid[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};

// Magics: bcrypt.h (ECDH "ECK1", "ECK3", "ECK5"; ECDSA "ECS1", "ECS3", "ECS5", read little-endian).
constexpr CurveFacts kP256{23, 256, 32, "P-256", 0x314B4345, 0x31534345, kP256Oid};
constexpr CurveFacts kP384{24, 384, 48, "P-384", 0x334B4345, 0x33534345, kP384Oid};
constexpr CurveFacts kP521{25, 521, 66, "P-521", 0x354B4345, 0x35534345, kP521Oid};

}  // namespace

std::size_t SuiteFacts::explicit_iv_bytes() const {
  switch (cipher) {
    case Cipher::aes_gcm:
      return 8;
    case Cipher::aes_cbc:
      return 16;
    case Cipher::chacha20_poly1305:
      break;
  }
  return 0;
}

std::span<const SuiteFacts> all_suite_facts() { return kSuites; }

const SuiteFacts* find_suite_facts(std::uint32_t id) {
  for (const auto& s : kSuites)
    if (s.id == id) return &s;
  return nullptr;
}

std::span<const SuiteFacts> all_tls13_suite_facts() { return kTls13Suites; }

const SuiteFacts* find_tls13_suite_facts(std::uint32_t id) {
  for (const auto& s : kTls13Suites)
    if (s.id == id) return &s;
  return nullptr;
}

std::size_t hash_bytes(Hash h) {
  switch (h) {
    case Hash::sha1:
      return 20;
    case Hash::sha256:
      return 32;
    case Hash::sha384:
      return 48;
    case Hash::none:
      break;
  }
  return 0;
}

const CurveFacts& p256() { return kP256; }
const CurveFacts& p384() { return kP384; }
const CurveFacts& p521() { return kP521; }

}  // namespace sslp11::oracle
