// A small DER reader and writer: exactly what sslp11-admin needs to read
// private keys (PKCS#8, PKCS#1, SEC1) and X.509 certificates, and to write a
// SubjectPublicKeyInfo. Never OpenSSL (this is tool code, not a test).
//
// Every read is bounds-checked against the span it was given and every
// malformed input is a der::Error naming what was wrong and at which offset;
// nothing is copied (elements are views into the caller's buffer, which may
// be a wiped SecureBytes holding a private key). Only the subset of DER the
// formats use: low tag numbers (< 31), definite lengths in minimal form up to
// 4 length bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sslp11::cli::der {

using Bytes = std::span<const std::uint8_t>;

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Universal tags as they appear on the wire (class and constructed bit included).
inline constexpr std::uint8_t kInteger = 0x02;
inline constexpr std::uint8_t kBitString = 0x03;
inline constexpr std::uint8_t kOctetString = 0x04;
inline constexpr std::uint8_t kNull = 0x05;
inline constexpr std::uint8_t kOid = 0x06;
inline constexpr std::uint8_t kSequence = 0x30;
inline constexpr std::uint8_t kSet = 0x31;
// [n] with the constructed bit (EXPLICIT tagging) or without (IMPLICIT primitive).
constexpr std::uint8_t context(unsigned n, bool constructed) {
  return static_cast<std::uint8_t>(0x80u | (constructed ? 0x20u : 0u) | (n & 0x1fu));
}

struct Element {
  std::uint8_t tag = 0;
  Bytes value;  // the contents octets
  Bytes whole;  // tag, length and contents (what CKA_SUBJECT etc. store)
};

// Reads consecutive elements from one level of a DER encoding.
class Reader {
 public:
  // `what` names the structure for messages ("PKCS#8 PrivateKeyInfo").
  Reader(Bytes data, std::string_view what, std::size_t base_offset = 0)
      : data_(data), what_(what), base_(base_offset) {}

  bool empty() const noexcept { return pos_ == data_.size(); }
  // The tag of the next element, or nullopt at the end.
  std::optional<std::uint8_t> peek_tag() const noexcept;

  Element read_any();
  // Reads the next element and requires its tag; `field` names it for messages.
  Element read(std::uint8_t tag, std::string_view field);
  // Reads the next element only if it has this tag.
  std::optional<Element> read_optional(std::uint8_t tag);
  // Reads a constructed element and returns a reader over its contents.
  Reader enter(std::uint8_t tag, std::string_view field);
  // Requires that nothing follows.
  void expect_end() const;

  std::size_t offset() const noexcept { return base_ + pos_; }

 private:
  [[noreturn]] void fail(const std::string& message) const;
  Bytes data_;
  std::string what_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

// Parses `data` as exactly one element (nothing may follow it).
Element parse_single(Bytes data, std::string_view what);

// The magnitude of a non-negative INTEGER without leading zero octets (the
// big-endian form PKCS#11 wants for CKA_MODULUS etc.). Throws on a negative
// or empty integer.
Bytes unsigned_integer(const Element& integer, std::string_view field);
// A small non-negative INTEGER (versions). Throws when it does not fit.
unsigned long small_integer(const Element& integer, std::string_view field);
// The bytes of a BIT STRING with no unused bits.
Bytes bit_string_bytes(const Element& bit_string, std::string_view field);

bool equal(Bytes a, Bytes b) noexcept;

// --- writing ------------------------------------------------------------------

// tag || length || content.
std::vector<std::uint8_t> encode(std::uint8_t tag, Bytes content);
// An INTEGER holding the unsigned big-endian magnitude (a zero octet is
// prepended when the top bit is set).
std::vector<std::uint8_t> encode_unsigned_integer(Bytes magnitude);
// A BIT STRING with no unused bits.
std::vector<std::uint8_t> encode_bit_string(Bytes bytes);
std::vector<std::uint8_t> concat(std::initializer_list<Bytes> parts);

}  // namespace sslp11::cli::der
