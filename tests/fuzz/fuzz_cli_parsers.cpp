// sslp11-admin's key and certificate files (src/cli/key_formats.h, library
// sslp11_cli_parsers): OpenSSL decodes them, sslp11 picks the PEM block,
// refuses encrypted keys and takes the key apart for PKCS#11
// (keyfile/key_parts.h). First byte: 0 the rest read both as a key file and
// as a certificate file, 1 as a key file, 2 as a certificate file. Malformed
// input must end in FormatError; a key that parses must compare with its own
// public half, and a certificate's public key must re-encode as PEM.
#include <cstddef>
#include <cstdint>
#include <span>

#include "cli/key_formats.h"

using namespace sslp11::cli;

namespace {

void as_key(std::span<const std::uint8_t> contents) {
  try {
    const PrivateKey key = parse_private_key(contents);
    if (!same_key(key, key.public_key())) __builtin_trap();
  } catch (const FormatError&) {
  }
}

void as_certificate(std::span<const std::uint8_t> contents) {
  try {
    const Certificate cert = parse_certificate(contents);
    (void)public_key_pem(cert.public_key);
    (void)pem_block("CERTIFICATE", cert.der);
  } catch (const FormatError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> body(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      as_key(body);
      as_certificate(body);
      break;
    case 1: as_key(body); break;
    case 2: as_certificate(body); break;
  }
  return 0;
}
