#include "tls/bytes.h"

#include <openssl/rand.h>

namespace sslp11::tls {

void ByteReader::need(std::size_t n) const {
  if (n > remaining()) {
    throw DecodeError(what_ + " is truncated: " + std::to_string(n) + " more bytes needed, " +
                      std::to_string(remaining()) + " left");
  }
}

std::uint8_t ByteReader::u8() {
  need(1);
  return data_[at_++];
}

std::uint16_t ByteReader::u16() {
  need(2);
  const std::uint16_t v = be16(&data_[at_]);
  at_ += 2;
  return v;
}

std::uint32_t ByteReader::u24() {
  need(3);
  const std::uint32_t v = std::uint32_t{data_[at_]} << 16 | std::uint32_t{data_[at_ + 1]} << 8 | data_[at_ + 2];
  at_ += 3;
  return v;
}

std::uint32_t ByteReader::u32() {
  const std::uint32_t high = u16();
  return high << 16 | u16();
}

ByteView ByteReader::bytes(std::size_t n) {
  need(n);
  const ByteView v = data_.subspan(at_, n);
  at_ += n;
  return v;
}

ByteReader ByteReader::vec8(std::string_view what) {
  const std::size_t n = u8();
  return ByteReader(bytes(n), what);
}

ByteReader ByteReader::vec16(std::string_view what) {
  const std::size_t n = u16();
  return ByteReader(bytes(n), what);
}

ByteReader ByteReader::vec24(std::string_view what) {
  const std::size_t n = u24();
  return ByteReader(bytes(n), what);
}

void ByteReader::expect_end() const {
  if (!empty()) throw DecodeError(what_ + " has " + std::to_string(remaining()) + " unexpected trailing bytes");
}

ByteWriter& ByteWriter::u8(std::uint8_t v) {
  out_.push_back(v);
  return *this;
}

ByteWriter& ByteWriter::u16(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
  return *this;
}

ByteWriter& ByteWriter::u32(std::uint32_t v) {
  u16(static_cast<std::uint16_t>(v >> 16));
  return u16(static_cast<std::uint16_t>(v));
}

ByteWriter& ByteWriter::u24(std::uint32_t v) {
  if (v > 0xFFFFFF) throw std::length_error("a 24-bit length overflows");
  out_.push_back(static_cast<std::uint8_t>(v >> 16));
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
  return *this;
}

ByteWriter& ByteWriter::bytes(ByteView b) {
  out_.insert(out_.end(), b.begin(), b.end());
  return *this;
}

ByteWriter& ByteWriter::bytes(std::string_view s) {
  out_.insert(out_.end(), s.begin(), s.end());
  return *this;
}

ByteWriter& ByteWriter::vec8(ByteView body) {
  if (body.size() > 0xFF) throw std::length_error("a vector overflows its 8-bit length");
  return u8(static_cast<std::uint8_t>(body.size())).bytes(body);
}

ByteWriter& ByteWriter::vec16(ByteView body) {
  if (body.size() > 0xFFFF) throw std::length_error("a vector overflows its 16-bit length");
  return u16(static_cast<std::uint16_t>(body.size())).bytes(body);
}

ByteWriter& ByteWriter::vec24(ByteView body) {
  return u24(static_cast<std::uint32_t>(body.size())).bytes(body);
}

std::uint16_t be16(const std::uint8_t* p) noexcept { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

std::string hex(ByteView b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (std::uint8_t c : b) {
    s.push_back(kDigits[c >> 4]);
    s.push_back(kDigits[c & 0xF]);
  }
  return s;
}

std::string printable(ByteView b, std::size_t limit) {
  std::string s;
  for (std::uint8_t c : b) {
    if (s.size() >= limit) {
      s += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      s.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      s += "\\n";
    } else if (c == '\r') {
      s += "\\r";
    } else {
      static constexpr char kDigits[] = "0123456789abcdef";
      s += "\\x";
      s.push_back(kDigits[c >> 4]);
      s.push_back(kDigits[c & 0xF]);
    }
  }
  return s;
}

Bytes copy(ByteView b) { return Bytes(b.begin(), b.end()); }

Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  if (n != 0 && RAND_bytes(b.data(), static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
  return b;
}

}  // namespace sslp11::tls
