// Inside the oracle only: the two-call i2d_* convention as one call.
#pragma once

#include "support/oracle/bytes.h"
#include "support/oracle/openssl_call.h"

namespace sslp11::oracle {

template <class T, class Encode>
Bytes der_of(T* value, Encode encode) {
  const int len = encode(value, nullptr);
  check(len, "DER encoding (size)");
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  check(encode(value, &p), "DER encoding");
  return out;
}

}  // namespace sslp11::oracle
