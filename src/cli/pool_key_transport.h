// The pool key carried from one member's token to another's without ever
// being in clear on the host: the receiving member makes an RSA key pair
// (the key-encryption key, session objects, the private half sensitive and
// not extractable), its public half is created as a session object on the
// sending member, which wraps the pool key under it (C_WrapKey,
// CKM_RSA_PKCS_OAEP), and the receiving member unwraps the result into a
// token object labelled as the pool key. What crosses host memory is the
// public key and the wrapped bytes. Both halves of the key-encryption key are
// destroyed on every path (and would go with their sessions anyway).
#pragma once

#include <string>

#include "cli/token_session.h"
#include "pkcs11/cryptoki.h"

namespace sslp11::cli {

// 3072 bits: about 128-bit strength; one key pair per copy, so its time hardly counts.
inline constexpr CK_ULONG kKekBits = 3072;

struct Transport {
  std::string oaep;  // "SHA-256" or "SHA-1": the OAEP hash and MGF1 hash both tokens took
};

// Copies `from`'s pool key (`pool_key`, extractable) to `to`, which must have
// none; the copy is extractable too (it may be copied on: `pool-key seal`
// ends that). Throws OperationError naming what a token lacks (RSA key pair
// generation, CKM_RSA_PKCS_OAEP wrap or unwrap) and p11::Error for other
// refusals.
Transport copy_pool_key(const TokenSession& from, CK_OBJECT_HANDLE pool_key, const TokenSession& to);

}  // namespace sslp11::cli
