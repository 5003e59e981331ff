// The raw PKCS#11 floor of the TLS 1.3 key schedule (RFC 8446 §7.1-7.3): the
// fewest token calls that leave the token with the same objects as
// core::Tls13Schedule does through the Ssl* API -- same classes, key types,
// lengths, attributes -- written straight against the module's function list
// in the floor's own session (bench/raw_token.h counts every call).
//   native   (NSS softoken): one C_DeriveKey(CKM_HKDF_DERIVE) per Extract and
//            per Expand; an IV is C_DeriveKey(CKM_HKDF_DATA) + one read + destroy.
//   composed (SoftHSMv2): HMAC as C_SignInit + C_Sign keyed by token objects,
//            each secret then one C_CreateObject; the (EC)DHE secret is read once.
// Templates are stack arrays restating src/core/tls13_templates.cpp attribute
// for attribute (the ratio means nothing otherwise).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "bench/raw_token.h"
#include "core/tls13_suites.h"

namespace sslp11::bench {

class Tls13Floor {
 public:
  enum class Use { chain, ikm, finished, record };

  Tls13Floor(CK_FUNCTION_LIST* fl, bool native) : fl_(fl), native_(native) {}
  bool native() const noexcept { return native_; }

  // The Hash.length zeros secret (the "0" of RFC 8446 §7.1), made once per
  // token and hash before any timing, as the provider's Tls13ZeroKeys does.
  CK_OBJECT_HANDLE make_zeros(CK_SESSION_HANDLE s, std::size_t hash_bytes) const;

  // The (EC)DHE secret: C_DeriveKey(CKM_ECDH1_DERIVE), the IKM template of the path.
  CK_OBJECT_HANDLE ecdh(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv, std::span<const std::uint8_t> peer_point,
                        std::size_t z_bytes) const;

  // HKDF-Extract(salt, ikm) as a chain secret. salt CK_INVALID_HANDLE: the
  // zero salt (native: CKF_HKDF_SALT_NULL; composed: the zeros object as HMAC
  // key). ikm CK_INVALID_HANDLE: Hash.length zeros (native: the zeros object
  // as base key; composed: zeros as the HMAC message).
  CK_OBJECT_HANDLE extract(CK_SESSION_HANDLE s, const core::Tls13Suite& suite, CK_OBJECT_HANDLE zeros,
                           CK_OBJECT_HANDLE salt, CK_OBJECT_HANDLE ikm, std::size_t ikm_bytes) const;
  // HKDF-Expand-Label(secret, label, context, bytes) as a token object.
  CK_OBJECT_HANDLE expand_label(CK_SESSION_HANDLE s, const core::Tls13Suite& suite, CK_OBJECT_HANDLE secret,
                                std::string_view label, std::span<const std::uint8_t> context, Use use,
                                CK_KEY_TYPE type, std::size_t bytes) const;
  // HKDF-Expand-Label(secret, label, "", out.size()) into host memory (an IV).
  void expand_label_data(CK_SESSION_HANDLE s, const core::Tls13Suite& suite, CK_OBJECT_HANDLE secret,
                         std::string_view label, std::span<std::uint8_t> out) const;

  // Hash(messages) on the token: C_DigestInit + C_Digest.
  void digest(CK_SESSION_HANDLE s, const core::Tls13Suite& suite, std::span<const std::uint8_t> messages,
              std::span<std::uint8_t> out) const;
  // verify_data = HMAC(finished_key, transcript hash); the finished key destroyed.
  void finished(CK_SESSION_HANDLE s, const core::Tls13Suite& suite, CK_OBJECT_HANDLE traffic,
                std::span<const std::uint8_t> transcript_hash, std::span<std::uint8_t> out) const;

  void destroy(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o) const;

 private:
  void hmac(CK_SESSION_HANDLE s, const core::Tls13Suite& suite, CK_OBJECT_HANDLE key,
            std::span<const std::uint8_t> message, std::span<std::uint8_t> mac) const;
  CK_OBJECT_HANDLE derive_hkdf(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, void* params, CK_OBJECT_HANDLE base,
                               Use use, CK_KEY_TYPE type, std::size_t bytes) const;
  CK_OBJECT_HANDLE create(CK_SESSION_HANDLE s, Use use, CK_KEY_TYPE type, std::span<const std::uint8_t> value) const;

  CK_FUNCTION_LIST* fl_;
  bool native_;
};

}  // namespace sslp11::bench
