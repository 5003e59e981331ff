#include "support/oracle/bytes.h"

#include <openssl/rand.h>

#include <stdexcept>

#include "support/oracle/openssl_call.h"

namespace sslp11::oracle {

std::string hex(ByteView b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (std::uint8_t c : b) {
    s.push_back(kHex[c >> 4]);
    s.push_back(kHex[c & 15]);
  }
  return s;
}

Bytes from_hex(std::string_view h) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("not a hex digit");
  };
  if (h.size() % 2 != 0) throw std::invalid_argument("odd hex length");
  Bytes out(h.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(nibble(h[2 * i]) << 4 | nibble(h[2 * i + 1]));
  return out;
}

Bytes concat(ByteView a, ByteView b) {
  Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  if (n != 0) check(RAND_bytes(out.data(), static_cast<int>(n)), "RAND_bytes");
  return out;
}

}  // namespace sslp11::oracle
