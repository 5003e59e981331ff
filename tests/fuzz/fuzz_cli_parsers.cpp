// sslp11-admin's key-file parsers (src/cli, library sslp11_cli_parsers): PEM
// blocks, base64, and the DER readers for private keys (PKCS#8, PKCS#1, SEC1)
// and X.509 certificates. First byte: 0 PEM text (each block's DER parsed as
// a key and as a certificate), 1 DER private key, 2 DER certificate, 3 EC
// parameters OID, 4 base64. Malformed input must end in pem::Error or
// der::Error; what parses must re-encode (public key) without a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cli/der.h"
#include "cli/key_formats.h"
#include "cli/pem.h"

using namespace sslp11::cli;

namespace {

void as_key_and_certificate(der::Bytes der) {
  try {
    const PrivateKey key = parse_private_key(der);
    (void)key.bits();
  } catch (const der::Error&) {
  }
  try {
    const Certificate cert = parse_certificate(der);
    (void)encode_subject_public_key_info(cert.public_key);
    (void)cert.public_key.bits();
  } catch (const der::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const der::Bytes body(data + 1, size - 1);
  try {
    switch (data[0] % 5) {
      case 0:
        if (!pem::looks_like_pem(body)) break;
        for (const pem::Block& block : pem::decode_all(body)) as_key_and_certificate(block.der.span());
        break;
      case 1:
      case 2: as_key_and_certificate(body); break;
      case 3: (void)curve_from_params(body); break;
      case 4: {
        const auto decoded = pem::base64_decode(std::string_view(reinterpret_cast<const char*>(body.data()), body.size()));
        (void)pem::base64_encode(decoded.span());
        break;
      }
    }
  } catch (const pem::Error&) {
  } catch (const der::Error&) {
  }
  return 0;
}
