// What `doctor` asks OpenSSL of a certificate already on the token: that it
// is one a TLS peer will parse. (`import` checks its files in key_formats.h.)
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace sslp11::cli {

// nullopt when OpenSSL parses the whole DER as an X.509 certificate, else why not.
std::optional<std::string> certificate_problem(std::span<const std::uint8_t> der);

}  // namespace sslp11::cli
