#include "cli/openssl_checks.h"

#include <openssl/err.h>
#include <openssl/x509.h>

#include "keyfile/key_parts.h"
#include "keyfile/openssl_handles.h"

namespace sslp11::cli {

std::optional<std::string> certificate_problem(std::span<const std::uint8_t> der) {
  ERR_clear_error();
  const unsigned char* data = der.data();
  const keyfile::Certificate cert(d2i_X509(nullptr, &data, static_cast<long>(der.size())));
  if (!cert) return "OpenSSL cannot parse the certificate: " + keyfile::openssl_reason();
  if (data != der.data() + der.size()) return "OpenSSL parses a certificate followed by stray bytes";
  return std::nullopt;
}

}  // namespace sslp11::cli
