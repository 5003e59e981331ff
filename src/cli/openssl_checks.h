// What `import` asks OpenSSL before anything reaches the token: our own DER
// parsers (key_formats.h) read the fields, but only OpenSSL checks that they
// make a key (an RSA key whose n is not p*q parses, and would sit on the
// token signing garbage) and that a certificate is one a TLS peer will parse.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace sslp11::cli {

// nullopt when OpenSSL decodes the private key (PKCS#8, PKCS#1 or SEC1 DER)
// and EVP_PKEY_check accepts it (RSA: n = p*q, d*e = 1 mod lcm(p-1,q-1),
// primes; EC: the point on the curve and the private scalar's point);
// else why not, in one line that never contains key bytes.
std::optional<std::string> private_key_problem(std::span<const std::uint8_t> der);

// nullopt when OpenSSL parses the whole DER as an X.509 certificate, else why not.
std::optional<std::string> certificate_problem(std::span<const std::uint8_t> der);

}  // namespace sslp11::cli
