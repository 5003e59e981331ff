#include "bench/rsa_timing.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "support/oracle/keys.h"
#include "pkcs11/api.h"
#include "pkcs11/tls_params.h"

namespace sslp11::bench {

namespace {

constexpr DWORD kRsaGcm128 = 0x009C;  // TLS_RSA_WITH_AES_128_GCM_SHA256
constexpr std::size_t kPremasterBytes = 48;

using Clock = std::chrono::steady_clock;
std::int64_t ns_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

CtBytes premaster(std::size_t len, std::uint16_t version) {
  CtBytes pms = coretest::random_bytes(len);
  pms[0] = static_cast<std::uint8_t>(version >> 8);
  pms[1] = static_cast<std::uint8_t>(version & 0xff);
  return pms;
}

// A modulus-sized block whose first byte is 00 (so it is below the modulus)
// and whose second is anything but 02: no PKCS#1 v1.5 encryption block.
CtBytes bad_padding_block(std::size_t k) {
  CtBytes block = coretest::random_bytes(k);
  block[0] = 0x00;
  if (block[1] == 0x02) block[1] = 0x03;
  return block;
}

// A version other than `version` (first byte or second byte differs).
std::uint16_t other_version(std::uint16_t version, std::size_t i) {
  return static_cast<std::uint16_t>(i % 2 == 0 ? version ^ 0x0100 : version ^ 0x0002);
}

// The attribute templates of src/core/templates.cpp, restated for the raw
// side (a raw sequence that built them with sslp11's code would not be raw).
CK_OBJECT_CLASS kSecretClass = CKO_SECRET_KEY;
CK_KEY_TYPE kGeneric = CKK_GENERIC_SECRET;
CK_BBOOL kTrue = CK_TRUE;
CK_BBOOL kFalse = CK_FALSE;
CK_ULONG kLen48 = kPremasterBytes;

constexpr CK_ATTRIBUTE flag(CK_ATTRIBUTE_TYPE t, bool v) { return {t, v ? &kTrue : &kFalse, sizeof(CK_BBOOL)}; }

// templates::premaster(0) + CKA_VALUE (composed: the chosen bytes; native: the random pre-master).
struct PremasterValueTemplate {
  std::array<CK_ATTRIBUTE, 8> attrs;
  explicit PremasterValueTemplate(std::uint8_t* value)
      : attrs{{{CKA_CLASS, &kSecretClass, sizeof kSecretClass},
               {CKA_KEY_TYPE, &kGeneric, sizeof kGeneric},
               flag(CKA_TOKEN, false),
               flag(CKA_SENSITIVE, true),
               flag(CKA_EXTRACTABLE, false),
               flag(CKA_DERIVE, true),
               flag(CKA_SIGN, true),
               {CKA_VALUE, value, kPremasterBytes}}} {}
};

// templates::premaster(48), the unwrap template; templates::master(), the derive template.
CK_ATTRIBUTE kUnwrapTemplate[] = {{CKA_CLASS, &kSecretClass, sizeof kSecretClass},
                                  {CKA_KEY_TYPE, &kGeneric, sizeof kGeneric},
                                  flag(CKA_TOKEN, false),
                                  flag(CKA_SENSITIVE, true),
                                  flag(CKA_EXTRACTABLE, false),
                                  flag(CKA_DERIVE, true),
                                  flag(CKA_SIGN, true),
                                  {CKA_VALUE_LEN, &kLen48, sizeof kLen48}};
CK_ATTRIBUTE kMasterTemplate[] = {{CKA_CLASS, &kSecretClass, sizeof kSecretClass},
                                  {CKA_KEY_TYPE, &kGeneric, sizeof kGeneric},
                                  flag(CKA_TOKEN, false),
                                  flag(CKA_SENSITIVE, true),
                                  flag(CKA_EXTRACTABLE, false),
                                  flag(CKA_DERIVE, true),
                                  flag(CKA_SIGN, true),
                                  flag(CKA_VERIFY, true),
                                  {CKA_VALUE_LEN, &kLen48, sizeof kLen48}};

void wipe(std::span<std::uint8_t> b) {
  volatile std::uint8_t* p = b.data();
  for (std::size_t i = 0; i < b.size(); ++i) p[i] = 0;
}

}  // namespace

const char* ct_class_name(std::size_t c) {
  static constexpr const char* kNames[kCtClasses] = {"valid", "bad_padding", "wrong_length", "wrong_version"};
  return c < kCtClasses ? kNames[c] : "?";
}

CiphertextSets make_ciphertexts(EVP_PKEY* server_public, std::size_t n, std::uint16_t version) {
  const std::size_t k = coretest::rsa_modulus(server_public).size();
  CiphertextSets sets;
  for (auto& s : sets) s.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& valid = sets[static_cast<std::size_t>(CtClass::valid)];
    auto& bad = sets[static_cast<std::size_t>(CtClass::bad_padding)];
    auto& length = sets[static_cast<std::size_t>(CtClass::wrong_length)];
    auto& wrong_version = sets[static_cast<std::size_t>(CtClass::wrong_version)];
    valid.push_back(coretest::rsa_encrypt_pkcs1(server_public, premaster(kPremasterBytes, version)));
    bad.push_back(coretest::rsa_encrypt_raw(server_public, bad_padding_block(k)));
    length.push_back(coretest::rsa_encrypt_pkcs1(server_public, premaster(i % 2 == 0 ? 47 : 49, version)));
    wrong_version.push_back(
        coretest::rsa_encrypt_pkcs1(server_public, premaster(kPremasterBytes, other_version(version, i))));
  }
  return sets;
}

