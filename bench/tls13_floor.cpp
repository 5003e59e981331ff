#include "bench/tls13_floor.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

#include "core/tls13_hkdf_label.h"
#include "bench/raw_attributes.h"
#include "pkcs11/tls_params.h"

namespace sslp11::bench {

namespace {

using namespace raw;

// tls13_templates::derived / created: the base attributes of `use` on the
// path, then CKA_VALUE_LEN or CKA_VALUE (the last slot).
struct Template {
  std::array<CK_ATTRIBUTE, 8> a{};
  std::size_t n = 0;
  CK_KEY_TYPE type;
  CK_ULONG len = 0;
  Template(bool native, Tls13Floor::Use use, CK_KEY_TYPE key_type) : type(key_type) {
    using Use = Tls13Floor::Use;
    const bool readable = use == Use::ikm && !native;
    a[n++] = attr(CKA_CLASS, &kSecretClass, sizeof kSecretClass);
    a[n++] = attr(CKA_KEY_TYPE, &type, sizeof type);
    a[n++] = flag(CKA_TOKEN, false);
    a[n++] = flag(CKA_SENSITIVE, !readable);
    a[n++] = flag(CKA_EXTRACTABLE, readable);
    switch (use) {
      case Use::chain:
      case Use::ikm:
        if (native) {
          a[n++] = flag(CKA_DERIVE, true);
        } else if (use == Use::chain) {
          a[n++] = flag(CKA_SIGN, true);
        }
        break;
      case Use::finished:
        a[n++] = flag(CKA_SIGN, true);
        break;
      case Use::record:
        a[n++] = flag(CKA_ENCRYPT, true);
        a[n++] = flag(CKA_DECRYPT, true);
        break;
    }
  }
  Template& value_len(std::size_t bytes) {
    len = bytes;
    a[n++] = attr(CKA_VALUE_LEN, &len, sizeof len);
    return *this;
  }
  Template& value(std::span<const std::uint8_t> v) {
    a[n++] = attr(CKA_VALUE, const_cast<std::uint8_t*>(v.data()), v.size());
    return *this;
  }
};

CK_HKDF_PARAMS expand_params(const core::Tls13Suite& suite, core::HkdfLabel& info) {
  return CK_HKDF_PARAMS{CK_FALSE, CK_TRUE, core::hash_mechanism(suite.hash), CKF_HKDF_SALT_NULL, nullptr, 0,
                        CK_INVALID_HANDLE, info.data(), info.size()};
}

}  // namespace

CK_OBJECT_HANDLE Tls13Floor::make_zeros(CK_SESSION_HANDLE s, std::size_t hash_bytes) const {
  static constexpr std::array<std::uint8_t, 48> kZeros{};
  return create(s, Use::chain, CKK_GENERIC_SECRET, std::span(kZeros).first(hash_bytes));
}

CK_OBJECT_HANDLE Tls13Floor::ecdh(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv, std::span<const std::uint8_t> peer_point,
                                  std::size_t z_bytes) const {
  CK_ECDH1_DERIVE_PARAMS params{CKD_NULL, 0, nullptr, peer_point.size(), const_cast<std::uint8_t*>(peer_point.data())};
  return derive_hkdf(s, CKM_ECDH1_DERIVE, &params, priv, Use::ikm, CKK_GENERIC_SECRET, z_bytes);
}

CK_OBJECT_HANDLE Tls13Floor::extract(CK_SESSION_HANDLE s, const core::Tls13Suite& suite, CK_OBJECT_HANDLE zeros,
                                     CK_OBJECT_HANDLE salt, CK_OBJECT_HANDLE ikm, std::size_t ikm_bytes) const {
  const std::size_t n = suite.hash_bytes();
  if (native_) {
    CK_HKDF_PARAMS params{CK_TRUE, CK_FALSE, core::hash_mechanism(suite.hash), CKF_HKDF_SALT_NULL, nullptr, 0,
                          CK_INVALID_HANDLE, nullptr, 0};
    if (salt != CK_INVALID_HANDLE) {
      params.ulSaltType = CKF_HKDF_SALT_KEY;
      params.hSaltKey = salt;
    }
    return derive_hkdf(s, CKM_HKDF_DERIVE, &params, ikm != CK_INVALID_HANDLE ? ikm : zeros, Use::chain,
                       CKK_GENERIC_SECRET, n);
  }
  std::uint8_t message[kMaxHash]{};  // Hash.length zeros unless the IKM is read into it
  std::size_t message_len = n;
  if (ikm != CK_INVALID_HANDLE) {
    CK_ATTRIBUTE value{CKA_VALUE, message, ikm_bytes};
    FLOOR_CALL(fl_, C_GetAttributeValue, s, ikm, &value, 1);
    message_len = ikm_bytes;
  }
  std::uint8_t prk[kMaxHash];
  hmac(s, suite, salt != CK_INVALID_HANDLE ? salt : zeros, {message, message_len}, {prk, n});
  const CK_OBJECT_HANDLE out = create(s, Use::chain, CKK_GENERIC_SECRET, {prk, n});
  wipe(message, sizeof message);
  wipe(prk, sizeof prk);
  return out;
}

CK_OBJECT_HANDLE Tls13Floor::expand_label(CK_SESSION_HANDLE s, const core::Tls13Suite& suite, CK_OBJECT_HANDLE secret,
                                          std::string_view label, std::span<const std::uint8_t> context, Use use,
                                          CK_KEY_TYPE type, std::size_t bytes) const {
  core::HkdfLabel info(bytes, label, context);
  if (native_) {
    CK_HKDF_PARAMS params = expand_params(suite, info);
    return derive_hkdf(s, CKM_HKDF_DERIVE, &params, secret, use, type, bytes);
  }
  // Every output of a 1-RTT schedule fits HKDF-Expand's first block T(1) = HMAC(PRK, info || 1).
  const std::size_t n = suite.hash_bytes();
  if (bytes > n) throw std::logic_error("the floor expands at most one block");
  std::uint8_t message[2 + 1 + 255 + 1 + 255 + 1];
  std::memcpy(message, info.data(), info.size());
  message[info.size()] = 1;
  std::uint8_t block[kMaxHash];
  hmac(s, suite, secret, {message, info.size() + 1}, {block, n});
  const CK_OBJECT_HANDLE out = create(s, use, type, {block, bytes});
  wipe(block, sizeof block);
  return out;
}

void Tls13Floor::expand_label_data(CK_SESSION_HANDLE s, const core::Tls13Suite& suite, CK_OBJECT_HANDLE secret,
                                   std::string_view label, std::span<std::uint8_t> out) const {
  core::HkdfLabel info(out.size(), label, {});
  if (native_) {
    CK_HKDF_PARAMS params = expand_params(suite, info);
    CK_MECHANISM mech{CKM_HKDF_DATA, &params, sizeof params};
    // tls13_templates::data = templates::readable_secret
    CK_ULONG len = out.size();
    CK_ATTRIBUTE t[] = {attr(CKA_CLASS, &kSecretClass, sizeof kSecretClass), attr(CKA_KEY_TYPE, &kGeneric, sizeof kGeneric),
                        flag(CKA_TOKEN, false), flag(CKA_SENSITIVE, false), flag(CKA_EXTRACTABLE, true),
                        flag(CKA_DERIVE, false), flag(CKA_SIGN, false), attr(CKA_VALUE_LEN, &len, sizeof len)};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    FLOOR_CALL(fl_, C_DeriveKey, s, &mech, secret, t, std::size(t), &h);
    CK_ATTRIBUTE value{CKA_VALUE, out.data(), out.size()};
    FLOOR_CALL(fl_, C_GetAttributeValue, s, h, &value, 1);
    destroy(s, h);
    return;
  }
  const std::size_t n = suite.hash_bytes();
  if (out.size() > n) throw std::logic_error("the floor expands at most one block");
  std::uint8_t message[2 + 1 + 255 + 1 + 255 + 1];
  std::memcpy(message, info.data(), info.size());
  message[info.size()] = 1;
  std::uint8_t block[kMaxHash];
  hmac(s, suite, secret, {message, info.size() + 1}, {block, n});
  std::memcpy(out.data(), block, out.size());
  wipe(block, sizeof block);
}

void Tls13Floor::digest(CK_SESSION_HANDLE s, const core::Tls13Suite& suite, std::span<const std::uint8_t> messages,
                        std::span<std::uint8_t> out) const {
  CK_MECHANISM mech{core::hash_mechanism(suite.hash), nullptr, 0};
  CK_ULONG n = out.size();
  FLOOR_CALL(fl_, C_DigestInit, s, &mech);
  FLOOR_CALL(fl_, C_Digest, s, const_cast<std::uint8_t*>(messages.data()), messages.size(), out.data(), &n);
}

void Tls13Floor::finished(CK_SESSION_HANDLE s, const core::Tls13Suite& suite, CK_OBJECT_HANDLE traffic,
                          std::span<const std::uint8_t> transcript_hash, std::span<std::uint8_t> out) const {
  const std::size_t n = suite.hash_bytes();
  const CK_OBJECT_HANDLE key = expand_label(s, suite, traffic, "finished", {}, Use::finished, CKK_GENERIC_SECRET, n);
  hmac(s, suite, key, transcript_hash, out.first(n));
  destroy(s, key);
}

void Tls13Floor::destroy(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o) const { FLOOR_CALL(fl_, C_DestroyObject, s, o); }

void Tls13Floor::hmac(CK_SESSION_HANDLE s, const core::Tls13Suite& suite, CK_OBJECT_HANDLE key,
                      std::span<const std::uint8_t> message, std::span<std::uint8_t> mac) const {
  CK_MECHANISM mech{core::hmac_mechanism(suite.hash), nullptr, 0};
  CK_ULONG n = mac.size();
  FLOOR_CALL(fl_, C_SignInit, s, &mech, key);
  FLOOR_CALL(fl_, C_Sign, s, const_cast<std::uint8_t*>(message.data()), message.size(), mac.data(), &n);
}

CK_OBJECT_HANDLE Tls13Floor::derive_hkdf(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mechanism, void* params,
                                         CK_OBJECT_HANDLE base, Use use, CK_KEY_TYPE type, std::size_t bytes) const {
  const CK_ULONG params_len = mechanism == CKM_ECDH1_DERIVE ? sizeof(CK_ECDH1_DERIVE_PARAMS) : sizeof(CK_HKDF_PARAMS);
  CK_MECHANISM mech{mechanism, params, params_len};
  Template t(native_, use, type);
  t.value_len(bytes);
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  FLOOR_CALL(fl_, C_DeriveKey, s, &mech, base, t.a.data(), t.n, &h);
  return h;
}

CK_OBJECT_HANDLE Tls13Floor::create(CK_SESSION_HANDLE s, Use use, CK_KEY_TYPE type,
                                    std::span<const std::uint8_t> value) const {
  Template t(native_, use, type);
  t.value(value);
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  FLOOR_CALL(fl_, C_CreateObject, s, t.a.data(), t.n, &h);
  return h;
}

}  // namespace sslp11::bench
