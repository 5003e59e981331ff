// What the raw floors (raw_floor.cpp, tls13_floor.cpp) build their templates
// and clean up with: attribute constants the templates point at, two
// CK_ATTRIBUTE builders, and a wipe the compiler cannot drop. Deliberately
// not the provider's p11::AttributeTemplate: a floor is the fewest raw calls
// with templates on the stack.
#pragma once

#include <cstddef>

#include "pkcs11/api.h"

namespace sslp11::bench::raw {

inline CK_OBJECT_CLASS kSecretClass = CKO_SECRET_KEY;
inline CK_KEY_TYPE kGeneric = CKK_GENERIC_SECRET;
inline CK_BBOOL kTrue = CK_TRUE;
inline CK_BBOOL kFalse = CK_FALSE;
inline constexpr std::size_t kMaxHash = 64;

inline CK_ATTRIBUTE attr(CK_ATTRIBUTE_TYPE t, void* v, std::size_t n) { return CK_ATTRIBUTE{t, v, n}; }
inline CK_ATTRIBUTE flag(CK_ATTRIBUTE_TYPE t, bool v) { return attr(t, v ? &kTrue : &kFalse, sizeof(CK_BBOOL)); }

inline void wipe(void* p, std::size_t n) {
  volatile auto* b = static_cast<volatile unsigned char*>(p);
  while (n--) *b++ = 0;
}

}  // namespace sslp11::bench::raw
