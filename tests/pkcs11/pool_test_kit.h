// What the session-pool tests share: the selector for a test token, pool
// options, unique labels, and a private key to make in a leased session.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>

#include "pkcs11/attributes.h"
#include "pkcs11/session_pool.h"
#include "pkcs11/token.h"
#include "support/test_tokens.h"

namespace sslp11::p11::pooltest {

// The selector for the test token (helpers instead of designated initializers,
// which trip -Wmissing-field-initializers).
inline TokenSelector test_token_selector(const test::TokenSpec& t) {
  TokenSelector s;
  s.label = t.label;
  s.serial = t.serial;
  return s;
}

inline PoolOptions bounded(std::size_t max_sessions,
                           std::chrono::milliseconds acquire_timeout = std::chrono::seconds(30)) {
  PoolOptions o;
  o.max_sessions = max_sessions;
  o.acquire_timeout = acquire_timeout;
  return o;
}

inline std::string unique_label(const std::string& what) {
  static std::atomic<int> counter{0};
  return "sslp11-" + what + "-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

inline bool logged_in(CK_STATE state) { return state == CKS_RW_USER_FUNCTIONS || state == CKS_RO_USER_FUNCTIONS; }

// A 32-byte generic secret session object that can sign (HMAC), private
// (SoftHSM refuses it without a login) and sensitive.
inline CK_OBJECT_HANDLE generate_private_key(const Lease& lease, const std::string& label) {
  AttributeTemplate t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
      .add_ulong(CKA_VALUE_LEN, 32)
      .add_bool(CKA_TOKEN, false)
      .add_bool(CKA_PRIVATE, true)
      .add_bool(CKA_SENSITIVE, true)
      .add_bool(CKA_EXTRACTABLE, false)
      .add_bool(CKA_SIGN, true)
      .add_string(CKA_LABEL, label);
  CK_MECHANISM m{CKM_GENERIC_SECRET_KEY_GEN, nullptr, 0};
  return lease.api().C_GenerateKey(lease.handle(), m, t.span());
}

}  // namespace sslp11::p11::pooltest
