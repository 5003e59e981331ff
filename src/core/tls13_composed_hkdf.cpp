// HKDF composed from the token's HMAC (RFC 5869 §2.2-2.3), for tokens without
// CKM_HKDF_DERIVE (SoftHSMv2): HMAC(key, message) is C_SignInit + C_Sign with
// CKM_SHA256_HMAC / CKM_SHA384_HMAC, and the key is always a token object.
//
// What crosses host memory on this path (every copy a wiped buffer, gone
// before the call returns; docs/security.md, "TLS 1.3 key schedule (core)"):
//  * every HKDF output, between the C_Sign that computes it and the
//    C_CreateObject that makes it a sensitive, non-extractable token object:
//    the early, handshake and master secrets, the "derived" salts, the traffic
//    secrets and their "traffic upd" successors, the exporter, early-exporter
//    and resumption masters, the binder keys, resumption PSKs, finished keys
//    and write keys;
//  * the write IVs and exporter output, which are the caller's anyway;
//  * the two IKMs HKDF-Extract takes as its HMAC *message*, which HMAC reads
//    from the host: the (EC)DHE shared secret and the PSK. They are made
//    readable (CKA_SENSITIVE false, CKA_EXTRACTABLE true) on this path only,
//    read once by extract() and never again. These are the documented
//    exceptions to "a secret made on the token is never readable".
// The HMAC keys are the salts and PRKs -- all Hash.length, which SoftHSMv2's
// HMAC minimum (the hash length) accepts; the zero salt is a Hash.length
// zeros object (HMAC pads a shorter key with zeros, so it is the RFC's "0").
#include <algorithm>
#include <string>

#include "core/error.h"
#include "core/tls13_hkdf.h"
#include "pkcs11/attributes.h"
#include "pkcs11/error.h"
#include "pkcs11/secure_buffer.h"

namespace sslp11::core {

namespace {

constexpr std::size_t kMaxHash = 64;

class ComposedHkdf final : public Tls13Hkdf {
 public:
  ComposedHkdf(std::shared_ptr<p11::SessionPool> pool, const p11::Capabilities& caps)
      : pool_(pool), zeros_(std::move(pool), p11::DerivationPath::composed), caps_(caps) {}
  p11::DerivationPath path() const noexcept override { return p11::DerivationPath::composed; }

  p11::Object extract(const p11::Lease& lease, HashAlg hash, const p11::Object* salt, const p11::Object* ikm,
                      std::size_t ikm_bytes, const Tls13Output& out) const override {
    const std::size_t n = hash_bytes(hash);
    check_hmac_key(hash);
    const CK_OBJECT_HANDLE key = salt != nullptr ? salt->handle() : zeros_.get(lease, n);
    p11::SecureBytes message = ikm != nullptr ? read_ikm(lease, *ikm, ikm_bytes) : p11::SecureBytes(n);  // n zeros
    p11::SecretArray<kMaxHash> prk;
    hmac(lease, hash, key, message.span(), prk.first(n));
    return create(lease, out, prk.first(std::min(n, out.bytes)));
  }

  p11::Object expand(const p11::Lease& lease, HashAlg hash, const p11::Object& prk, std::span<const std::uint8_t> info,
                     const Tls13Output& out) const override {
    p11::SecureBytes okm(out.bytes);
    expand_into(lease, hash, prk.handle(), info, okm.span());
    return create(lease, out, okm.span());
  }

  void expand_data(const p11::Lease& lease, HashAlg hash, const p11::Object& prk, std::span<const std::uint8_t> info,
                   std::span<std::uint8_t> out) const override {
    expand_into(lease, hash, prk.handle(), info, out);
  }

 private:
  void check_hmac_key(HashAlg hash) const {
    const std::size_t min = caps_.min_hmac_key_bytes(hmac_mechanism(hash));
    if (min > hash_bytes(hash)) {
      throw Error(Fault::not_supported, "the token's " + p11::mechanism_name(hmac_mechanism(hash)) +
                                            " needs keys of at least " + std::to_string(min) +
                                            " bytes, longer than the TLS 1.3 secrets of its hash");
    }
  }

