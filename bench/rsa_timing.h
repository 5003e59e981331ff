// The server's RSA key exchange (TLS 1.2 ClientKeyExchange, RFC 5246
// §7.4.7.1) timed per ciphertext, for a dudect-style test of whether a bad
// ciphertext takes a different time than a good one: through the provider
// (SslImportMasterKey, then SslFreeObject of the master) and as the raw token
// sequence the provider makes for it, written straight against the module's
// function list, so that a difference the token itself has shows up on both
// sides and one sslp11 adds shows up on the provider side only.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bench/operations.h"
#include "core/support/server_key.h"

namespace sslp11::bench {

// The four ciphertext classes, in table order.
enum class CtClass : std::size_t { valid, bad_padding, wrong_length, wrong_version };
inline constexpr std::size_t kCtClasses = 4;
const char* ct_class_name(std::size_t c);

using CtBytes = std::vector<std::uint8_t>;
using CiphertextSets = std::array<std::vector<CtBytes>, kCtClasses>;

// `n` different ciphertexts per class under `server_public`, made by OpenSSL:
//  valid          PKCS#1 v1.5 of a random 48-byte pre-master starting with `version`;
//  bad_padding    a random block not starting 00 02, encrypted raw (RSA_NO_PADDING);
//  wrong_length   PKCS#1 v1.5 of 47 bytes (even i) or 49 bytes (odd i), right version;
//  wrong_version  PKCS#1 v1.5 of 48 bytes whose first two are not `version`.
CiphertextSets make_ciphertexts(EVP_PKEY* server_public, std::size_t n, std::uint16_t version);

// One timed operation: the part that answers the ClientKeyExchange (op) and
// the clean-up after it, each in ns; whether the operation refused the
// ciphertext (provider: a status other than ERROR_SUCCESS; raw: the token's
// C_Decrypt / C_UnwrapKey failed); on the raw native side, whether the
// master derivation from the unwrapped pre-master failed (a pre-master the
// token unwrapped but will not derive from); the PKCS#11 calls the provider
// made for import and free (0 on the raw side). The counts are shown next to
// the timings: they say which code paths each class took.
struct Timing {
  std::int64_t op_ns = 0;
  std::int64_t cleanup_ns = 0;
  bool rejected = false;
  bool derive_refused = false;
  std::uint64_t calls = 0;
};

// One token (BenchToken: the provider and the raw access), an RSA-2048 server
// key generated on it (tests' ServerRsaKey), and a raw session that sees that
// key's private half.
class RsaTimingTarget {
 public:
  // token: "softhsm" or "nss".
  explicit RsaTimingTarget(const std::string& token);
  ~RsaTimingTarget();
  RsaTimingTarget(const RsaTimingTarget&) = delete;
  RsaTimingTarget& operator=(const RsaTimingTarget&) = delete;

  const std::string& name() const noexcept { return token_.name(); }
  bool native() const noexcept { return native_; }
  const char* suite_name() const noexcept { return suite_->name.data(); }
  std::uint16_t client_version() const noexcept { return kTls12; }
  EVP_PKEY* server_public() const noexcept { return key_->openssl_public(); }

  // SslImportMasterKey(NCRYPT_SSL_SERVER_FLAG) timed as op, SslFreeObject of the master as clean-up.
  Timing provider_import(std::span<const std::uint8_t> ciphertext);
  // The provider's token calls for the same import (see rsa_timing.cpp), its
  // objects' destruction as clean-up.
  Timing raw_import(std::span<const std::uint8_t> ciphertext);

 private:
  Timing raw_composed(std::span<std::uint8_t> ciphertext);
  Timing raw_native(std::span<std::uint8_t> ciphertext);
  CK_OBJECT_HANDLE find_raw_private_key() const;

  BenchToken& token_;
  bool native_;
  const core::CipherSuite* suite_;
  std::unique_ptr<coretest::ServerRsaKey> key_;
  coretest::ParamList params_;  // the randoms and NCRYPTBUFFER_SSL_HIGHEST_VERSION, as a server passes them
  std::unique_ptr<RawSession> session_;
  CK_OBJECT_HANDLE raw_private_ = CK_INVALID_HANDLE;
  Randoms raw_randoms_;         // the same randoms, writable (PKCS#11 params take non-const pointers)
  CtBytes scratch_;             // the ciphertext as the provider gets it (PBYTE, not const)
};

}  // namespace sslp11::bench
