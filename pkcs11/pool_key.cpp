#include "pkcs11/pool_key.h"

#include <cstring>
#include <string>

#include "pkcs11/error.h"

namespace sslp11::p11::pool_key {

namespace {

constexpr std::size_t kTagKeyBytes = 32;  // SoftHSM's HMAC-SHA256 wants keys of at least 32 bytes
// What CKM_AES_ECB_ENCRYPT_DATA encrypts to make the tag key: two AES blocks,
// so the derived key is 32 bytes. Fixed: every member derives the same key.
constexpr char kTagKeyInput[] = "sslp11 pool blob tag key, v2 ...";
static_assert(sizeof kTagKeyInput - 1 == kTagKeyBytes);
constexpr char kCheckInput[] = "sslp11 pool key check value";

}  // namespace

AttributeTemplate attributes(bool extractable) {
  AttributeTemplate t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_AES)
      .add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, true)
      .add_bool(CKA_SENSITIVE, true)
      .add_bool(CKA_EXTRACTABLE, extractable)
      .add_bool(CKA_WRAP, true)
      .add_bool(CKA_UNWRAP, true)
      .add_bool(CKA_DERIVE, true)
      .add_string(CKA_LABEL, kLabel);
  return t;
}

std::optional<CK_OBJECT_HANDLE> find(const Api& api, CK_SESSION_HANDLE s) {
  AttributeTemplate query;
  query.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_AES)
      .add_bool(CKA_TOKEN, true)
      .add_string(CKA_LABEL, kLabel);
  const auto found = api.find_objects(s, query.span(), 1);
  if (found.empty()) return std::nullopt;
  return found.front();
}

TagKey::TagKey(const Api& api, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pool_key) : api_(api), session_(s) {
  std::array<std::uint8_t, kTagKeyBytes> input{};
  std::memcpy(input.data(), kTagKeyInput, kTagKeyBytes);
  CK_KEY_DERIVATION_STRING_DATA data{input.data(), input.size()};
  CK_MECHANISM mech{CKM_AES_ECB_ENCRYPT_DATA, &data, sizeof data};
  AttributeTemplate t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
      .add_bool(CKA_TOKEN, false)
      .add_bool(CKA_SENSITIVE, true)
      .add_bool(CKA_EXTRACTABLE, false)
      .add_bool(CKA_SIGN, true)
      .add_ulong(CKA_VALUE_LEN, kTagKeyBytes);
  api.C_DeriveKey(s, mech, pool_key, t.span(), &handle_);
}

TagKey::~TagKey() {
  try {
    api_.C_DestroyObject(session_, handle_);
  } catch (...) {  // a lost session took the object with it
  }
}

std::array<std::uint8_t, kTagBytes> TagKey::mac(std::span<const std::uint8_t> data) const {
  std::array<std::uint8_t, kTagBytes> out{};
  CK_MECHANISM mech{CKM_SHA256_HMAC, nullptr, 0};
  api_.C_SignInit(session_, mech, handle_);
  if (const std::size_t n = api_.C_Sign(session_, data, out); n != out.size()) {
    throw Error(CKR_FUNCTION_FAILED, "C_Sign", "CKM_SHA256_HMAC returned " + std::to_string(n) + " bytes, not 32");
  }
  return out;
}

std::array<std::uint8_t, kCheckValueBytes> TagKey::check_value() const {
  const auto full = mac({reinterpret_cast<const std::uint8_t*>(kCheckInput), sizeof kCheckInput - 1});
  std::array<std::uint8_t, kCheckValueBytes> out{};
  std::memcpy(out.data(), full.data(), out.size());
  return out;
}

}  // namespace sslp11::p11::pool_key
