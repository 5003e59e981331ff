// Shared by the handshake tests (tests/handshake): the suites they run (from
// the fact table of tests/support), an ECDHE key schedule run through the Ssl* API whose
// master secret the test knows from OpenSSL's side of the exchange, statuses
// that print by name, and an owning Ssl* handle.
//
// The oracle (tests/support/oracle) is OpenSSL's libcrypto only -- never
// sslp11's own code.
#pragma once

#include <gtest/gtest.h>
#include <sslp11/sslprovider.h>

#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/oracle/bytes.h"
#include "support/oracle/digests.h"
#include "support/oracle/tls_prf.h"
#include "support/provider_env.h"
#include "support/test_handle.h"
#include "support/suite_facts.h"
#include "support/test_tokens.h"

namespace sslp11::hstest {

// The handshake tests speak the independent oracle's vocabulary.
using namespace ::sslp11::oracle;

using test::ProviderHandle;
using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

// ---- Statuses ----

struct Status {
  SECURITY_STATUS value;
  friend bool operator==(Status a, Status b) { return a.value == b.value; }
};
void PrintTo(const Status& s, std::ostream* os);

#define EXPECT_STATUS(expected, call)                                           \
  EXPECT_EQ(::sslp11::hstest::Status{(call)}, ::sslp11::hstest::Status{(expected)}) \
      << "  call: " << #call << "\n  sslp11 says: " << ::sslp11::test::last_error()
#define ASSERT_STATUS(expected, call)                                           \
  ASSERT_EQ(::sslp11::hstest::Status{(call)}, ::sslp11::hstest::Status{(expected)}) \
      << "  call: " << #call << "\n  sslp11 says: " << ::sslp11::test::last_error()
#define ASSERT_OK(call) ASSERT_STATUS(ERROR_SUCCESS, call)
#define EXPECT_OK(call) EXPECT_STATUS(ERROR_SUCCESS, call)

// ---- Handles ----

using test::TestHandle;
// An Ssl* object handle released with SslFreeObject (sslprovider.hpp).
using Handle = TestHandle;

// A random "handshake message": 4-byte header (type, 24-bit length) + body.
Bytes handshake_message(std::uint8_t type, std::size_t body_bytes);

// ---- A TLS 1.2 ECDHE handshake up to the master key ----

// A suite of the fact table with the curve its handshake runs on.
struct SuiteCase {
  DWORD suite;
  std::string name;  // the suite's name without "TLS_" and "WITH_"
  Hash prf;
  DWORD group;            // TLS_ECC_P256/P384_CURVE_KEY_TYPE
  std::size_t key_block;  // 2 * (MAC key + write key + fixed IV)
};
// SHA-256 AES-128-GCM (P-256), SHA-384 AES-256-GCM (P-384; SoftHSMv2's
// HMAC-SHA384 needs a 48-byte pre-master), SHA-256 AES-128-CBC (P-256).
const std::vector<SuiteCase>& suite_cases();
const SuiteCase& sha256_case();
const SuiteCase& sha384_case();

// Client side: sslp11's ephemeral key against an OpenSSL peer key; the
// master secret is recomputed by OpenSSL (ECDH + TLS1-PRF "master secret").
struct Session {
  const SuiteCase* suite = nullptr;
  Handle master;
  Bytes master_secret;  // the oracle's copy
  Bytes client_random, server_random;
  Bytes randoms() const { return concat(client_random, server_random); }
};
// Throws std::runtime_error naming the failing call.
Session make_session(NCRYPT_PROV_HANDLE provider, const SuiteCase& suite);
// The same with randoms the caller chose (32 bytes each).
Session make_session(NCRYPT_PROV_HANDLE provider, const SuiteCase& suite, ByteView client_random,
                     ByteView server_random);

// A handshake hash for `suite` (throws on failure).
Handle make_handshake_hash(NCRYPT_PROV_HANDLE provider, DWORD suite);
// SslHashHandshake (throws on failure).
void hash_into(NCRYPT_PROV_HANDLE provider, NCRYPT_HASH_HANDLE hash, ByteView message);
// SslComputeSessionHash with the two-call convention (throws on failure).
Bytes session_hash(NCRYPT_PROV_HANDLE provider, NCRYPT_HASH_HANDLE hash);

// Makes every secret of the token context behind `key` unusable the way a
// token reset would (closes the pool's idle sessions, so the objects they
// made are gone). Reaches into the core through the statically linked
// provider: there is no API to lose a session on purpose.
void lose_sessions_behind(NCRYPT_KEY_HANDLE key);

// Whether the provider's token has CKM_TLS_MAC (Finished on the native path).
bool token_has_tls_mac(NCRYPT_PROV_HANDLE provider);

// ---- The fixture ----

// The handshake tests' fixture: a provider with the default configuration on
// the test token of the parameter.
class ProviderTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  NCRYPT_PROV_HANDLE p() const { return provider_.get(); }

  ProviderHandle provider_{GetParam()};
};

}  // namespace sslp11::hstest