  // The IKM's value, in one C_GetAttributeValue when its length is known
  // (the (EC)DHE secret: once per handshake), in two otherwise (a PSK).
  static p11::SecureBytes read_ikm(const p11::Lease& lease, const p11::Object& ikm, std::size_t ikm_bytes) {
    const auto unreadable = [] {
      return Error(Fault::wrong_key,
                   "the composed TLS 1.3 key schedule must read the PSK or (EC)DHE secret it extracts from "
                   "(HMAC takes its message from the host), and this one is sensitive or of another length");
    };
    if (ikm_bytes != 0) {
      p11::SecureBytes value(ikm_bytes);
      CK_ATTRIBUTE attr{CKA_VALUE, value.data(), value.size()};
      const CK_RV rv = lease.api().C_GetAttributeValue(lease.handle(), ikm.handle(), {&attr, 1});
      if (rv == CKR_OK && attr.ulValueLen == ikm_bytes) return value;
      if (p11::is_session_lost(rv)) throw p11::Error(rv, "C_GetAttributeValue");
      throw unreadable();
    }
    auto value = p11::read_secret_bytes(lease.api(), lease.handle(), ikm.handle(), CKA_VALUE);
    if (!value) throw unreadable();
    return std::move(*value);
  }

  static void hmac(const p11::Lease& lease, HashAlg hash, CK_OBJECT_HANDLE key, std::span<const std::uint8_t> message,
                   std::span<std::uint8_t> mac) {
    CK_MECHANISM mech{hmac_mechanism(hash), nullptr, 0};
    lease.api().C_SignInit(lease.handle(), mech, key);
    const std::size_t got = lease.api().C_Sign(lease.handle(), message, mac);
    if (got != mac.size()) throw Error(Fault::internal, "the token's HMAC returned an unexpected length");
  }

  // RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) || info || i), one C_Sign per block.
  void expand_into(const p11::Lease& lease, HashAlg hash, CK_OBJECT_HANDLE prk, std::span<const std::uint8_t> info,
                   std::span<std::uint8_t> out) const {
    const std::size_t n = hash_bytes(hash);
    check_hmac_key(hash);
    if (out.empty() || out.size() > 255 * n) {
      throw Error(Fault::invalid_parameter, "HKDF-Expand gives 1.." + std::to_string(255 * n) + " bytes, not " +
                                                std::to_string(out.size()));
    }
    // buffer = T(i-1) || info || i; the first block has no T(0).
    p11::SecureBytes buffer(n + info.size() + 1);
    std::copy(info.begin(), info.end(), buffer.data() + n);
    p11::SecretArray<kMaxHash> block;
    std::size_t done = 0;
    for (std::uint8_t i = 1; done < out.size(); ++i) {
      buffer.data()[n + info.size()] = i;
      const auto message = i == 1 ? buffer.span().subspan(n) : buffer.span();
      hmac(lease, hash, prk, message, block.first(n));
      const std::size_t take = std::min(n, out.size() - done);
      std::copy_n(block.data(), take, out.begin() + static_cast<std::ptrdiff_t>(done));
      std::copy_n(block.data(), n, buffer.data());
      done += take;
    }
  }

  p11::Object create(const p11::Lease& lease, const Tls13Output& out, std::span<const std::uint8_t> value) const {
    auto t = tls13_templates::created(p11::DerivationPath::composed, out.use, out.type, value);
    return p11::Object(pool_, lease, lease.api().C_CreateObject(lease.handle(), t.span()));
  }

  std::shared_ptr<p11::SessionPool> pool_;
  mutable Tls13ZeroKeys zeros_;
  p11::Capabilities caps_;
};

}  // namespace

std::unique_ptr<Tls13Hkdf> make_composed_hkdf(std::shared_ptr<p11::SessionPool> pool, const p11::Capabilities& caps) {
  return std::make_unique<ComposedHkdf>(std::move(pool), caps);
}

}  // namespace sslp11::core
