// Bounded reading and writing of TLS wire structures (RFC 5246 §4): big-endian
// integers and length-prefixed vectors. A ByteReader never reads past the
// bytes it was given; running short, or a length that points past the end, is
// a DecodeError, which the state machines turn into a decode_error alert.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sslp11::tls {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ByteReader {
 public:
  explicit ByteReader(ByteView data, std::string_view what = "message") : data_(data), what_(what) {}

  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u24();
  std::uint32_t u32();
  ByteView bytes(std::size_t n);
  // A vector with a 1-, 2- or 3-byte length prefix, as its own reader.
  ByteReader vec8(std::string_view what);
  ByteReader vec16(std::string_view what);
  ByteReader vec24(std::string_view what);

  std::size_t remaining() const noexcept { return data_.size() - at_; }
  bool empty() const noexcept { return remaining() == 0; }
  ByteView rest() const noexcept { return data_.subspan(at_); }
  // Nothing may follow the structure.
  void expect_end() const;

 private:
  void need(std::size_t n) const;
  ByteView data_;
  std::size_t at_ = 0;
  std::string what_;
};

class ByteWriter {
 public:
  ByteWriter& u8(std::uint8_t v);
  ByteWriter& u16(std::uint16_t v);
  ByteWriter& u24(std::uint32_t v);
  ByteWriter& u32(std::uint32_t v);
  ByteWriter& bytes(ByteView b);
  ByteWriter& bytes(std::string_view s);
  // A vector with a 1-, 2- or 3-byte length prefix; throws std::length_error
  // when the body does not fit the prefix.
  ByteWriter& vec8(ByteView body);
  ByteWriter& vec16(ByteView body);
  ByteWriter& vec24(ByteView body);

  const Bytes& data() const noexcept { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

std::uint16_t be16(const std::uint8_t* p) noexcept;
Bytes copy(ByteView b);
std::string hex(ByteView b);
// Printable rendering of application data for progress lines: ASCII as is,
// everything else as \xNN; cut at `limit` characters.
std::string printable(ByteView b, std::size_t limit = 200);

// n bytes from OpenSSL's CSPRNG (randoms, session ids, ticket nonces). Throws
// std::runtime_error if it fails.
Bytes random_bytes(std::size_t n);

template <class T, class V>
bool contains(const std::vector<T>& v, V x) {
  return std::find(v.begin(), v.end(), static_cast<T>(x)) != v.end();
}

}  // namespace sslp11::tls
