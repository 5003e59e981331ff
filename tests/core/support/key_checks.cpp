#include "core/support/key_checks.h"

#include <stdexcept>

#include "abi/handle_table.h"
#include "core/keys.h"
#include "pkcs11/attributes.h"
#include "support/oracle/ciphers.h"
#include "support/oracle/digests.h"

namespace sslp11::coretest {

namespace {

// PKCS#11 3.0 CK_SALSA20_CHACHA20_POLY1305_PARAMS; p11-kit 0.24's header lacks it.
struct ChaCha20Poly1305Params {
  CK_BYTE_PTR pNonce;
  CK_ULONG ulNonceLen;
  CK_BYTE_PTR pAAD;
  CK_ULONG ulAADLen;
};
static_assert(sizeof(ChaCha20Poly1305Params) == 4 * sizeof(CK_ULONG));

// Fixed probe inputs: two AES blocks of plaintext, a TLS-shaped 13-byte AAD,
// a 12-byte nonce and a CBC IV. Any fixed values would do; these are
// deliberately unlike the key-block bytes.
const Bytes kPlaintext = from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const Bytes kAad = from_hex("00000000000000011703030020");
const Bytes kNonce = from_hex("cafebabefacedbaddecaf888");
const Bytes kCbcIv = from_hex("f0e1d2c3b4a5968778695a4b3c2d1e0f");

CK_MECHANISM_TYPE hmac_mechanism(Hash h) {
  switch (h) {
    case Hash::sha1:
      return CKM_SHA_1_HMAC;
    case Hash::sha256:
      return CKM_SHA256_HMAC;
    case Hash::sha384:
      return CKM_SHA384_HMAC;
    case Hash::none:
      break;
  }
  throw std::logic_error("no HMAC for Hash::none");
}

Bytes token_encrypt(const p11::Lease& l, CK_OBJECT_HANDLE key, Cipher c) {
  Bytes nonce = kNonce, aad = kAad, iv = kCbcIv;
  Bytes out(kPlaintext.size() + 32);
  CK_GCM_PARAMS gcm{nonce.data(), nonce.size(), nonce.size() * 8, aad.data(), aad.size(), 128};
  ChaCha20Poly1305Params chacha{nonce.data(), nonce.size(), aad.data(), aad.size()};
  CK_MECHANISM mech{};
  switch (c) {
    case Cipher::aes_gcm:
      mech = {CKM_AES_GCM, &gcm, sizeof gcm};
      break;
    case Cipher::aes_cbc:
      mech = {CKM_AES_CBC, iv.data(), iv.size()};
      break;
    case Cipher::chacha20_poly1305:
      mech = {CKM_CHACHA20_POLY1305, &chacha, sizeof chacha};
      break;
  }
  l.api().C_EncryptInit(l.handle(), mech, key);
  out.resize(l.api().C_Encrypt(l.handle(), kPlaintext, out));
  return out;
}

Bytes oracle_encrypt(ByteView key, Cipher c) {
  switch (c) {
    case Cipher::aes_gcm:
    case Cipher::chacha20_poly1305:
      return aead_seal(c, key, kNonce, kAad, kPlaintext);
    case Cipher::aes_cbc:
      break;
  }
  return aes_cbc_encrypt(key, kCbcIv, kPlaintext);
}

Bytes token_hmac(const p11::Lease& l, CK_OBJECT_HANDLE key, Hash h) {
  CK_MECHANISM mech{hmac_mechanism(h), nullptr, 0};
  Bytes out(64);
  l.api().C_SignInit(l.handle(), mech, key);
  out.resize(l.api().C_Sign(l.handle(), kPlaintext, out));
  return out;
}

template <class T>
std::shared_ptr<T> object_behind(NCRYPT_HANDLE h, const char* what) {
  auto object = abi::HandleTable::instance().find<T>(h);
  if (!object) throw std::runtime_error(std::string("not a live ") + what + " handle");
  return object;
}

std::string rv_text(CK_RV rv) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%lX", static_cast<unsigned long>(rv));
  return buf;
}

}  // namespace

KeyComparison compare_key_objects(const p11::Lease& l, CK_OBJECT_HANDLE cipher, CK_OBJECT_HANDLE mac, ByteView fixed_iv,
                                  const SuiteFacts& suite, const DirectionKeys& expected) {
  KeyComparison c;
  c.write_flag_ok = true;
  c.has_mac = suite.mac != Hash::none;
  c.has_iv = suite.fixed_iv_bytes != 0;
  const Bytes iv(fixed_iv.begin(), fixed_iv.end());
  c.iv_ok = iv == expected.iv;
  if (!c.iv_ok) c.detail += " [fixed IV " + hex(iv) + ", expected " + hex(expected.iv) + "]";
  if (cipher == CK_INVALID_HANDLE) {
    c.detail += " [no cipher key object]";
  } else {
    const Bytes got = token_encrypt(l, cipher, suite.cipher);
    const Bytes want = oracle_encrypt(expected.key, suite.cipher);
    c.cipher_ok = got == want;
    if (!c.cipher_ok) c.detail += " [cipher output " + hex(got) + ", OpenSSL under the expected key " + hex(want) + "]";
  }
  if (!c.has_mac) {
    c.mac_ok = mac == CK_INVALID_HANDLE;
    if (!c.mac_ok) c.detail += " [an AEAD key carries a MAC key object]";
  } else if (mac == CK_INVALID_HANDLE) {
    c.detail += " [no MAC key object]";
  } else {
    const Bytes got = token_hmac(l, mac, suite.mac);
    const Bytes want = hmac(suite.mac, expected.mac, kPlaintext);
    c.mac_ok = got == want;
    if (!c.mac_ok) c.detail += " [HMAC " + hex(got) + ", expected " + hex(want) + "]";
  }
  return c;
}

