// What `objects` shows of a certificate on the token: its subject and when it
// expires, read from CKA_VALUE by OpenSSL (the token's own CKA_SUBJECT is
// DER an operator cannot read, and has no expiry).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace sslp11::cli {

struct CertificateSummary {
  std::string subject;    // RFC 2253: "CN=web.example,O=Example"
  std::string not_after;  // ISO 8601 UTC: "2027-12-05T16:00:00Z"
};

// nullopt when OpenSSL cannot parse `der` as an X.509 certificate.
std::optional<CertificateSummary> summarize_certificate(std::span<const std::uint8_t> der);

}  // namespace sslp11::cli
