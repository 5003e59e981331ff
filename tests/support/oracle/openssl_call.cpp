#include "support/oracle/openssl_call.h"

#include <openssl/err.h>

#include <stdexcept>

namespace sslp11::oracle {

void openssl_fail(const std::string& what) {
  std::string detail;
  char buf[256];
  while (unsigned long e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof buf);
    detail += std::string(" | ") + buf;
  }
  throw std::runtime_error("OpenSSL: " + what + " failed" + detail);
}

Bignum bn(ByteView magnitude) {
  Bignum n(BN_bin2bn(magnitude.data(), static_cast<int>(magnitude.size()), nullptr));
  if (!n) openssl_fail("BN_bin2bn");
  return n;
}

}  // namespace sslp11::oracle
