// What the token says about one of the objects behind a key: class, key type,
// length and the attributes that keep a secret on the token. Read back from
// the token (not assumed), for Sslp11DescribeKey's audit.
#pragma once

#include <memory>
#include <optional>

#include "pkcs11/cryptoki.h"
#include "pkcs11/session_pool.h"

namespace sslp11::core {

struct TokenObjectFacts {
  std::optional<CK_ULONG> object_class;  // CKA_CLASS; nullopt: the token would not say
  std::optional<CK_ULONG> key_type;      // CKA_KEY_TYPE
  std::optional<CK_ULONG> value_length;  // CKA_VALUE_LEN (secret keys)
  std::optional<bool> token_object;      // CKA_TOKEN
  std::optional<bool> sensitive;         // CKA_SENSITIVE
  std::optional<bool> extractable;       // CKA_EXTRACTABLE
};

// Reads the facts of `object` in a session of `pool` (the pool that made or
// found it). Throws p11::Error when the token fails.
TokenObjectFacts read_object_facts(p11::SessionPool& pool, CK_OBJECT_HANDLE object);

}  // namespace sslp11::core
