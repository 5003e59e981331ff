// Naming suites on the command line, and the policy of which key-exchange
// groups make a suite work on the configured token. Names, lengths,
// mechanisms and hashes of a suite are the provider's knowledge
// (Sslp11LookupCipherSuiteByName, Sslp11GetCipherSuiteName,
// SslLookupCipherSuiteInfo, SslGetCipherSuitePRFHashAlgorithm); this file
// adds only OpenSSL's spelling of the names, for the command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tls/provider.h"

namespace sslp11::tls {

// By IANA name (the provider's catalogue) or OpenSSL name, case-insensitive;
// nullopt if unknown.
std::optional<std::uint32_t> find_suite_id(const std::string& name);
// The provider's IANA name for a suite it knows; nullopt otherwise.
std::optional<std::string> iana_suite_name(std::uint32_t id);
// OpenSSL's name for a suite sslp11 knows, nullptr otherwise.
const char* openssl_suite_name(std::uint32_t id);
std::string suite_display_name(std::uint32_t id);
// "A,B,C" -> ids; throws std::invalid_argument naming an unknown suite.
std::vector<std::uint32_t> parse_suite_list(const std::string& list);

// A TLS 1.3 suite (RFC 8446 §B.4): its IANA name names no key exchange ("_WITH_").
bool is_tls13_suite(std::uint32_t id);

// "P-256,P-384" (also secp256r1 / prime256v1 spellings, x25519) -> IANA
// named groups; throws std::invalid_argument naming an unknown group.
std::vector<std::uint16_t> parse_group_list(const std::string& list);

// How a suite exchanges keys, from its IANA name.
enum class SuiteKx { rsa, ecdhe, dhe };
SuiteKx suite_kx(std::uint32_t id);
bool suite_uses_ecdsa(std::uint32_t id);

// The ECDHE groups the token can use for `suite`: its curves
// (SslEnumEccCurves) for which SslLookupCipherSuiteInfo, asked with the
// curve's IANA id as dwKeyType, says the token can finish the suite. (On the
// "composed" path SoftHSM's HMAC-SHA384 refuses the 32-byte pre-master of
// P-256, so a SHA-384 suite runs on P-384 or P-521 only; the provider knows
// that, this program does not.) `why` (optional) gets a sentence explaining
// any curve left out.
std::vector<std::uint16_t> usable_groups(const Provider& provider, std::uint32_t suite, std::string* why = nullptr);
std::uint32_t group_bits(std::uint16_t group);

// RFC 7919 §2: the named-group code points 256..511 are the FFDHE groups.
bool is_ffdhe(std::uint16_t group);
// The FFDHE groups sslp11-tls serves, in the server's preference order
// (ffdhe2048, ffdhe3072, ffdhe4096), and their primes (RFC 7919 Appendix A;
// g = 2 for all). ffdhe_prime: nullptr for a group not in that list.
const std::vector<std::uint16_t>& ffdhe_groups();
const Bytes* ffdhe_prime(std::uint16_t group);
// The FFDHE group whose prime is `p`; nullopt for any other prime.
std::optional<std::uint16_t> ffdhe_group_of(ByteView p);

// RFC 7919 §4: the group a server uses for a DHE suite, given the client's
// supported_groups (empty when the extension is absent). No FFDHE group
// offered: ffdhe2048, as before RFC 7919. Otherwise the first offered group
// we serve, in the client's order; nullopt when the client offered FFDHE
// groups but none of ours: then no DHE suite may be chosen.
std::optional<std::uint16_t> choose_ffdhe_group(const std::vector<std::uint16_t>& offered);

}  // namespace sslp11::tls
