// The pool key's facts that the provider core (core/pool_blobs.*, which wraps
// TLS 1.2 masters under it) and sslp11-admin's pool-key ceremony (which puts
// it on the members) must agree on: its label and attributes, how it is
// found on a token, and its check value. One copy here, in the PKCS#11 layer
// both may use (docs/security.md, "Pool key").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "pkcs11/api.h"
#include "pkcs11/attributes.h"

namespace sslp11::p11::pool_key {

inline constexpr std::string_view kLabel = "sslp11-pool-key";
inline constexpr CK_ULONG kKeyBytes = 32;  // AES-256
inline constexpr std::size_t kTagBytes = 32;
inline constexpr std::size_t kCheckValueBytes = 8;

// A pool key's attributes, for C_GenerateKey, C_UnwrapKey or C_CreateObject
// (the caller adds CKA_VALUE or CKA_VALUE_LEN): a private token object,
// CKK_AES, label kLabel, CKA_WRAP, CKA_UNWRAP and CKA_DERIVE, sensitive.
// `extractable` only while the ceremony still has to copy it (CKA_EXTRACTABLE
// may later go from true to false, never back).
AttributeTemplate attributes(bool extractable);

// The pool key on the token of session `s` (a token object labelled kLabel,
// CKK_AES), or nothing when it has none.
std::optional<CK_OBJECT_HANDLE> find(const Api& api, CK_SESSION_HANDLE s);

// The tag key, derived on the token from the pool key for one use
// (CKM_AES_ECB_ENCRYPT_DATA over a fixed string: every member derives the
// same key) and destroyed when this goes: a sensitive session object in `s`.
class TagKey {
 public:
  TagKey(const Api& api, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pool_key);
  TagKey(const TagKey&) = delete;
  TagKey& operator=(const TagKey&) = delete;
  ~TagKey();

  // HMAC-SHA256 of `data`, computed on the token.
  std::array<std::uint8_t, kTagBytes> mac(std::span<const std::uint8_t> data) const;

  // The pool key's check value: the first 8 bytes of the HMAC of a fixed
  // string. Equal on two members exactly when they hold the same pool key;
  // it names the key without being usable to forge a tag.
  std::array<std::uint8_t, kCheckValueBytes> check_value() const;

 private:
  const Api& api_;
  CK_SESSION_HANDLE session_;
  CK_OBJECT_HANDLE handle_ = CK_INVALID_HANDLE;
};

}  // namespace sslp11::p11::pool_key
