#include "pkcs11/attributes.h"

#include <type_traits>

namespace sslp11::p11 {

void* AttributeTemplate::store(std::span<const std::uint8_t> bytes) {
  values_.emplace_back(bytes);
  return values_.back().data();
}

AttributeTemplate& AttributeTemplate::add_bool(CK_ATTRIBUTE_TYPE type, bool value) {
  const CK_BBOOL b = value ? CK_TRUE : CK_FALSE;
  attrs_.push_back({type, store({&b, 1}), sizeof b});
  return *this;
}

AttributeTemplate& AttributeTemplate::add_ulong(CK_ATTRIBUTE_TYPE type, CK_ULONG value) {
  attrs_.push_back(
      {type, store({reinterpret_cast<const std::uint8_t*>(&value), sizeof value}), sizeof value});
  return *this;
}

AttributeTemplate& AttributeTemplate::add_bytes(CK_ATTRIBUTE_TYPE type, std::span<const std::uint8_t> value) {
  attrs_.push_back({type, value.empty() ? nullptr : store(value), value.size()});
  return *this;
}

AttributeTemplate& AttributeTemplate::add_string(CK_ATTRIBUTE_TYPE type, std::string_view value) {
  return add_bytes(type, {reinterpret_cast<const std::uint8_t*>(value.data()), value.size()});
}

namespace {
bool unreadable(CK_RV rv) {
  return rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID;
}
}  // namespace

CK_RV probe_attribute(const Api& api, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t) {
  CK_ATTRIBUTE a{t, nullptr, 0};
  const CK_RV rv = api.C_GetAttributeValue(s, o, {&a, 1});
  // Modules signal "sensitive" either by the code or by CK_UNAVAILABLE_INFORMATION.
  if (rv == CKR_OK && a.ulValueLen == CK_UNAVAILABLE_INFORMATION) return CKR_ATTRIBUTE_SENSITIVE;
  return rv;
}

std::optional<CK_ULONG> read_ulong(const Api& api, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t) {
  CK_ULONG v = 0;
  CK_ATTRIBUTE a{t, &v, sizeof v};
  const CK_RV rv = api.C_GetAttributeValue(s, o, {&a, 1});
  if (unreadable(rv)) return std::nullopt;
  if (rv != CKR_OK) throw Error(rv, "C_GetAttributeValue");
  return v;
}

std::optional<bool> read_bool(const Api& api, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t) {
  CK_BBOOL v = CK_FALSE;
  CK_ATTRIBUTE a{t, &v, sizeof v};
  const CK_RV rv = api.C_GetAttributeValue(s, o, {&a, 1});
  if (unreadable(rv)) return std::nullopt;
  if (rv != CKR_OK) throw Error(rv, "C_GetAttributeValue");
  return v == CK_TRUE;
}

namespace {
// The two-call read of one attribute into a buffer of type Buffer (a
// std::vector for public values, SecureBytes for secrets).
template <class Buffer>
std::optional<Buffer> read_into(const Api& api, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t) {
  CK_ATTRIBUTE a{t, nullptr, 0};
  CK_RV rv = api.C_GetAttributeValue(s, o, {&a, 1});
  if (unreadable(rv) || a.ulValueLen == CK_UNAVAILABLE_INFORMATION) return std::nullopt;
  if (rv != CKR_OK) throw Error(rv, "C_GetAttributeValue");
  Buffer out(a.ulValueLen);
  const CK_ULONG capacity = a.ulValueLen;
  a.pValue = out.data();
  rv = api.C_GetAttributeValue(s, o, {&a, 1});
  if (unreadable(rv)) return std::nullopt;
  if (rv != CKR_OK) throw Error(rv, "C_GetAttributeValue");
  if (a.ulValueLen > capacity) throw Error(CKR_GENERAL_ERROR, "C_GetAttributeValue", "the value grew between calls");
  if constexpr (std::is_same_v<Buffer, std::vector<std::uint8_t>>) {
    out.resize(a.ulValueLen);
  } else if (a.ulValueLen != capacity) {
    Buffer exact(std::span<const std::uint8_t>(out.data(), a.ulValueLen));
    return exact;
  }
  return out;
}
}  // namespace

std::optional<std::vector<std::uint8_t>> read_bytes(const Api& api, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                                                    CK_ATTRIBUTE_TYPE t) {
  return read_into<std::vector<std::uint8_t>>(api, s, o, t);
}

std::optional<SecureBytes> read_secret_bytes(const Api& api, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                                             CK_ATTRIBUTE_TYPE t) {
  return read_into<SecureBytes>(api, s, o, t);
}

}  // namespace sslp11::p11
