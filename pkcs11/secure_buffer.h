// Host buffers that hold PINs or key-block bytes: wiped on destruction with a
// store the compiler may not elide. Every host copy of a secret is one of
// these types, so an exception thrown midway cannot skip the wipe.
#pragma once

#include <string.h>  // explicit_bzero (glibc)

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sslp11::p11 {

inline void wipe(void* p, std::size_t n) noexcept {
  if (p != nullptr && n != 0) explicit_bzero(p, n);
}

// Fixed-capacity byte buffer, wiped when destroyed or cleared. Not copyable so
// secrets are not duplicated by accident.
class SecureBytes {
 public:
  SecureBytes() = default;
  explicit SecureBytes(std::size_t n) : bytes_(n) {}
  SecureBytes(std::span<const std::uint8_t> from) : bytes_(from.begin(), from.end()) {}
  SecureBytes(const SecureBytes&) = delete;
  SecureBytes& operator=(const SecureBytes&) = delete;
  SecureBytes(SecureBytes&& o) noexcept : bytes_(std::move(o.bytes_)) {}
  SecureBytes& operator=(SecureBytes&& o) noexcept {
    if (this != &o) {
      clear();
      bytes_ = std::move(o.bytes_);
    }
    return *this;
  }
  ~SecureBytes() { clear(); }

  void clear() noexcept {
    wipe(bytes_.data(), bytes_.size());
    bytes_.clear();
  }
  std::uint8_t* data() noexcept { return bytes_.data(); }
  const std::uint8_t* data() const noexcept { return bytes_.data(); }
  std::size_t size() const noexcept { return bytes_.size(); }
  bool empty() const noexcept { return bytes_.empty(); }
  std::span<std::uint8_t> span() noexcept { return bytes_; }
  std::span<const std::uint8_t> span() const noexcept { return bytes_; }

 private:
  std::vector<std::uint8_t> bytes_;
};

// A fixed-size secret on the stack (an HMAC block of the composed PRF):
// no allocation on the hot path, wiped on every exit from its scope.
template <std::size_t N>
class SecretArray {
 public:
  SecretArray() = default;
  SecretArray(const SecretArray&) = delete;
  SecretArray& operator=(const SecretArray&) = delete;
  ~SecretArray() { wipe(bytes_.data(), bytes_.size()); }

  std::uint8_t* data() noexcept { return bytes_.data(); }
  static constexpr std::size_t size() noexcept { return N; }
  std::span<std::uint8_t> span() noexcept { return bytes_; }
  std::span<std::uint8_t> first(std::size_t n) noexcept { return std::span<std::uint8_t>(bytes_).first(n); }

 private:
  std::array<std::uint8_t, N> bytes_{};
};

// A PIN. Never printed; wiped when destroyed.
class Pin {
 public:
  Pin() = default;
  explicit Pin(std::string_view pin) : bytes_(std::span<const std::uint8_t>(
                                           reinterpret_cast<const std::uint8_t*>(pin.data()), pin.size())) {}
  Pin(Pin&&) noexcept = default;
  Pin& operator=(Pin&&) noexcept = default;
  Pin clone() const { return Pin(std::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size())); }
  bool empty() const noexcept { return bytes_.empty(); }
  std::span<const unsigned char> bytes() const noexcept { return bytes_.span(); }

 private:
  SecureBytes bytes_;
};

}  // namespace sslp11::p11
