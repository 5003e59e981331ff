// A certificate whose private key lives on the token: what `server --cert`
// and `client --cert` name. The chain is read from the PEM file; the key is
// found by the leaf certificate (SslOpenPrivateKey), never read from a file
// (except by the --import-key test aid, which puts it on the token first).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "tls/bytes.h"
#include "tls/provider.h"

namespace sslp11::tls {

struct TokenCredential {
  std::string cert_file;
  std::vector<Bytes> chain;  // DER, leaf first
  SslObject private_key;
  std::string algorithm;       // the key's CNG algorithm name: "RSA", "ECDSA"
  bool ec_key = false;
  std::size_t ec_key_bits = 0;  // 256 / 384 / 521 for an EC key

  // Throws std::runtime_error naming what is missing. `role` ("server",
  // "client") names the key in the log and the imported object's label.
  static TokenCredential open(const Provider& provider, const std::string& cert_file,
                              const std::optional<std::string>& import_key, const std::string& role,
                              std::ostream& log);
};

}  // namespace sslp11::tls