RsaTimingTarget::RsaTimingTarget(const std::string& token)
    : token_(BenchToken::get(token)),
      native_(token_.spec().expected_path == "native"),
      suite_(core::find_cipher_suite(kRsaGcm128)) {
  if (suite_ == nullptr) throw std::logic_error("TLS_RSA_WITH_AES_128_GCM_SHA256 is not in the suite table");
  // SoftHSM keeps the key as token objects, NSS without a database as session objects (as the tests do).
  key_ = std::make_unique<coretest::ServerRsaKey>(token_.provider(), /*token_objects=*/!native_);
  raw_randoms_ = token_.randoms().r;
  params_.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, raw_randoms_.client)
      .add(NCRYPTBUFFER_SSL_SERVER_RANDOM, raw_randoms_.server)
      .add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, client_version());
  session_ = token_.open_session();
  raw_private_ = find_raw_private_key();
}

RsaTimingTarget::~RsaTimingTarget() {
  session_.reset();
  key_.reset();
}

// The server key's private half as the raw session sees it: the RSA private
// key object with the same modulus (objects of one application are visible in
// all its sessions).
CK_OBJECT_HANDLE RsaTimingTarget::find_raw_private_key() const {
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  CK_KEY_TYPE type = CKK_RSA;
  CtBytes modulus = coretest::rsa_modulus(server_public());
  CK_ATTRIBUTE find[] = {{CKA_CLASS, &cls, sizeof cls},
                         {CKA_KEY_TYPE, &type, sizeof type},
                         {CKA_MODULUS, modulus.data(), modulus.size()}};
  CK_FUNCTION_LIST* fl = session_->fl();
  const CK_SESSION_HANDLE s = session_->handle();
  FLOOR_CALL(fl, C_FindObjectsInit, s, find, std::size(find));
  CK_OBJECT_HANDLE found[2] = {CK_INVALID_HANDLE, CK_INVALID_HANDLE};
  CK_ULONG n = 0;
  const CK_RV rv = fl->C_FindObjects(s, found, 2, &n);
  fl->C_FindObjectsFinal(s);
  floor_check(rv, "C_FindObjects");
  if (n != 1) throw std::runtime_error("the raw session sees " + std::to_string(n) + " RSA private keys with the server's modulus, not 1");
  return found[0];
}

