// A software TLS 1.2 PRF (RFC 5246 §5) over SHA-256, for `sslp11-admin
// doctor`'s self-test ONLY: it recomputes, on throwaway data, what the token
// just derived, so a token whose TLS mechanisms disagree with the standard is
// caught before a peer sees it. sslp11 links no crypto library outside its
// tests, hence this small SHA-256 (FIPS 180-4) and HMAC (RFC 2104). Never use
// it for real keys.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace sslp11::cli::selftest {

using Sha256Digest = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  Sha256() { reset(); }
  ~Sha256();
  void reset() noexcept;
  void update(std::span<const std::uint8_t> data) noexcept;
  Sha256Digest finish() noexcept;  // resets afterwards

 private:
  void block(const std::uint8_t* p) noexcept;
  std::array<std::uint32_t, 8> h_{};
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_ = 0;
};

Sha256Digest sha256(std::span<const std::uint8_t> data) noexcept;
Sha256Digest hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) noexcept;

// out = P_SHA256(secret, label || seed), truncated to out.size().
void tls12_prf_sha256(std::span<const std::uint8_t> secret, std::string_view label,
                      std::span<const std::uint8_t> seed, std::span<std::uint8_t> out);

}  // namespace sslp11::cli::selftest
