#include "tls/suites.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "tls/messages.h"

namespace sslp11::tls {

namespace {

// OpenSSL's names for the suites sslp11 knows (`-cipher` spelling), accepted
// on the command line beside the IANA names. The IANA names themselves are the
// provider's (Sslp11LookupCipherSuiteByName / Sslp11GetCipherSuiteName).
struct OpensslAlias {
  std::uint32_t id;
  const char* name;
};
constexpr std::array<OpensslAlias, 27> kOpensslAliases{{
    {TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, "ECDHE-ECDSA-AES128-SHA256"},
    {TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, "ECDHE-ECDSA-AES256-SHA384"},
    {TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA-AES128-SHA"},
    {TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA-AES256-SHA"},
    {TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256"},
    {TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384"},
    {TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, "ECDHE-RSA-AES128-SHA256"},
    {TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, "ECDHE-RSA-AES256-SHA384"},
    {TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA"},
    {TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA-AES256-SHA"},
    {TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305"},
    {TLS_RSA_WITH_AES_128_GCM_SHA256, "AES128-GCM-SHA256"},
    {TLS_RSA_WITH_AES_256_GCM_SHA384, "AES256-GCM-SHA384"},
    {TLS_RSA_WITH_AES_128_CBC_SHA256, "AES128-SHA256"},
    {TLS_RSA_WITH_AES_256_CBC_SHA256, "AES256-SHA256"},
    {TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA"},
    {TLS_RSA_WITH_AES_256_CBC_SHA, "AES256-SHA"},
    {TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, "DHE-RSA-AES128-GCM-SHA256"},
    {TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, "DHE-RSA-AES256-GCM-SHA384"},
    {TLS_DHE_RSA_WITH_AES_128_CBC_SHA256, "DHE-RSA-AES128-SHA256"},
    {TLS_DHE_RSA_WITH_AES_256_CBC_SHA256, "DHE-RSA-AES256-SHA256"},
    {TLS_DHE_RSA_WITH_AES_128_CBC_SHA, "DHE-RSA-AES128-SHA"},
    {TLS_DHE_RSA_WITH_AES_256_CBC_SHA, "DHE-RSA-AES256-SHA"},
    {TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "DHE-RSA-CHACHA20-POLY1305"},
}};

bool same_ignoring_case(const std::string& a, const char* b) {
  const std::string_view bv(b);
  if (a.size() != bv.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(bv[i]))) return false;
  }
  return true;
}

// Hand-written: it reads only the RFC 7919 constants below, never input.
Bytes from_hex(std::string_view h) {
  Bytes out;
  auto nibble = [](char c) { return static_cast<std::uint8_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10); };
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<std::uint8_t>(nibble(h[i]) << 4 | nibble(h[i + 1])));
  return out;
}

// RFC 7919 Appendix A, as `openssl genpkey -genparam -pkeyopt group:ffdheN`
// prints them; the server's preference order. The one copy of these primes.
struct FfdhePrime {
  std::uint16_t group;
  std::string_view hex;
};
constexpr std::array<FfdhePrime, 3> kFfdhePrimes{{
    {named_group::ffdhe2048,
     "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8"
     "F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935984F0C70E0E68B77E2A689DAF3EFE872"
     "1DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB19"
     "0B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F619172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005"
     "C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFFFFFFFFFF"},
    {named_group::ffdhe3072,
     "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8"
     "F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935984F0C70E0E68B77E2A689DAF3EFE872"
     "1DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB19"
     "0B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F619172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005"
     "C58EF1837D1683B2C6F34A26C1B2EFFA886B4238611FCFDCDE355B3B6519035BBC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE"
     "598CB0FAC186D91CAEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF5CAE82AB9C9DF69EE86D2BC522363A0D"
     "ABC521979B0DEADA1DBF9A42D5C4484E0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B66C62E37FFFFFFFFFFFFFFFF"},
    {named_group::ffdhe4096,
     "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8"
     "F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935984F0C70E0E68B77E2A689DAF3EFE872"
     "1DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB19"
     "0B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F619172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005"
     "C58EF1837D1683B2C6F34A26C1B2EFFA886B4238611FCFDCDE355B3B6519035BBC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE"
     "598CB0FAC186D91CAEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF5CAE82AB9C9DF69EE86D2BC522363A0D"
     "ABC521979B0DEADA1DBF9A42D5C4484E0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B669E1EF16E6F52C3164DF4FB7930E9E4E58857B6"
     "AC7D5F42D69F6D187763CF1D5503400487F55BA57E31CC7A7135C886EFB4318AED6A1E012D9E6832A907600A918130C46DC778F971AD0038"
     "092999A333CB8B7A1A1DB93D7140003C2A4ECEA9F98D0ACC0A8291CDCEC97DCF8EC9B55A7F88A46B4DB5A851F44182E1C68A007E5E655F6A"
     "FFFFFFFFFFFFFFFF"},
}};

}  // namespace

std::optional<std::uint32_t> find_suite_id(const std::string& name) {
  std::string upper = name;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  DWORD id = 0;
  if (Sslp11LookupCipherSuiteByName(upper.c_str(), &id, 0) == ERROR_SUCCESS) return id;
  for (const auto& a : kOpensslAliases)
    if (same_ignoring_case(name, a.name)) return a.id;
  return std::nullopt;
}

std::optional<std::string> iana_suite_name(std::uint32_t id) {
  DWORD size = 0;
  if (Sslp11GetCipherSuiteName(id, nullptr, 0, &size, 0) != ERROR_SUCCESS || size == 0) return std::nullopt;
  std::string name(size, '\0');
  if (Sslp11GetCipherSuiteName(id, name.data(), size, &size, 0) != ERROR_SUCCESS) return std::nullopt;
  name.resize(size - 1);
  return name;
}

const char* openssl_suite_name(std::uint32_t id) {
  for (const auto& a : kOpensslAliases)
    if (a.id == id) return a.name;
  return nullptr;
}

std::string suite_display_name(std::uint32_t id) {
  if (auto name = iana_suite_name(id)) return *name;
  char buf[32];
  std::snprintf(buf, sizeof buf, "suite 0x%04X", id);
  return buf;
}

std::vector<std::uint32_t> parse_suite_list(const std::string& list) {
  std::vector<std::uint32_t> out;
  std::size_t at = 0;
  while (at <= list.size()) {
    const std::size_t comma = std::min(list.find(',', at), list.size());
    const std::string name = list.substr(at, comma - at);
    at = comma + 1;
    if (name.empty()) continue;
    const std::optional<std::uint32_t> id = find_suite_id(name);
    if (!id) {
      throw std::invalid_argument("unknown cipher suite '" + name +
                                  "' (use an IANA name such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or an OpenSSL "
                                  "name such as ECDHE-RSA-AES128-GCM-SHA256)");
    }
    if (std::find(out.begin(), out.end(), *id) == out.end()) out.push_back(*id);
  }
  if (out.empty()) throw std::invalid_argument("no cipher suite given");
  return out;
}

bool is_tls13_suite(std::uint32_t id) {
  const std::optional<std::string> name = iana_suite_name(id);
  return name && name->rfind("TLS_", 0) == 0 && name->find("_WITH_") == std::string::npos;
}

std::vector<std::uint16_t> parse_group_list(const std::string& list) {
  struct Spelling {
    const char* name;
    std::uint16_t group;
  };
  static constexpr Spelling kSpellings[] = {
      {"P-256", named_group::secp256r1}, {"secp256r1", named_group::secp256r1}, {"prime256v1", named_group::secp256r1},
      {"P-384", named_group::secp384r1}, {"secp384r1", named_group::secp384r1}, {"P-521", named_group::secp521r1},
      {"secp521r1", named_group::secp521r1}, {"x25519", named_group::x25519}};
  std::vector<std::uint16_t> out;
  std::size_t at = 0;
  while (at <= list.size()) {
    const std::size_t comma = std::min(list.find_first_of(",:", at), list.size());
    const std::string name = list.substr(at, comma - at);
    at = comma + 1;
    if (name.empty()) continue;
    const auto* s = std::find_if(std::begin(kSpellings), std::end(kSpellings),
                                 [&](const Spelling& sp) { return same_ignoring_case(name, sp.name); });
    if (s == std::end(kSpellings)) {
      throw std::invalid_argument("unknown group '" + name + "' (use P-256, P-384, P-521 or x25519)");
    }
    if (std::find(out.begin(), out.end(), s->group) == out.end()) out.push_back(s->group);
  }
  if (out.empty()) throw std::invalid_argument("no group given");
  return out;
}

SuiteKx suite_kx(std::uint32_t id) {
  const std::string name = suite_display_name(id);
  if (name.rfind("TLS_ECDHE_", 0) == 0) return SuiteKx::ecdhe;
  if (name.rfind("TLS_DHE_", 0) == 0) return SuiteKx::dhe;
  return SuiteKx::rsa;
}

bool suite_uses_ecdsa(std::uint32_t id) { return suite_display_name(id).rfind("TLS_ECDHE_ECDSA_", 0) == 0; }

std::uint32_t group_bits(std::uint16_t group) {
  switch (group) {
    case named_group::secp256r1: return 256;
    case named_group::secp384r1: return 384;
    case named_group::secp521r1: return 521;
    case named_group::x25519: return 255;
    case named_group::ffdhe2048: return 2048;
    case named_group::ffdhe3072: return 3072;
    case named_group::ffdhe4096: return 4096;
    default: return 0;
  }
}

std::vector<std::uint16_t> usable_groups(const Provider& provider, std::uint32_t suite, std::string* why) {
  std::vector<std::uint16_t> out;
  if (suite_kx(suite) != SuiteKx::ecdhe) return out;
  for (const CurveInfo& c : provider.curves()) {
    const auto group = static_cast<std::uint16_t>(c.group);
    std::string not_here;
    if (provider.lookup(suite, &not_here, group)) {
      out.push_back(group);
    } else if (why != nullptr) {
      *why += (why->empty() ? "" : "; ") + std::string("not offering ") + group_name(group) + " for " +
              suite_display_name(suite) + ": " + not_here;
    }
  }
  return out;
}

bool is_ffdhe(std::uint16_t group) { return group >= 256 && group <= 511; }

const std::vector<std::uint16_t>& ffdhe_groups() {
  static const std::vector<std::uint16_t> groups = [] {
    std::vector<std::uint16_t> g;
    for (const FfdhePrime& f : kFfdhePrimes) g.push_back(f.group);
    return g;
  }();
  return groups;
}

const Bytes* ffdhe_prime(std::uint16_t group) {
  // Decoded once, in table order.
  static const std::vector<Bytes> primes = [] {
    std::vector<Bytes> p;
    for (const FfdhePrime& f : kFfdhePrimes) p.push_back(from_hex(f.hex));
    return p;
  }();
  for (std::size_t i = 0; i < kFfdhePrimes.size(); ++i)
    if (kFfdhePrimes[i].group == group) return &primes[i];
  return nullptr;
}

std::optional<std::uint16_t> ffdhe_group_of(ByteView p) {
  for (std::uint16_t g : ffdhe_groups()) {
    const Bytes& prime = *ffdhe_prime(g);
    if (std::equal(p.begin(), p.end(), prime.begin(), prime.end())) return g;
  }
  return std::nullopt;
}

std::optional<std::uint16_t> choose_ffdhe_group(const std::vector<std::uint16_t>& offered) {
  if (std::none_of(offered.begin(), offered.end(), is_ffdhe)) return named_group::ffdhe2048;
  for (std::uint16_t g : offered)
    if (ffdhe_prime(g) != nullptr) return g;
  return std::nullopt;
}

}  // namespace sslp11::tls
