// PEM (RFC 7468): "-----BEGIN LABEL-----", base64 lines, "-----END LABEL-----".
// Decoding writes into wiped buffers because the blocks sslp11-admin reads
// are mostly private keys. Bounds-checked; malformed text is a pem::Error.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "pkcs11/secure_buffer.h"

namespace sslp11::cli::pem {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Block {
  std::string label;           // "PRIVATE KEY", "CERTIFICATE", ...
  bool has_headers = false;    // RFC 1421 headers (e.g. "Proc-Type: 4,ENCRYPTED") before the base64
  p11::SecureBytes der;        // the decoded bytes
};

// True when `text` contains a PEM begin line (otherwise treat it as DER).
bool looks_like_pem(std::span<const std::uint8_t> text);

// Every block in `text`, in order; text outside blocks is ignored (as
// OpenSSL does with the "Bag Attributes" lines of PKCS#12 exports). Throws
// when a block is unterminated, its END label differs, or its base64 is bad.
std::vector<Block> decode_all(std::span<const std::uint8_t> text);

// Base64 with '=' padding; whitespace is skipped. Throws pem::Error.
p11::SecureBytes base64_decode(std::string_view text);
std::string base64_encode(std::span<const std::uint8_t> bytes);

// A PEM block with 64-column lines and a final newline.
std::string encode(std::string_view label, std::span<const std::uint8_t> der);

}  // namespace sslp11::cli::pem
