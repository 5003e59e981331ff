#include "cli/pem.h"


namespace sslp11::cli::pem {

namespace {

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kEnd = "-----END ";
constexpr std::string_view kDashes = "-----";
constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string_view as_text(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Label characters per RFC 7468: printable ASCII except '-', single spaces.
bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > 64) return false;
  for (char c : label)
    if (c < 0x20 || c > 0x7e || c == '-') return false;
  return true;
}

// The block body without RFC 1421 headers ("Name: value" lines up to a blank line).
std::string_view strip_headers(std::string_view body, bool& had_headers) {
  had_headers = false;
  // The rest of the BEGIN line.
  while (!body.empty() && (body.front() == '\r' || body.front() == '\n')) body.remove_prefix(1);
  std::size_t first_line_end = body.find('\n');
  const std::string_view first = body.substr(0, first_line_end);
  if (first.find(':') == std::string_view::npos) return body;
  had_headers = true;
  // Headers end at the first empty line.
  std::size_t pos = 0;
  while (pos < body.size()) {
    const std::size_t eol = body.find('\n', pos);
    std::string_view line = body.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    while (!line.empty() && is_blank(line.back())) line.remove_suffix(1);
    if (line.empty()) return eol == std::string_view::npos ? std::string_view{} : body.substr(eol + 1);
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  return {};
}

}  // namespace

bool looks_like_pem(std::span<const std::uint8_t> text) {
  return as_text(text).find(kBegin) != std::string_view::npos;
}

std::vector<Block> decode_all(std::span<const std::uint8_t> bytes) {
  const std::string_view text = as_text(bytes);
  std::vector<Block> blocks;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t begin = text.find(kBegin, pos);
    if (begin == std::string_view::npos) break;
    const std::size_t label_start = begin + kBegin.size();
    const std::size_t label_end = text.find(kDashes, label_start);
    if (label_end == std::string_view::npos) throw Error("PEM: unterminated BEGIN line");
    const std::string_view label = text.substr(label_start, label_end - label_start);
    if (!valid_label(label)) throw Error("PEM: invalid label on a BEGIN line");
    const std::size_t body_start = label_end + kDashes.size();
    const std::size_t end = text.find(kEnd, body_start);
    if (end == std::string_view::npos) throw Error("PEM: no END line for the '" + std::string(label) + "' block");
    const std::size_t end_label_start = end + kEnd.size();
    const std::size_t end_label_end = text.find(kDashes, end_label_start);
    if (end_label_end == std::string_view::npos ||
        text.substr(end_label_start, end_label_end - end_label_start) != label) {
      throw Error("PEM: the END line of the '" + std::string(label) + "' block names another label");
    }
    Block block;
    block.label = std::string(label);
    const std::string_view body = strip_headers(text.substr(body_start, end - body_start), block.has_headers);
    // Encrypted legacy PEM bodies are not base64 of DER we could use; the
    // caller refuses them by has_headers, so do not fail on their contents.
    if (!block.has_headers) block.der = base64_decode(body);
    blocks.push_back(std::move(block));
    pos = end_label_end + kDashes.size();
  }
  return blocks;
}

p11::SecureBytes base64_decode(std::string_view text) {
  p11::SecureBytes out(text.size() / 4 * 3 + 3);
  std::size_t n = 0;
  std::uint32_t accumulator = 0;
  int bits = 0;
  std::size_t symbols = 0;  // base64 symbols and '=' seen, for the padding checks
  std::size_t padding = 0;
  for (char c : text) {
    if (is_blank(c)) continue;
    if (c == '=') {
      ++padding;
      ++symbols;
      if (padding > 2) throw Error("base64: too much '=' padding");
      continue;
    }
    const int v = base64_value(c);
    if (v < 0) throw Error("base64: invalid character");
    if (padding != 0) throw Error("base64: data after '=' padding");
    ++symbols;
    accumulator = (accumulator << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.data()[n++] = static_cast<std::uint8_t>((accumulator >> bits) & 0xff);
    }
  }
  // Canonical base64 (RFC 4648 §3.5): the bits left over must be zero.
  const bool stray_bits = (accumulator & ((1u << bits) - 1)) != 0;
  p11::wipe(&accumulator, sizeof accumulator);
  if (stray_bits) throw Error("base64: non-zero padding bits");
  if (symbols % 4 != 0) throw Error("base64: length is not a multiple of 4");
  // The padding must match the leftover bits exactly (1 '=' for 2 bits, 2 for 4).
  if ((padding == 0 && bits != 0) || (padding == 1 && bits != 2) || (padding == 2 && bits != 4)) {
    throw Error("base64: wrong padding");
  }
  return p11::SecureBytes(std::span<const std::uint8_t>(out.data(), n));
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 0x3f];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest != 0) {
    std::uint32_t v = std::uint32_t{bytes[i]} << 16;
    if (rest == 2) v |= std::uint32_t{bytes[i + 1]} << 8;
    out += kAlphabet[(v >> 18) & 0x3f];
    out += kAlphabet[(v >> 12) & 0x3f];
    out += rest == 2 ? kAlphabet[(v >> 6) & 0x3f] : '=';
    out += '=';
  }
  return out;
}

std::string encode(std::string_view label, std::span<const std::uint8_t> der) {
  const std::string body = base64_encode(der);
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (std::size_t i = 0; i < body.size(); i += 64) out += body.substr(i, 64) + "\n";
  out += "-----END " + std::string(label) + "-----\n";
  return out;
}

}  // namespace sslp11::cli::pem
