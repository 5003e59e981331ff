// Naming suites on the command line, and the policy of which key-exchange
// groups make a suite work on the configured token. Lengths, mechanisms and
// hashes of a suite are the provider's knowledge (SslLookupCipherSuiteInfo,
// SslGetCipherSuitePRFHashAlgorithm); this file only maps names to IANA code
// points, for the suites sslp11 knows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tls/provider.h"

namespace sslp11::tls {

struct SuiteName {
  std::uint32_t id;
  const char* iana;     // "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
  const char* openssl;  // "ECDHE-RSA-AES128-GCM-SHA256"
};

// By IANA or OpenSSL name, case-insensitive; nullptr if unknown.
const SuiteName* find_suite_name(const std::string& name);
const SuiteName* find_suite_name(std::uint32_t id);
std::string suite_display_name(std::uint32_t id);
// "A,B,C" -> ids; throws std::invalid_argument naming an unknown suite.
std::vector<std::uint32_t> parse_suite_list(const std::string& list);

// How a suite exchanges keys, from its IANA name.
enum class SuiteKx { rsa, ecdhe, dhe };
SuiteKx suite_kx(std::uint32_t id);
bool suite_uses_ecdsa(std::uint32_t id);

// The ECDHE groups the token can use for `suite`: its curves
// (SslEnumEccCurves), minus those too small for the suite's PRF on the
// "composed" path. There the PRF runs as the token's HMAC keyed by the
// pre-master, and SoftHSM refuses HMAC-SHA384 keys shorter than 48 bytes,
// so a SHA-384 suite needs a 48-byte+ ECDH secret: P-384 or P-521, not P-256.
// The NSS softoken ("native" path) has no such limit. `why` (optional) gets a
// sentence explaining any curve left out.
std::vector<std::uint16_t> usable_groups(const Provider& provider, std::uint32_t suite, std::string* why = nullptr);
// The suite's PRF hash as CNG names it (SslGetCipherSuitePRFHashAlgorithm): "SHA256".
std::string prf_hash(const Provider& provider, std::uint32_t suite);
std::uint32_t group_bits(std::uint16_t group);

// RFC 7919 ffdhe2048: p (256 bytes) and g = 2.
const Bytes& ffdhe2048_prime();

}  // namespace sslp11::tls