Timing RsaTimingTarget::provider_import(std::span<const std::uint8_t> ciphertext) {
  scratch_.assign(ciphertext.begin(), ciphertext.end());
  NCRYPT_KEY_HANDLE master = 0;
  Timing out;
  const std::uint64_t calls_before = p11::calls_on_this_thread();
  const auto t0 = Clock::now();
  const SECURITY_STATUS status =
      SslImportMasterKey(token_.provider(), key_->handle(), &master, kTls12, suite_->id, params_.desc(),
                         scratch_.data(), static_cast<DWORD>(scratch_.size()), NCRYPT_SSL_SERVER_FLAG);
  const auto t1 = Clock::now();
  if (master != 0) SslFreeObject(master, 0);
  const auto t2 = Clock::now();
  out.calls = p11::calls_on_this_thread() - calls_before;
  out.op_ns = ns_between(t0, t1);
  out.cleanup_ns = ns_between(t1, t2);
  out.rejected = status != ERROR_SUCCESS;
  return out;
}

Timing RsaTimingTarget::raw_import(std::span<const std::uint8_t> ciphertext) {
  scratch_.assign(ciphertext.begin(), ciphertext.end());
  return native_ ? raw_native(scratch_) : raw_composed(scratch_);
}

// Composed path (SoftHSM), as import_rsa_master makes it: C_GenerateRandom of
// the fallback, C_DecryptInit + C_Decrypt into a modulus-sized buffer (a
// failure is a return value here), the choice by mask, C_CreateObject of the
// pre-master. The HMAC P_hash of the master that follows is left out: its
// input is a 48-byte key object whatever the class, so it adds time but no
// difference, and only makes a difference harder to see.
Timing RsaTimingTarget::raw_composed(std::span<std::uint8_t> ciphertext) {
  CK_FUNCTION_LIST* fl = session_->fl();
  const CK_SESSION_HANDLE s = session_->handle();
  std::array<std::uint8_t, kPremasterBytes> random{}, chosen{};
  std::array<std::uint8_t, 1024> plain{};
  const std::uint8_t want_major = static_cast<std::uint8_t>(client_version() >> 8);
  const std::uint8_t want_minor = static_cast<std::uint8_t>(client_version() & 0xff);
  CK_MECHANISM rsa{CKM_RSA_PKCS, nullptr, 0};
  CK_OBJECT_HANDLE pms = CK_INVALID_HANDLE;
  Timing out;

  const auto t0 = Clock::now();
  FLOOR_CALL(fl, C_GenerateRandom, s, random.data(), random.size());
  CK_ULONG plain_len = plain.size();
  FLOOR_CALL(fl, C_DecryptInit, s, &rsa, raw_private_);
  const CK_RV rv = fl->C_Decrypt(s, ciphertext.data(), ciphertext.size(), plain.data(), &plain_len);
  if (rv != CKR_OK) plain_len = 0;
  std::uint8_t good = static_cast<std::uint8_t>(plain_len ^ kPremasterBytes) == 0 && (plain_len >> 8) == 0 ? 0xff : 0x00;
  good &= static_cast<std::uint8_t>(-static_cast<int>((plain[0] ^ want_major) == 0));
  good &= static_cast<std::uint8_t>(-static_cast<int>((plain[1] ^ want_minor) == 0));
  for (std::size_t i = 0; i < kPremasterBytes; ++i) {
    chosen[i] = static_cast<std::uint8_t>((plain[i] & good) | (random[i] & ~good));
  }
  chosen[0] = want_major;
  chosen[1] = want_minor;
  PremasterValueTemplate t(chosen.data());
  FLOOR_CALL(fl, C_CreateObject, s, t.attrs.data(), t.attrs.size(), &pms);
  const auto t1 = Clock::now();
  FLOOR_CALL(fl, C_DestroyObject, s, pms);
  const auto t2 = Clock::now();

  wipe(plain);
  wipe(chosen);
  wipe(random);
  out.op_ns = ns_between(t0, t1);
  out.cleanup_ns = ns_between(t1, t2);
  out.rejected = rv != CKR_OK;
  return out;
}

