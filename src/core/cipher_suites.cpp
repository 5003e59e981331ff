#include "core/cipher_suites.h"

#include <algorithm>
#include <array>

#include "pkcs11/ec_curves.h"

namespace sslp11::core {

namespace {

using K = KeyExchange;
using A = Authentication;
using C = BulkCipher;
using H = HashAlg;

// {id, name, kx, auth, cipher, key, fixed_iv, record_iv, block, tag, mac, prf}
// The ids are the IANA TLS cipher suite code points (RFC 5246, 5289, 7905).
constexpr std::array<CipherSuite, 27> kSuites{{
    {0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", K::ecdhe, A::ecdsa, C::aes_gcm, 16, 4, 8, 1, 16, H::none, H::sha256},
    {0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", K::ecdhe, A::ecdsa, C::aes_gcm, 32, 4, 8, 1, 16, H::none, H::sha384},
    {0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", K::ecdhe, A::ecdsa, C::aes_cbc, 16, 0, 16, 16, 0, H::sha256, H::sha256},
    {0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", K::ecdhe, A::ecdsa, C::aes_cbc, 32, 0, 16, 16, 0, H::sha384, H::sha384},
    {0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", K::ecdhe, A::ecdsa, C::aes_cbc, 16, 0, 16, 16, 0, H::sha1, H::sha256},
    {0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", K::ecdhe, A::ecdsa, C::aes_cbc, 32, 0, 16, 16, 0, H::sha1, H::sha256},
    {0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", K::ecdhe, A::ecdsa, C::chacha20_poly1305, 32, 12, 0, 1, 16, H::none, H::sha256},
    {0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", K::ecdhe, A::rsa, C::aes_gcm, 16, 4, 8, 1, 16, H::none, H::sha256},
    {0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", K::ecdhe, A::rsa, C::aes_gcm, 32, 4, 8, 1, 16, H::none, H::sha384},
    {0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", K::ecdhe, A::rsa, C::aes_cbc, 16, 0, 16, 16, 0, H::sha256, H::sha256},
    {0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", K::ecdhe, A::rsa, C::aes_cbc, 32, 0, 16, 16, 0, H::sha384, H::sha384},
    {0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", K::ecdhe, A::rsa, C::aes_cbc, 16, 0, 16, 16, 0, H::sha1, H::sha256},
    {0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", K::ecdhe, A::rsa, C::aes_cbc, 32, 0, 16, 16, 0, H::sha1, H::sha256},
    {0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", K::ecdhe, A::rsa, C::chacha20_poly1305, 32, 12, 0, 1, 16, H::none, H::sha256},
    {0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", K::rsa, A::rsa, C::aes_gcm, 16, 4, 8, 1, 16, H::none, H::sha256},
    {0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", K::rsa, A::rsa, C::aes_gcm, 32, 4, 8, 1, 16, H::none, H::sha384},
    {0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", K::rsa, A::rsa, C::aes_cbc, 16, 0, 16, 16, 0, H::sha256, H::sha256},
    {0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", K::rsa, A::rsa, C::aes_cbc, 32, 0, 16, 16, 0, H::sha256, H::sha256},
    {0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", K::rsa, A::rsa, C::aes_cbc, 16, 0, 16, 16, 0, H::sha1, H::sha256},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", K::rsa, A::rsa, C::aes_cbc, 32, 0, 16, 16, 0, H::sha1, H::sha256},
    {0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", K::dhe, A::rsa, C::aes_gcm, 16, 4, 8, 1, 16, H::none, H::sha256},
    {0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", K::dhe, A::rsa, C::aes_gcm, 32, 4, 8, 1, 16, H::none, H::sha384},
    {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", K::dhe, A::rsa, C::aes_cbc, 16, 0, 16, 16, 0, H::sha256, H::sha256},
    {0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", K::dhe, A::rsa, C::aes_cbc, 32, 0, 16, 16, 0, H::sha256, H::sha256},
    {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", K::dhe, A::rsa, C::aes_cbc, 16, 0, 16, 16, 0, H::sha1, H::sha256},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", K::dhe, A::rsa, C::aes_cbc, 32, 0, 16, 16, 0, H::sha1, H::sha256},
    {0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", K::dhe, A::rsa, C::chacha20_poly1305, 32, 12, 0, 1, 16, H::none, H::sha256},
}};

// The curves' PKCS#11 facts (CKA_EC_PARAMS, sizes) are pkcs11/ec_curves.h's.
NamedCurve named(std::uint32_t group, std::u16string_view cng_name, const p11::EcCurve& c) {
  return {group, cng_name, c.name, c.oid, c.der_oid, c.bits, c.coordinate_bytes, c.form};
}

const std::array<NamedCurve, 4> kCurves{{
    named(23, u"nistP256", p11::ec_curve_p256()),
    named(24, u"nistP384", p11::ec_curve_p384()),
    named(25, u"nistP521", p11::ec_curve_p521()),
    named(29, u"curve25519", p11::ec_curve_x25519()),
}};

}  // namespace

std::uint32_t CipherSuite::mac_bytes() const noexcept { return hash_bytes(mac); }

std::span<const CipherSuite> all_cipher_suites() { return kSuites; }

const CipherSuite* find_cipher_suite(std::uint32_t id) {
  for (const auto& s : kSuites)
    if (s.id == id) return &s;
  return nullptr;
}

const CipherSuite* find_cipher_suite(std::string_view name) {
  for (const auto& s : kSuites)
    if (s.name == name) return &s;
  return nullptr;
}

std::uint32_t hash_bytes(HashAlg h) {
  switch (h) {
    case HashAlg::sha1: return 20;
    case HashAlg::sha256: return 32;
    case HashAlg::sha384: return 48;
    case HashAlg::none: break;
  }
  return 0;
}

std::u16string_view hash_cng_name(HashAlg h) {
  switch (h) {
    case HashAlg::sha1: return u"SHA1";
    case HashAlg::sha256: return u"SHA256";
    case HashAlg::sha384: return u"SHA384";
    case HashAlg::none: break;
  }
  return u"";
}

CK_MECHANISM_TYPE hash_mechanism(HashAlg h) {
  switch (h) {
    case HashAlg::sha1: return CKM_SHA_1;
    case HashAlg::sha256: return CKM_SHA256;
    case HashAlg::sha384: return CKM_SHA384;
    case HashAlg::none: break;
  }
  return CK_UNAVAILABLE_INFORMATION;
}

CK_MECHANISM_TYPE hmac_mechanism(HashAlg h) {
  switch (h) {
    case HashAlg::sha1: return CKM_SHA_1_HMAC;
    case HashAlg::sha256: return CKM_SHA256_HMAC;
    case HashAlg::sha384: return CKM_SHA384_HMAC;
    case HashAlg::none: break;
  }
  return CK_UNAVAILABLE_INFORMATION;
}

CK_MECHANISM_TYPE cipher_mechanism(BulkCipher c) {
  switch (c) {
    case BulkCipher::aes_gcm: return CKM_AES_GCM;
    case BulkCipher::aes_cbc: return CKM_AES_CBC;
    case BulkCipher::chacha20_poly1305: return CKM_CHACHA20_POLY1305;
  }
  return CK_UNAVAILABLE_INFORMATION;
}

CK_KEY_TYPE cipher_key_type(BulkCipher c) {
  return c == BulkCipher::chacha20_poly1305 ? CKK_CHACHA20 : CKK_AES;
}

bool protocol_supported(std::uint32_t protocol) { return protocol == kTls12Version; }

std::optional<std::string> suite_unavailable_reason(const CipherSuite& s, const p11::Capabilities& caps,
                                                    DerivationPolicy policy) {
  using p11::Feature;
  auto need = [&caps](Feature f) -> std::optional<std::string> {
    if (caps.has(f)) return std::nullopt;
    return "token lacks " + std::string(p11::feature_name(f));
  };
  std::vector<Feature> needed;
  switch (s.kx) {
    case KeyExchange::ecdhe: needed = {Feature::EcKeyPairGen, Feature::Ecdh}; break;
    case KeyExchange::dhe: needed = {Feature::DhKeyPairGen, Feature::DhDerive}; break;
    case KeyExchange::rsa: needed = {Feature::RsaPkcs}; break;
  }
  needed.push_back(s.auth == Authentication::rsa ? Feature::RsaPkcs : Feature::Ecdsa);
  switch (s.cipher) {
    case BulkCipher::aes_gcm: needed.push_back(Feature::AesGcm); break;
    case BulkCipher::aes_cbc: needed.push_back(Feature::AesCbc); break;
    case BulkCipher::chacha20_poly1305: needed.push_back(Feature::ChaCha20Poly1305); break;
  }
  switch (s.mac) {
    case HashAlg::sha1: needed.push_back(Feature::HmacSha1); break;
    case HashAlg::sha256: needed.push_back(Feature::HmacSha256); break;
    case HashAlg::sha384: needed.push_back(Feature::HmacSha384); break;
    case HashAlg::none: break;
  }
  const p11::DerivationPath path = caps.derivation_path();
  if (path == p11::DerivationPath::unusable) return "token has neither TLS 1.2 derive mechanisms nor HMAC-SHA256";
  if (path == p11::DerivationPath::native) {
    needed.push_back(s.kx == KeyExchange::rsa ? Feature::Tls12MasterDerive : Feature::Tls12MasterDeriveDh);
    needed.push_back(Feature::Tls12KeyAndMacDerive);
  } else {
    if (policy == DerivationPolicy::native_only) {
      return "token lacks CKM_TLS12_KEY_AND_MAC_DERIVE and the policy is derivation = native-only";
    }
    needed.push_back(s.prf == HashAlg::sha384 ? Feature::HmacSha384 : Feature::HmacSha256);
  }
  for (Feature f : needed)
    if (auto why = need(f)) return why;
  return std::nullopt;
}

std::span<const NamedCurve> all_curves() { return kCurves; }

std::optional<std::string> suite_curve_unavailable_reason(const CipherSuite& s, const NamedCurve& curve,
                                                          const p11::Capabilities& caps) {
  if (s.kx != KeyExchange::ecdhe || caps.derivation_path() != p11::DerivationPath::composed) return std::nullopt;
  const CK_MECHANISM_TYPE hmac = hmac_mechanism(s.prf);
  auto why = caps.hmac_key_too_short(hmac, curve.coordinate_bytes);
  if (!why) return std::nullopt;
  return *why + " but a" + (curve.montgomery() ? "n " : " ") + std::string(curve.name) + " pre-master has " +
         std::to_string(curve.coordinate_bytes) +
         " (use a larger curve, e.g. P-384, or a SHA-256 suite)";
}

const NamedCurve* find_curve_by_group(std::uint32_t group) {
  for (const auto& c : kCurves)
    if (c.group == group) return &c;
  return nullptr;
}

const NamedCurve* find_curve_by_bits(std::uint32_t bits) {
  for (const auto& c : kCurves)
    if (c.bits == bits) return &c;
  return nullptr;
}

std::optional<std::string> curve_unavailable_reason(const NamedCurve& c, const p11::Capabilities& caps) {
  const std::string on = " (needed for " + std::string(c.name) + ")";
  if (!caps.has(p11::Feature::Ecdh)) return "the token lacks CKM_ECDH1_DERIVE" + on;
  if (c.montgomery()) {
    // x25519 keys come from their own generator (PKCS#11 3.0); its key-size
    // range is not compared: modules disagree on its unit (bits or bytes).
    if (!caps.has(p11::Feature::EcMontgomeryKeyPairGen)) {
      return "the token lacks CKM_EC_MONTGOMERY_KEY_PAIR_GEN (and CKM_EC_EDWARDS_KEY_PAIR_GEN)" + on;
    }
    return std::nullopt;
  }
  const auto gen = caps.info(CKM_EC_KEY_PAIR_GEN);
  if (!gen) return "the token lacks CKM_EC_KEY_PAIR_GEN" + on;
  // Modules report EC key sizes in bits.
  if (c.bits < gen->ulMinKeySize || c.bits > gen->ulMaxKeySize) {
    return "the token's CKM_EC_KEY_PAIR_GEN does not cover " + std::to_string(c.bits) + "-bit keys" + on;
  }
  return std::nullopt;
}

bool curve_supported(const NamedCurve& c, const p11::Capabilities& caps) {
  return !curve_unavailable_reason(c, caps).has_value();
}

CK_MECHANISM_TYPE key_pair_mechanism(const NamedCurve& c, const p11::Capabilities& caps) {
  if (!c.montgomery()) return CKM_EC_KEY_PAIR_GEN;
  return caps.has_mechanism(CKM_EC_MONTGOMERY_KEY_PAIR_GEN) ? CKM_EC_MONTGOMERY_KEY_PAIR_GEN
                                                            : CKM_EC_EDWARDS_KEY_PAIR_GEN;
}

}  // namespace sslp11::core
