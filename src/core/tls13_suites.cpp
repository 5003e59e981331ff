#include "core/tls13_suites.h"

#include <array>
#include <vector>

namespace sslp11::core {

namespace {

// {id, name, cipher, hash, key, iv, tag}: RFC 8446 §B.4, RFC 8439 for ChaCha20-Poly1305.
constexpr std::array<Tls13Suite, 3> kTls13Suites{{
    {0x1301, "TLS_AES_128_GCM_SHA256", BulkCipher::aes_gcm, HashAlg::sha256, 16, 12, 16},
    {0x1302, "TLS_AES_256_GCM_SHA384", BulkCipher::aes_gcm, HashAlg::sha384, 32, 12, 16},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", BulkCipher::chacha20_poly1305, HashAlg::sha256, 32, 12, 16},
}};

// {id, name, kx, auth, cipher, key, fixed IV, explicit IV, block, tag, MAC, hash}, in kTls13Suites' order.
constexpr std::array<CipherSuite, 3> kTls13RecordSuites{{
    {0x1301, "TLS_AES_128_GCM_SHA256", KeyExchange::ecdhe, Authentication::rsa, BulkCipher::aes_gcm, 16, 12, 0, 1, 16,
     HashAlg::none, HashAlg::sha256},
    {0x1302, "TLS_AES_256_GCM_SHA384", KeyExchange::ecdhe, Authentication::rsa, BulkCipher::aes_gcm, 32, 12, 0, 1, 16,
     HashAlg::none, HashAlg::sha384},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", KeyExchange::ecdhe, Authentication::rsa, BulkCipher::chacha20_poly1305,
     32, 12, 0, 1, 16, HashAlg::none, HashAlg::sha256},
}};

}  // namespace

const CipherSuite& tls13_record_suite(const Tls13Suite& s) {
  return kTls13RecordSuites[static_cast<std::size_t>(&s - kTls13Suites.data())];
}

std::span<const Tls13Suite> all_tls13_suites() { return kTls13Suites; }

const Tls13Suite* find_tls13_suite(std::uint32_t id) {
  for (const auto& s : kTls13Suites)
    if (s.id == id) return &s;
  return nullptr;
}

const Tls13Suite* find_tls13_suite(std::string_view name) {
  for (const auto& s : kTls13Suites)
    if (s.name == name) return &s;
  return nullptr;
}

std::optional<std::string> tls13_suite_unavailable_reason(const Tls13Suite& s, const p11::Capabilities& caps,
                                                          DerivationPolicy policy) {
  using p11::Feature;
  std::vector<Feature> needed;
  needed.push_back(s.cipher == BulkCipher::chacha20_poly1305 ? Feature::ChaCha20Poly1305 : Feature::AesGcm);
  // Finished and binders are HMACs on the token on either path.
  needed.push_back(s.hash == HashAlg::sha384 ? Feature::HmacSha384 : Feature::HmacSha256);
  switch (caps.tls13_derivation_path()) {
    case p11::DerivationPath::unusable:
      return "token has neither CKM_HKDF_DERIVE/CKM_HKDF_DATA nor HMAC-SHA256 for the TLS 1.3 key schedule";
    case p11::DerivationPath::native:
      needed.push_back(Feature::Hkdf);
      needed.push_back(Feature::HkdfData);
      break;
    case p11::DerivationPath::composed:
      if (policy == DerivationPolicy::native_only) {
        return "token lacks CKM_HKDF_DERIVE/CKM_HKDF_DATA, so its TLS 1.3 key schedule would be composed from "
               "HMAC, and the policy is derivation = native-only";
      }
      break;
  }
  for (Feature f : needed)
    if (!caps.has(f)) return "token lacks " + std::string(p11::feature_name(f));
  return std::nullopt;
}

}  // namespace sslp11::core
