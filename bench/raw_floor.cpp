#include "bench/raw_floor.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "bench/raw_attributes.h"
#include "pkcs11/tls_params.h"

namespace sslp11::bench {

namespace {

using namespace raw;

// templates::secret_key(): class, type, session object, sensitive, not extractable.
#define SECRET_KEY_ATTRS(type_ptr)                                                                             \
  attr(CKA_CLASS, &kSecretClass, sizeof kSecretClass), attr(CKA_KEY_TYPE, type_ptr, sizeof(CK_KEY_TYPE)), \
      flag(CKA_TOKEN, false), flag(CKA_SENSITIVE, true), flag(CKA_EXTRACTABLE, false)

}  // namespace

FloorEphemeral RawFloor::create_ephemeral(CK_SESSION_HANDLE s, const core::NamedCurve& curve) const {
  // templates::ec_public / exchange_private
  CK_ATTRIBUTE pub_t[] = {flag(CKA_TOKEN, false),
                          attr(CKA_EC_PARAMS, const_cast<std::uint8_t*>(curve.der_oid.data()), curve.der_oid.size())};
  CK_ATTRIBUTE priv_t[] = {flag(CKA_TOKEN, false), flag(CKA_SENSITIVE, true), flag(CKA_EXTRACTABLE, false),
                           flag(CKA_DERIVE, true)};
  CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE;
  FloorEphemeral out;
  FLOOR_CALL(fl_, C_GenerateKeyPair, s, &mech, pub_t, 2, priv_t, 4, &pub, &out.priv);
  std::uint8_t der[8 + sizeof out.point];
  CK_ATTRIBUTE point{CKA_EC_POINT, der, sizeof der};
  FLOOR_CALL(fl_, C_GetAttributeValue, s, pub, &point, 1);
  FLOOR_CALL(fl_, C_DestroyObject, s, pub);
  // DER OCTET STRING (04 len 04 X Y; len < 128 up to P-384, 81 len for P-521) or raw.
  const std::size_t raw = 1 + 2 * curve.coordinate_bytes;
  std::size_t skip = point.ulValueLen - raw;
  if (skip > 3 || der[skip] != 0x04) throw std::runtime_error("unexpected CKA_EC_POINT encoding");
  std::memcpy(out.point.data(), der + skip, raw);
  out.point_len = raw;
  return out;
}

void RawFloor::p_hash(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE hmac, std::size_t hash_len, CK_OBJECT_HANDLE key,
                      std::string_view label, std::span<const std::uint8_t> seed, std::span<std::uint8_t> out) const {
  CK_MECHANISM mech{hmac, nullptr, 0};
  std::uint8_t buf[kMaxHash + 64 + 96];  // A(i) || label || seed
  std::uint8_t* a = buf;
  std::uint8_t* label_seed = buf + hash_len;
  const std::size_t label_seed_len = label.size() + seed.size();
  if (label_seed_len > sizeof buf - kMaxHash) throw std::logic_error("p_hash: seed too long");
  std::memcpy(label_seed, label.data(), label.size());
  std::memcpy(label_seed + label.size(), seed.data(), seed.size());
  std::uint8_t block[kMaxHash];
  CK_ULONG n = hash_len;
  FLOOR_CALL(fl_, C_SignInit, s, &mech, key);
  FLOOR_CALL(fl_, C_Sign, s, label_seed, label_seed_len, a, &n);
  std::size_t done = 0;
  while (done < out.size()) {
    n = hash_len;
    FLOOR_CALL(fl_, C_SignInit, s, &mech, key);
    FLOOR_CALL(fl_, C_Sign, s, a, hash_len + label_seed_len, block, &n);
    const std::size_t take = std::min(hash_len, out.size() - done);
    std::memcpy(out.data() + done, block, take);
    done += take;
    if (done < out.size()) {
      n = hash_len;
      FLOOR_CALL(fl_, C_SignInit, s, &mech, key);
      FLOOR_CALL(fl_, C_Sign, s, a, hash_len, a, &n);
    }
  }
  wipe(block, sizeof block);
  wipe(buf, hash_len);
}

CK_OBJECT_HANDLE RawFloor::master_from_ecdh(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv,
                                            std::span<const std::uint8_t> peer_point, std::size_t z_bytes,
                                            const core::CipherSuite& suite, const Randoms& r) const {
  // templates::premaster(z_bytes)
  CK_ULONG z_len = z_bytes;
  CK_ATTRIBUTE pms_t[] = {SECRET_KEY_ATTRS(&kGeneric), flag(CKA_DERIVE, true), flag(CKA_SIGN, true),
                          attr(CKA_VALUE_LEN, &z_len, sizeof z_len)};
  CK_ECDH1_DERIVE_PARAMS ecdh{CKD_NULL, 0, nullptr, peer_point.size(), const_cast<std::uint8_t*>(peer_point.data())};
  CK_MECHANISM ecdh_mech{CKM_ECDH1_DERIVE, &ecdh, sizeof ecdh};
  CK_OBJECT_HANDLE pms = CK_INVALID_HANDLE;
  FLOOR_CALL(fl_, C_DeriveKey, s, &ecdh_mech, priv, pms_t, std::size(pms_t), &pms);

  CK_OBJECT_HANDLE master = CK_INVALID_HANDLE;
  if (native_) {
    // templates::master(): VALUE_LEN 48, derive/sign/verify.
    CK_ULONG len48 = 48;
    CK_ATTRIBUTE master_t[] = {SECRET_KEY_ATTRS(&kGeneric), flag(CKA_DERIVE, true), flag(CKA_SIGN, true),
                               flag(CKA_VERIFY, true), attr(CKA_VALUE_LEN, &len48, sizeof len48)};
    Randoms copy = r;
    CK_TLS12_MASTER_KEY_DERIVE_PARAMS params{
        {copy.client.data(), copy.client.size(), copy.server.data(), copy.server.size()},
        nullptr,
        core::hash_mechanism(suite.prf)};
    CK_MECHANISM mech{CKM_TLS12_MASTER_KEY_DERIVE_DH, &params, sizeof params};
    FLOOR_CALL(fl_, C_DeriveKey, s, &mech, pms, master_t, std::size(master_t), &master);
  } else {
    std::uint8_t seed[64];
    std::memcpy(seed, r.client.data(), 32);
    std::memcpy(seed + 32, r.server.data(), 32);
    std::uint8_t value[48];
    p_hash(s, core::hmac_mechanism(suite.prf), core::hash_bytes(suite.prf), pms, "master secret", seed, value);
    CK_ATTRIBUTE master_t[] = {SECRET_KEY_ATTRS(&kGeneric), flag(CKA_DERIVE, true), flag(CKA_SIGN, true),
                               flag(CKA_VERIFY, true), attr(CKA_VALUE, value, sizeof value)};
    FLOOR_CALL(fl_, C_CreateObject, s, master_t, std::size(master_t), &master);
    wipe(value, sizeof value);
  }
  FLOOR_CALL(fl_, C_DestroyObject, s, pms);
  return master;
}

FloorKeys RawFloor::session_keys(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE master, const core::CipherSuite& suite,
                                 const Randoms& r) const {
  FloorKeys k;
  CK_KEY_TYPE cipher_type = core::cipher_key_type(suite.cipher);
  const std::size_t mac = suite.mac_bytes(), key = suite.key_bytes, iv = suite.fixed_iv_bytes;
  if (native_) {
    // templates::derived_write_key
    CK_ULONG key_len = key;
    CK_ATTRIBUTE t[] = {attr(CKA_CLASS, &kSecretClass, sizeof kSecretClass),
                        attr(CKA_KEY_TYPE, &cipher_type, sizeof cipher_type),
                        attr(CKA_VALUE_LEN, &key_len, sizeof key_len),
                        flag(CKA_TOKEN, false),
                        flag(CKA_SENSITIVE, true),
                        flag(CKA_EXTRACTABLE, false),
                        flag(CKA_ENCRYPT, true),
                        flag(CKA_DECRYPT, true)};
    Randoms copy = r;
    CK_SSL3_KEY_MAT_OUT out{CK_INVALID_HANDLE, CK_INVALID_HANDLE, CK_INVALID_HANDLE, CK_INVALID_HANDLE,
                            iv ? k.client_iv.data() : nullptr, iv ? k.server_iv.data() : nullptr};
    CK_TLS12_KEY_MAT_PARAMS params{mac * 8ul,
                                   key * 8ul,
                                   iv * 8ul,
                                   CK_FALSE,
                                   {copy.client.data(), copy.client.size(), copy.server.data(), copy.server.size()},
                                   &out,
                                   core::hash_mechanism(suite.prf)};
    CK_MECHANISM mech{CKM_TLS12_KEY_AND_MAC_DERIVE, &params, sizeof params};
    FLOOR_CALL(fl_, C_DeriveKey, s, &mech, master, t, std::size(t), nullptr);
    k.client_key = out.hClientKey;
    k.server_key = out.hServerKey;
    if (suite.aead()) {
      // NSS returns (empty) MAC-key objects even for AEAD suites: they exist, so they must go.
      if (out.hClientMacSecret != CK_INVALID_HANDLE) destroy(s, out.hClientMacSecret);
      if (out.hServerMacSecret != CK_INVALID_HANDLE) destroy(s, out.hServerMacSecret);
    } else {
      k.client_mac = out.hClientMacSecret;
      k.server_mac = out.hServerMacSecret;
    }
    return k;
  }
  std::uint8_t seed[64];
  std::memcpy(seed, r.server.data(), 32);
  std::memcpy(seed + 32, r.client.data(), 32);
  std::uint8_t block[2 * (48 + 32 + 16)];
  const std::size_t total = 2 * (mac + key + iv);
  p_hash(s, core::hmac_mechanism(suite.prf), core::hash_bytes(suite.prf), master, "key expansion", seed,
         {block, total});
  std::uint8_t* p = block;
  auto create_mac = [&](CK_OBJECT_HANDLE& h) {  // templates::mac_key
    CK_ATTRIBUTE t[] = {SECRET_KEY_ATTRS(&kGeneric), flag(CKA_SIGN, true), flag(CKA_VERIFY, true),
                        attr(CKA_VALUE, p, mac)};
    FLOOR_CALL(fl_, C_CreateObject, s, t, std::size(t), &h);
    p += mac;
  };
  auto create_key = [&](CK_OBJECT_HANDLE& h) {  // templates::write_key
    CK_ATTRIBUTE t[] = {SECRET_KEY_ATTRS(&cipher_type), flag(CKA_ENCRYPT, true), flag(CKA_DECRYPT, true),
                        attr(CKA_VALUE, p, key)};
    FLOOR_CALL(fl_, C_CreateObject, s, t, std::size(t), &h);
    p += key;
  };
  if (mac != 0) {
    create_mac(k.client_mac);
    create_mac(k.server_mac);
  }
  create_key(k.client_key);
  create_key(k.server_key);
  std::memcpy(k.client_iv.data(), p, iv);
  std::memcpy(k.server_iv.data(), p + iv, iv);
  wipe(block, sizeof block);
  return k;
}

void RawFloor::destroy(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o) const { FLOOR_CALL(fl_, C_DestroyObject, s, o); }

void RawFloor::destroy_keys(CK_SESSION_HANDLE s, const FloorKeys& k) const {
  for (CK_OBJECT_HANDLE h : {k.client_mac, k.server_mac, k.client_key, k.server_key}) {
    if (h != CK_INVALID_HANDLE) destroy(s, h);
  }
}

void RawFloor::finished(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE master, const core::CipherSuite& suite,
                        std::span<const std::uint8_t> transcript, bool server,
                        std::span<std::uint8_t> verify_data) const {
  CK_MECHANISM digest{core::hash_mechanism(suite.prf), nullptr, 0};
  std::uint8_t hash[kMaxHash];
  CK_ULONG hash_len = sizeof hash;
  FLOOR_CALL(fl_, C_DigestInit, s, &digest);
  FLOOR_CALL(fl_, C_Digest, s, const_cast<std::uint8_t*>(transcript.data()), transcript.size(), hash, &hash_len);
  if (tls_mac_) {
    CK_TLS_MAC_PARAMS params{core::hash_mechanism(suite.prf), verify_data.size(),
                             server ? SSLP11_TLS_MAC_SERVER : SSLP11_TLS_MAC_CLIENT};
    CK_MECHANISM mech{*tls_mac_, &params, sizeof params};
    CK_ULONG n = verify_data.size();
    FLOOR_CALL(fl_, C_SignInit, s, &mech, master);
    FLOOR_CALL(fl_, C_Sign, s, hash, hash_len, verify_data.data(), &n);
    return;
  }
  p_hash(s, core::hmac_mechanism(suite.prf), core::hash_bytes(suite.prf), master,
         server ? "server finished" : "client finished", {hash, hash_len}, verify_data);
}

std::size_t RawFloor::gcm_encrypt(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, std::span<const std::uint8_t> nonce,
                                  std::span<const std::uint8_t> aad, std::span<const std::uint8_t> in,
                                  std::span<std::uint8_t> out) const {
  CK_GCM_PARAMS gcm{const_cast<std::uint8_t*>(nonce.data()), nonce.size(), nonce.size() * 8,
                    const_cast<std::uint8_t*>(aad.data()),   aad.size(),   128};
  CK_MECHANISM mech{CKM_AES_GCM, &gcm, sizeof gcm};
  CK_ULONG n = out.size();
  FLOOR_CALL(fl_, C_EncryptInit, s, &mech, key);
  FLOOR_CALL(fl_, C_Encrypt, s, const_cast<std::uint8_t*>(in.data()), in.size(), out.data(), &n);
  return n;
}

std::size_t RawFloor::gcm_decrypt(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, std::span<const std::uint8_t> nonce,
                                  std::span<const std::uint8_t> aad, std::span<const std::uint8_t> in,
                                  std::span<std::uint8_t> out) const {
  CK_GCM_PARAMS gcm{const_cast<std::uint8_t*>(nonce.data()), nonce.size(), nonce.size() * 8,
                    const_cast<std::uint8_t*>(aad.data()),   aad.size(),   128};
  CK_MECHANISM mech{CKM_AES_GCM, &gcm, sizeof gcm};
  CK_ULONG n = out.size();
  FLOOR_CALL(fl_, C_DecryptInit, s, &mech, key);
  FLOOR_CALL(fl_, C_Decrypt, s, const_cast<std::uint8_t*>(in.data()), in.size(), out.data(), &n);
  return n;
}

}  // namespace sslp11::bench
