#include "cli/der.h"

#include <algorithm>

namespace sslp11::cli::der {

namespace {

std::string tag_text(std::uint8_t tag) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s = "0x";
  s += kHex[tag >> 4];
  s += kHex[tag & 0xf];
  return s;
}

void append_length(std::vector<std::uint8_t>& out, std::size_t n) {
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
    return;
  }
  std::uint8_t bytes[sizeof(std::size_t)];
  std::size_t count = 0;
  for (std::size_t v = n; v != 0; v >>= 8) bytes[count++] = static_cast<std::uint8_t>(v & 0xff);
  out.push_back(static_cast<std::uint8_t>(0x80 | count));
  while (count != 0) out.push_back(bytes[--count]);
}

}  // namespace

std::optional<std::uint8_t> Reader::peek_tag() const noexcept {
  if (pos_ >= data_.size()) return std::nullopt;
  return data_[pos_];
}

void Reader::fail(const std::string& message) const {
  throw Error("malformed " + what_ + ": " + message + " (at byte " + std::to_string(base_ + pos_) + ")");
}

Element Reader::read_any() {
  const std::size_t remaining = data_.size() - pos_;
  if (remaining < 2) fail(remaining == 0 ? "unexpected end of data" : "truncated element header");
  const std::uint8_t tag = data_[pos_];
  if ((tag & 0x1f) == 0x1f) fail("high tag numbers are not used by these formats");
  std::size_t header = 2;
  std::size_t length = data_[pos_ + 1];
  if (length & 0x80) {
    const std::size_t count = length & 0x7f;
    if (count == 0) fail("indefinite lengths are not DER");
    if (count > 4) fail("length field of " + std::to_string(count) + " bytes is too large");
    if (remaining < 2 + count) fail("truncated length field");
    length = 0;
    for (std::size_t i = 0; i < count; ++i) length = (length << 8) | data_[pos_ + 2 + i];
    if (data_[pos_ + 2] == 0) fail("length is not minimally encoded");
    if (length < 0x80) fail("length is not minimally encoded");
    header += count;
  }
  if (length > remaining - header) {
    fail("element " + tag_text(tag) + " claims " + std::to_string(length) + " bytes but only " +
         std::to_string(remaining - header) + " remain");
  }
  Element e;
  e.tag = tag;
  e.whole = data_.subspan(pos_, header + length);
  e.value = data_.subspan(pos_ + header, length);
  pos_ += header + length;
  return e;
}

Element Reader::read(std::uint8_t tag, std::string_view field) {
  const auto next = peek_tag();
  if (!next) fail("missing " + std::string(field));
  if (*next != tag) {
    fail("expected " + std::string(field) + " (tag " + tag_text(tag) + "), found tag " + tag_text(*next));
  }
  return read_any();
}

std::optional<Element> Reader::read_optional(std::uint8_t tag) {
  if (peek_tag() != tag) return std::nullopt;
  return read_any();
}

Reader Reader::enter(std::uint8_t tag, std::string_view field) {
  const std::size_t start = offset();
  const Element e = read(tag, field);
  const std::size_t header = e.whole.size() - e.value.size();
  return Reader(e.value, what_, start + header);
}

void Reader::expect_end() const {
  if (!empty()) fail(std::to_string(data_.size() - pos_) + " unexpected trailing bytes");
}

Element parse_single(Bytes data, std::string_view what) {
  Reader r(data, what);
  Element e = r.read_any();
  r.expect_end();
  return e;
}

Bytes unsigned_integer(const Element& integer, std::string_view field) {
  Bytes v = integer.value;
  if (integer.tag != kInteger) throw Error(std::string(field) + " is not an INTEGER");
  if (v.empty()) throw Error(std::string(field) + " is an empty INTEGER");
  if (v[0] & 0x80) throw Error(std::string(field) + " is negative");
  if (v.size() > 1 && v[0] == 0 && (v[1] & 0x80) == 0) throw Error(std::string(field) + " is not minimally encoded");
  while (v.size() > 1 && v[0] == 0) v = v.subspan(1);
  return v;
}

unsigned long small_integer(const Element& integer, std::string_view field) {
  const Bytes v = unsigned_integer(integer, field);
  if (v.size() > sizeof(unsigned long) - 1) throw Error(std::string(field) + " is too large");
  unsigned long n = 0;
  for (std::uint8_t b : v) n = (n << 8) | b;
  return n;
}

Bytes bit_string_bytes(const Element& bit_string, std::string_view field) {
  if (bit_string.tag != kBitString) throw Error(std::string(field) + " is not a BIT STRING");
  if (bit_string.value.empty()) throw Error(std::string(field) + " is an empty BIT STRING");
  if (bit_string.value[0] != 0) throw Error(std::string(field) + " has unused bits");
  return bit_string.value.subspan(1);
}

bool equal(Bytes a, Bytes b) noexcept { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

std::vector<std::uint8_t> encode(std::uint8_t tag, Bytes content) {
  std::vector<std::uint8_t> out;
  out.reserve(content.size() + 6);
  out.push_back(tag);
  append_length(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

std::vector<std::uint8_t> encode_unsigned_integer(Bytes magnitude) {
  while (magnitude.size() > 1 && magnitude[0] == 0) magnitude = magnitude.subspan(1);
  std::vector<std::uint8_t> content;
  if (magnitude.empty() || (magnitude[0] & 0x80)) content.push_back(0);
  content.insert(content.end(), magnitude.begin(), magnitude.end());
  return encode(kInteger, content);
}

std::vector<std::uint8_t> encode_bit_string(Bytes bytes) {
  std::vector<std::uint8_t> content{0};
  content.insert(content.end(), bytes.begin(), bytes.end());
  return encode(kBitString, content);
}

std::vector<std::uint8_t> concat(std::initializer_list<Bytes> parts) {
  std::vector<std::uint8_t> out;
  for (Bytes p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace sslp11::cli::der
