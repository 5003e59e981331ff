// The program's view of sslp11: an open provider, RAII for the handles the
// Ssl* calls return, status checking that carries sslp11's explanation, and
// the catalogue questions the handshake asks (which suites, which curves, why
// a suite cannot run). Every call here is a public Ssl* or Sslp11* function.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <sslp11/sslprovider.hpp>

#include "tls/bytes.h"

namespace sslp11::tls {

// An Ssl* call failed. what() = "SslXxx: 0x80090029 NTE_NOT_SUPPORTED: <sslp11's explanation>".
class ProviderError : public std::runtime_error {
 public:
  ProviderError(SECURITY_STATUS status, const std::string& call, const std::string& why);
  SECURITY_STATUS status() const noexcept { return status_; }
  const std::string& call() const noexcept { return call_; }
  const std::string& explanation() const noexcept { return why_; }

 private:
  SECURITY_STATUS status_;
  std::string call_, why_;
};

// Throws ProviderError unless `status` is ERROR_SUCCESS.
void check(SECURITY_STATUS status, const char* call);

// One object from an Ssl* call, released with SslFreeObject; an
// NCryptBufferDesc over buffers it owns (the randoms, version, session hash
// of §3.6). The public C++ layer's types, under the names this program uses.
using SslObject = ::sslp11::SslHandle;
using ParameterList = ::sslp11::BufferDescBuilder;

// One suite the token can run, as SslEnumCipherSuites describes it.
struct SuiteInfo {
  std::uint32_t id = 0;
  std::string name;         // IANA name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
  std::string exchange;     // "ECDH", "DH", "RSA"
  std::string certificate;  // "RSA", "ECDSA"
  std::string cipher;       // "AES", "CHACHA20_POLY1305"
  std::string hash;         // szHash
  std::uint32_t cipher_bits = 0;
};

struct CurveInfo {
  std::uint32_t group = 0;  // IANA named group
  std::uint32_t bits = 0;
  std::string name;
};

class Provider {
 public:
  // SslOpenProvider(NULL): the token named by the config in $SSLP11_CONF.
  Provider();
  ~Provider();
  Provider(const Provider&) = delete;
  Provider& operator=(const Provider&) = delete;

  NCRYPT_PROV_HANDLE get() const noexcept { return handle_; }
  // SslGetProviderProperty(SSLP11_DERIVATION_PATH_PROPERTY): "native" / "composed".
  std::string derivation_path() const;
  std::string token_label() const;

  // SslEnumCipherSuites, optionally filtered by a private key.
  std::vector<SuiteInfo> suites(NCRYPT_KEY_HANDLE private_key = 0) const;
  std::vector<CurveInfo> curves() const;
  // SslLookupCipherSuiteInfo for TLS 1.2; nullopt and the provider's reason
  // ("token lacks CKM_CHACHA20_POLY1305") when the token cannot run it.
  // `key_type`: 0, or for an ECDHE suite the IANA curve id (23 = P-256):
  // can the token finish the suite on that curve.
  std::optional<SuiteInfo> lookup(std::uint32_t suite, std::string* why_not = nullptr, DWORD key_type = 0) const;
  NCRYPT_SSL_CIPHER_LENGTHS lengths(std::uint32_t suite, DWORD protocol = TLS1_2_PROTOCOL_VERSION) const;

  // TLS 1.3 (protocol 0x0304): the suites the token runs (SslEnumCipherSuites
  // entries of that protocol), whether one of them runs
  // (SslLookupCipherSuiteInfo), and its hash (SslGetCipherSuitePRFHashAlgorithm:
  // "SHA256" / "SHA384").
  std::vector<SuiteInfo> suites13() const;
  bool runs13(std::uint32_t suite, std::string* why_not = nullptr) const;
  std::string hash13(std::uint32_t suite) const;

 private:
  NCRYPT_PROV_HANDLE handle_ = 0;
};

std::string narrow(const WCHAR* s, std::size_t max);

}  // namespace sslp11::tls
