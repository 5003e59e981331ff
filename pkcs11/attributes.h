// Building CK_ATTRIBUTE templates (the only place that does) and reading
// attributes back with their types.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "pkcs11/api.h"
#include "pkcs11/secure_buffer.h"

namespace sslp11::p11 {

// Owns the values it points at (wiped on destruction: templates may carry key
// bytes for C_CreateObject). Build once and reuse where the values do not change.
class AttributeTemplate {
 public:
  AttributeTemplate() = default;
  AttributeTemplate(const AttributeTemplate&) = delete;
  AttributeTemplate& operator=(const AttributeTemplate&) = delete;
  AttributeTemplate(AttributeTemplate&&) = default;
  AttributeTemplate& operator=(AttributeTemplate&&) = default;

  AttributeTemplate& add_bool(CK_ATTRIBUTE_TYPE type, bool value);
  AttributeTemplate& add_ulong(CK_ATTRIBUTE_TYPE type, CK_ULONG value);
  AttributeTemplate& add_bytes(CK_ATTRIBUTE_TYPE type, std::span<const std::uint8_t> value);
  AttributeTemplate& add_string(CK_ATTRIBUTE_TYPE type, std::string_view value);

  std::span<CK_ATTRIBUTE> span() noexcept { return attrs_; }
  std::size_t size() const noexcept { return attrs_.size(); }

 private:
  void* store(std::span<const std::uint8_t> bytes);
  std::vector<CK_ATTRIBUTE> attrs_;
  std::deque<SecureBytes> values_;  // deque: growth never moves existing values
};

// Typed reads. nullopt when the attribute does not exist or is not readable
// (sensitive); other failures throw p11::Error.
std::optional<CK_ULONG> read_ulong(const Api& api, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t);
std::optional<bool> read_bool(const Api& api, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t);
std::optional<std::vector<std::uint8_t>> read_bytes(const Api& api, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                                                    CK_ATTRIBUTE_TYPE t);
// read_bytes for a secret value (a DH shared secret read to strip its leading
// zeros): the value only ever lives in a wiping buffer, errors included.
std::optional<SecureBytes> read_secret_bytes(const Api& api, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                                             CK_ATTRIBUTE_TYPE t);
// The raw CKR of reading one attribute's length; lets tests assert that
// CKA_VALUE of a secret is refused (CKR_ATTRIBUTE_SENSITIVE).
CK_RV probe_attribute(const Api& api, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t);

}  // namespace sslp11::p11
