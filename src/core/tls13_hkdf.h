// HKDF (RFC 5869) on a token, the primitive under the TLS 1.3 key schedule,
// in two interchangeable implementations:
//   native   (tls13_native_hkdf.cpp)   - CKM_HKDF_DERIVE makes every output a
//             token object; CKM_HKDF_DATA gives the outputs that are the
//             caller's (IVs, exporter output). One C_DeriveKey per Extract and
//             per Expand. NSS softoken.
//   composed (tls13_composed_hkdf.cpp) - HMAC by C_Sign keyed by token objects;
//             outputs pass through wiped host buffers into C_CreateObject.
//             SoftHSMv2. What crosses host memory is listed at the top of that file.
// The zero salt and zero IKM of the schedule (RFC 8446 §7.1 "0") are passed as
// nullptr; each implementation knows how its token takes them.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>

#include "core/cipher_suites.h"
#include "core/tls13_templates.h"
#include "pkcs11/capabilities.h"
#include "pkcs11/object.h"

namespace sslp11::core {

// The object to make from an HKDF output.
struct Tls13Output {
  tls13_templates::Use use;
  CK_KEY_TYPE type;  // CKK_GENERIC_SECRET, CKK_AES, CKK_CHACHA20
  std::size_t bytes;
};

// One Hash.length-zeros secret per hash, made once per token and shared by
// every schedule on it (a public value: HMAC keyed or fed by zeros is the
// "0" of RFC 8446 §7.1). Made again when the session that made it is lost.
class Tls13ZeroKeys {
 public:
  Tls13ZeroKeys(std::shared_ptr<p11::SessionPool> pool, p11::DerivationPath path) : pool_(std::move(pool)), path_(path) {}
  // The handle of the zeros object of `hash_bytes` (32 or 48), made with `lease` if needed.
  CK_OBJECT_HANDLE get(const p11::Lease& lease, std::size_t hash_bytes);

 private:
  std::shared_ptr<p11::SessionPool> pool_;
  p11::DerivationPath path_;
  std::mutex mutex_;
  p11::Object sha256_, sha384_;
};

class Tls13Hkdf {
 public:
  virtual ~Tls13Hkdf() = default;
  virtual p11::DerivationPath path() const noexcept = 0;

  // HKDF-Extract(salt, IKM) as a token object. salt nullptr = Hash.length
  // zeros; ikm nullptr = Hash.length zeros, else a token object of
  // `ikm_bytes` bytes (an (EC)DHE secret) or of any length (0: a PSK).
  virtual p11::Object extract(const p11::Lease& lease, HashAlg hash, const p11::Object* salt,
                              const p11::Object* ikm, std::size_t ikm_bytes, const Tls13Output& out) const = 0;

  // HKDF-Expand(prk, info, out.bytes) as a token object.
  virtual p11::Object expand(const p11::Lease& lease, HashAlg hash, const p11::Object& prk,
                             std::span<const std::uint8_t> info, const Tls13Output& out) const = 0;

  // HKDF-Expand(prk, info, out.size()) into the caller's buffer: only for
  // values that leave the token by design (write IVs, exporter output).
  virtual void expand_data(const p11::Lease& lease, HashAlg hash, const p11::Object& prk,
                           std::span<const std::uint8_t> info, std::span<std::uint8_t> out) const = 0;
};

std::unique_ptr<Tls13Hkdf> make_native_hkdf(std::shared_ptr<p11::SessionPool> pool);
std::unique_ptr<Tls13Hkdf> make_composed_hkdf(std::shared_ptr<p11::SessionPool> pool, const p11::Capabilities& caps);

}  // namespace sslp11::core