KeyComparison compare_session_key(NCRYPT_KEY_HANDLE handle, const SuiteFacts& suite, const DirectionKeys& expected,
                                  bool expect_write) {
  auto key = object_behind<core::SessionKey>(handle, "session key");
  KeyComparison c = key->token()->pool()->run([&](p11::Lease& l) {
    return compare_key_objects(l, key->cipher_key.handle(), key->mac_key.handle(), key->fixed_iv.span(), suite,
                               expected);
  });
  c.write_flag_ok = key->write == expect_write;
  if (!c.write_flag_ok) c.detail += std::string(" [the key says write=") + (key->write ? "true" : "false") + "]";
  return c;
}

::testing::AssertionResult session_keys_match(NCRYPT_KEY_HANDLE read, NCRYPT_KEY_HANDLE write, const SuiteFacts& suite,
                                              const ExpectedKeys& expected, bool client) {
  try {
    const DirectionKeys& mine = client ? expected.client : expected.server;
    const DirectionKeys& peers = client ? expected.server : expected.client;
    const KeyComparison w = compare_session_key(write, suite, mine, true);
    const KeyComparison r = compare_session_key(read, suite, peers, false);
    if (w.all() && r.all()) return ::testing::AssertionSuccess();
    auto failure = ::testing::AssertionFailure();
    failure << (client ? "client" : "server") << " role: ";
    if (!w.all())
      failure << "write key differs from " << (client ? "client_write" : "server_write") << w.detail << "; ";
    if (!r.all()) failure << "read key differs from " << (client ? "server_write" : "client_write") << r.detail << "; ";
    // Name the likely cause when the two directions are merely swapped.
    const KeyComparison swapped = compare_session_key(write, suite, peers, true);
    if (swapped.cipher_ok) failure << "the write key holds the PEER's write key (read/write orientation swapped)";
    return failure;
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "comparing session keys failed: " << e.what();
  }
}

::testing::AssertionResult secret_is_protected(const p11::Lease& lease, CK_OBJECT_HANDLE object, const char* what) {
  const p11::Api& api = lease.api();
  const CK_RV rv = p11::probe_attribute(api, lease.handle(), object, CKA_VALUE);
  if (rv != CKR_ATTRIBUTE_SENSITIVE) {
    return ::testing::AssertionFailure() << "CKA_VALUE of the " << what << " answers " << rv_text(rv)
                                         << ", not CKR_ATTRIBUTE_SENSITIVE";
  }
  const auto sensitive = p11::read_bool(api, lease.handle(), object, CKA_SENSITIVE);
  if (!sensitive || !*sensitive) return ::testing::AssertionFailure() << "the " << what << " is not CKA_SENSITIVE";
  const auto extractable = p11::read_bool(api, lease.handle(), object, CKA_EXTRACTABLE);
  if (!extractable || *extractable) return ::testing::AssertionFailure() << "the " << what << " is CKA_EXTRACTABLE";
  const auto on_token = p11::read_bool(api, lease.handle(), object, CKA_TOKEN);
  if (!on_token || *on_token)
    return ::testing::AssertionFailure() << "the " << what << " is a token (persistent) object";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult master_is_protected(NCRYPT_KEY_HANDLE master) {
  try {
    auto key = object_behind<core::MasterKey>(master, "master key");
    return key->token()->pool()->run(
        [&](p11::Lease& l) { return secret_is_protected(l, key->secret.handle(), "master secret"); });
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << e.what();
  }
}

::testing::AssertionResult session_key_is_protected(NCRYPT_KEY_HANDLE handle) {
  try {
    auto key = object_behind<core::SessionKey>(handle, "session key");
    return key->token()->pool()->run([&](p11::Lease& l) {
      auto r = secret_is_protected(l, key->cipher_key.handle(), "write key");
      if (r && !key->mac_key.empty()) r = secret_is_protected(l, key->mac_key.handle(), "MAC key");
      return r;
    });
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << e.what();
  }
}

std::shared_ptr<p11::SessionPool> pool_of(NCRYPT_PROV_HANDLE provider) {
  return object_behind<core::Provider>(provider, "provider")->token()->pool();
}

std::size_t count_token_objects(NCRYPT_PROV_HANDLE provider) {
  return pool_of(provider)->run([](p11::Lease& l) { return l.api().find_objects(l.handle(), {}).size(); });
}

}  // namespace sslp11::coretest
