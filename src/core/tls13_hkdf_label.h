// The HkdfLabel structure of TLS 1.3 (RFC 8446 §7.1), the `info` of every
// HKDF-Expand in the key schedule:
//   struct { uint16 length; opaque label<7..255> = "tls13 " + Label;
//            opaque context<0..255>; } HkdfLabel;
// Public data: labels are constants and contexts are transcript hashes or a
// ticket nonce. Built host side on the stack (no allocation on the hot path).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sslp11::core {

class HkdfLabel {
 public:
  // Throws core::Error(Fault::invalid_parameter) for an empty label, a label
  // or context longer than the 255 bytes the structure can carry, or a length
  // outside 1..65535.
  HkdfLabel(std::size_t length, std::string_view label, std::span<const std::uint8_t> context);

  std::span<const std::uint8_t> bytes() const noexcept { return {bytes_.data(), size_}; }
  // For PKCS#11's CK_BYTE_PTR pInfo (a non-const pointer the token only reads).
  std::uint8_t* data() noexcept { return bytes_.data(); }
  std::size_t size() const noexcept { return size_; }

  static constexpr std::string_view kPrefix = "tls13 ";
  static constexpr std::size_t kMaxLabel = 255 - kPrefix.size();  // Label bytes after the prefix
  static constexpr std::size_t kMaxContext = 255;

 private:
  std::array<std::uint8_t, 2 + 1 + 255 + 1 + 255> bytes_{};
  std::size_t size_ = 0;
};

}  // namespace sslp11::core
