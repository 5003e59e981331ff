// The raw PKCS#11 floor: the fewest token calls that leave the token with the
// same objects (same classes, key types, lengths, attributes and mechanisms)
// as the provider's operation, written straight against the module's function
// list in the floor's own session. Attribute templates are arrays on the
// stack over static constants, built per call at no cost; they restate
// src/core/templates.cpp attribute for attribute (the ratio means nothing
// otherwise). Every call goes through FLOOR_CALL and is counted.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "bench/raw_token.h"
#include "core/cipher_suites.h"

namespace sslp11::bench {

struct Randoms {
  std::array<std::uint8_t, 32> client{}, server{};
};

struct FloorEphemeral {
  CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE;
  std::array<std::uint8_t, 1 + 2 * 66> point{};  // 04 || X || Y
  std::size_t point_len = 0;
};

struct FloorKeys {
  CK_OBJECT_HANDLE client_mac = CK_INVALID_HANDLE, server_mac = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE client_key = CK_INVALID_HANDLE, server_key = CK_INVALID_HANDLE;
  std::array<std::uint8_t, 16> client_iv{}, server_iv{};
};

class RawFloor {
 public:
  // `native`: the token has CKM_TLS12_* (NSS); else the composed path (HMAC
  // P_hash + C_CreateObject, SoftHSM). `tls_mac`: CKM_TLS_MAC/CKM_TLS12_MAC
  // when the token has it (Finished in one Sign), as the provider decides.
  RawFloor(CK_FUNCTION_LIST* fl, bool native, std::optional<CK_MECHANISM_TYPE> tls_mac)
      : fl_(fl), native_(native), tls_mac_(tls_mac) {}

  // C_GenerateKeyPair, one C_GetAttributeValue of CKA_EC_POINT into a buffer
  // big enough for any curve (no length query), C_DestroyObject of the public
  // half: the public point is all a handshake needs of it.
  FloorEphemeral create_ephemeral(CK_SESSION_HANDLE s, const core::NamedCurve& curve) const;

  // ECDH1 derive of the pre-master, the master secret from it, and the
  // pre-master destroyed. Native: C_DeriveKey(CKM_TLS12_MASTER_KEY_DERIVE_DH).
  // Composed: P_hash(pms, "master secret") then C_CreateObject.
  CK_OBJECT_HANDLE master_from_ecdh(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv, std::span<const std::uint8_t> peer_point,
                                    std::size_t z_bytes, const core::CipherSuite& suite, const Randoms& r) const;

  // Native: one C_DeriveKey(CKM_TLS12_KEY_AND_MAC_DERIVE), plus destroying the
  // MAC objects a token hands back for an AEAD suite (NSS does). Composed:
  // P_hash(master, "key expansion") then one C_CreateObject per key.
  FloorKeys session_keys(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE master, const core::CipherSuite& suite,
                         const Randoms& r) const;
  void destroy_keys(CK_SESSION_HANDLE s, const FloorKeys& k) const;
  void destroy(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o) const;

  // verify_data: C_DigestInit + C_Digest of the transcript on the token (as
  // the provider does), then CKM_TLS_MAC (one Sign) or P_hash.
  void finished(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE master, const core::CipherSuite& suite,
                std::span<const std::uint8_t> transcript, bool server, std::span<std::uint8_t> verify_data) const;

  // One AES-GCM record body: C_EncryptInit + C_Encrypt (C_DecryptInit + C_Decrypt).
  std::size_t gcm_encrypt(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, std::span<const std::uint8_t> nonce,
                          std::span<const std::uint8_t> aad, std::span<const std::uint8_t> in,
                          std::span<std::uint8_t> out) const;
  std::size_t gcm_decrypt(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, std::span<const std::uint8_t> nonce,
                          std::span<const std::uint8_t> aad, std::span<const std::uint8_t> in,
                          std::span<std::uint8_t> out) const;

  CK_FUNCTION_LIST* fl() const noexcept { return fl_; }
  bool native() const noexcept { return native_; }

 private:
  // P_hash as single-part HMACs: A(1), then per output block HMAC(A(i)||seed)
  // and, unless it was the last, A(i+1). No fewer calls compute it.
  void p_hash(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE hmac, std::size_t hash_len, CK_OBJECT_HANDLE key,
              std::string_view label, std::span<const std::uint8_t> seed, std::span<std::uint8_t> out) const;

  CK_FUNCTION_LIST* fl_;
  bool native_;
  std::optional<CK_MECHANISM_TYPE> tls_mac_;
};

}  // namespace sslp11::bench