// Native path (NSS), as import_rsa_master makes it: a random pre-master
// (C_GenerateRandom + C_CreateObject), one C_UnwrapKey attempt (a failure is
// a return value here), C_GetAttributeValue(CKA_VALUE_LEN) of what it gave,
// C_DeriveKey(CKM_TLS12_MASTER_KEY_DERIVE) from the unwrapped pre-master
// when it is 48 bytes (else the random one) and from the random one, the
// choice by the version the token reports. Clean-up: every object destroyed.
Timing RsaTimingTarget::raw_native(std::span<std::uint8_t> ciphertext) {
  CK_FUNCTION_LIST* fl = session_->fl();
  const CK_SESSION_HANDLE s = session_->handle();
  std::array<std::uint8_t, kPremasterBytes> random{};
  CK_MECHANISM rsa{CKM_RSA_PKCS, nullptr, 0};
  CK_OBJECT_HANDLE random_pms = CK_INVALID_HANDLE, unwrapped = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE from_candidate = CK_INVALID_HANDLE, from_random = CK_INVALID_HANDLE;
  CK_VERSION candidate_version{3, 3}, random_version{3, 3};
  const auto derive = [&](CK_OBJECT_HANDLE pms, CK_VERSION* version, CK_OBJECT_HANDLE* master) {
    CK_TLS12_MASTER_KEY_DERIVE_PARAMS params{{raw_randoms_.client.data(), raw_randoms_.client.size(),
                                              raw_randoms_.server.data(), raw_randoms_.server.size()},
                                             version,
                                             core::hash_mechanism(suite_->prf)};
    CK_MECHANISM mech{CKM_TLS12_MASTER_KEY_DERIVE, &params, sizeof params};
    return fl->C_DeriveKey(s, &mech, pms, kMasterTemplate, std::size(kMasterTemplate), master);
  };
  Timing out;

  const auto t0 = Clock::now();
  FLOOR_CALL(fl, C_GenerateRandom, s, random.data(), random.size());
  random[0] = static_cast<std::uint8_t>(client_version() >> 8);
  random[1] = static_cast<std::uint8_t>(client_version() & 0xff);
  PremasterValueTemplate t(random.data());
  FLOOR_CALL(fl, C_CreateObject, s, t.attrs.data(), t.attrs.size(), &random_pms);
  const CK_RV unwrap_rv = fl->C_UnwrapKey(s, &rsa, raw_private_, ciphertext.data(), ciphertext.size(),
                                          kUnwrapTemplate, std::size(kUnwrapTemplate), &unwrapped);
  if (unwrap_rv != CKR_OK) unwrapped = CK_INVALID_HANDLE;
  // The length check on the token (NSS unwraps a 47-byte message as a
  // 47-byte key, which the derive would refuse).
  CK_ULONG length = 0;
  CK_ATTRIBUTE length_attr{CKA_VALUE_LEN, &length, sizeof length};
  const CK_RV length_rv =
      fl->C_GetAttributeValue(s, unwrapped != CK_INVALID_HANDLE ? unwrapped : random_pms, &length_attr, 1);
  const bool usable = unwrapped != CK_INVALID_HANDLE && length_rv == CKR_OK && length == kPremasterBytes;
  const CK_OBJECT_HANDLE candidate = usable ? unwrapped : random_pms;
  const CK_RV candidate_rv = derive(candidate, &candidate_version, &from_candidate);
  if (candidate_rv != CKR_OK) from_candidate = CK_INVALID_HANDLE;
  floor_check(derive(random_pms, &random_version, &from_random), "C_DeriveKey");
  const bool version_ok = (candidate_version.major == 0xff && candidate_version.minor == 0xff) ||
                          (candidate_version.major == random[0] && candidate_version.minor == random[1]);
  // The provider's host-side choice between the masters; volatile so the
  // compiler keeps it inside the timed region.
  volatile bool keep_candidate = candidate_rv == CKR_OK && unwrap_rv == CKR_OK && version_ok;
  (void)keep_candidate;
  const auto t1 = Clock::now();
  for (CK_OBJECT_HANDLE h : {from_candidate, from_random, random_pms, unwrapped}) {
    if (h != CK_INVALID_HANDLE) FLOOR_CALL(fl, C_DestroyObject, s, h);
  }
  const auto t2 = Clock::now();

  wipe(random);
  out.op_ns = ns_between(t0, t1);
  out.cleanup_ns = ns_between(t1, t2);
  out.rejected = unwrap_rv != CKR_OK;
  out.derive_refused = unwrap_rv == CKR_OK && candidate_rv != CKR_OK;
  return out;
}

}  // namespace sslp11::bench
