// Driving sslp11 through the Ssl* API for the record tests: statuses printed
// by name, owned handles, the suites a provider offers, record calls on
// vectors, and a TLS 1.2 key exchange against an OpenSSL peer whose secrets
// the test holds, so the expected record keys come from OpenSSL's PRF.
#pragma once

#include <gtest/gtest.h>
#include <sslp11/sslprovider.h>
#include <sslp11/sslprovider.hpp>

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "support/oracle/bytes.h"
#include "support/oracle/records.h"
#include "support/oracle/tls_prf.h"
#include "support/provider_env.h"
#include "support/test_tokens.h"

namespace sslp11::recordtest {

// The record tests speak the independent oracle's vocabulary.
using namespace ::sslp11::oracle;

// ---- Statuses ----

std::string status_name(SECURITY_STATUS s);  // "NTE_BAD_DATA (0x80090005)"

struct Status {
  SECURITY_STATUS value;
  friend bool operator==(Status a, Status b) { return a.value == b.value; }
};
inline void PrintTo(const Status& s, std::ostream* os) { *os << status_name(s.value); }

#define EXPECT_STATUS(expected, call)                                                     \
  EXPECT_EQ(::sslp11::recordtest::Status{(call)}, ::sslp11::recordtest::Status{(expected)}) \
      << "  call: " << #call << "\n  sslp11 says: " << ::sslp11::test::last_error()
#define ASSERT_STATUS(expected, call)                                                     \
  ASSERT_EQ(::sslp11::recordtest::Status{(call)}, ::sslp11::recordtest::Status{(expected)}) \
      << "  call: " << #call << "\n  sslp11 says: " << ::sslp11::test::last_error()

// ---- Handles ----

// One Ssl* object, released with SslFreeObject.
using ::sslp11::SslHandle;

// Every suite id SslEnumCipherSuites returns.
std::vector<std::uint32_t> offered_suites(NCRYPT_PROV_HANDLE provider);

// ---- A connection's record keys ----

// Our side's record keys after a full TLS 1.2 key exchange, and what they
// must be.
struct Connection {
  const SuiteFacts* suite = nullptr;
  SslHandle read, write;
  DirectionKeys ours;    // what our write key must hold
  DirectionKeys theirs;  // the peer's write keys = what our read key must hold
};

// Runs the key exchange of `suite` (ECDHE on P-256, or P-384 for SHA-384
// suites; DHE on ffdhe2048; RSA) with
// an OpenSSL peer, fresh randoms, and `role` (NCRYPT_SSL_CLIENT_FLAG, or
// NCRYPT_SSL_SERVER_FLAG for ECDHE/DHE). Throws std::runtime_error naming the
// failing call.
Connection connect(NCRYPT_PROV_HANDLE provider, const SuiteFacts& suite, DWORD role = NCRYPT_SSL_CLIENT_FLAG);

// ---- Record calls on vectors ----

struct CallResult {
  SECURITY_STATUS status = 0;
  DWORD result = 0;  // *pcbResult
  Bytes out;         // the output buffer, trimmed to `result` on success
};
CallResult encrypt(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key, ByteView plaintext, std::uint64_t seq,
                   std::uint8_t type = CT_APPLICATIONDATA);
CallResult decrypt(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key, ByteView record, std::uint64_t seq);

// ---- Parameterisation: token x suite ----

using TokenSuite = std::tuple<test::TokenSpec, const SuiteFacts*>;

// Every token with every suite of the independent table; a test skips a suite
// its token does not offer.
std::vector<TokenSuite> token_suites();
std::vector<TokenSuite> token_suites(bool (*keep)(const SuiteFacts&));
// One suite per record layout (cipher, key size, MAC): the key exchange does
// not reach the record layer, so these cover what the rest would repeat.
std::vector<TokenSuite> token_layouts();
std::vector<TokenSuite> token_cbc_layouts();
bool same_record_layout(const SuiteFacts& a, const SuiteFacts& b);
bool represents_its_layout(const SuiteFacts& s);
struct TokenSuiteName {
  std::string operator()(const ::testing::TestParamInfo<TokenSuite>& info) const;
};

}  // namespace sslp11::recordtest
