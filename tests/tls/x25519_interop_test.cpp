// x25519 key exchange in sslp11-tls against OpenSSL 3.0 (`-groups X25519`):
// TLS 1.3 and TLS 1.2, both roles, and a HelloRetryRequest to x25519. On
// SoftHSMv2 (which has CKM_EC_MONTGOMERY_KEY_PAIR_GEN) the handshakes run on
// x25519; the NSS softoken has no x25519, so a peer offering only x25519
// gets a clear refusal and our client says why it offers no x25519.
#include <gtest/gtest.h>

#include <string>

#include "tls/support/tls_runs.h"

namespace sslp11::tlstest {
namespace {

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

constexpr const char* kSuite13 = "TLS_AES_128_GCM_SHA256";
constexpr const char* kSuite12 = "ECDHE-RSA-AES128-GCM-SHA256";

class X25519Interop : public ::testing::TestWithParam<TokenSpec> {
 protected:
  static bool has_x25519(const TokenSpec& t) { return !test::TestTokens::is_native(t); }
};

TEST_P(X25519Interop, Tls13ClientOffersX25519) {
  ClientRun spec;
  spec.tls13 = true;
  spec.suite = kSuite13;
  spec.args = {"--groups", "x25519"};
  spec.peer_args = {"-groups", "X25519"};
  const RunResult run = run_client(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  if (!has_x25519(GetParam())) {
    EXPECT_NE(run.ours, 0) << run.describe();
    EXPECT_TRUE(has(run.ours_out, "-- not offering x25519 for TLS 1.3: the token lists no such curve")) << run.describe();
    return;
  }
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "key exchange     ECDHE x25519")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "hello retry      no")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, reversed(spec.text))) << run.describe();
}

TEST_P(X25519Interop, Tls13ServerAcceptsX25519) {
  ServerRun spec;
  spec.tls13 = true;
  spec.suites = kSuite13;
  spec.peer_cipher = kSuite13;
  spec.peer_args = {"-groups", "X25519"};
  spec.expect_echo = has_x25519(GetParam());
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  if (!has_x25519(GetParam())) {
    EXPECT_NE(run.ours, 0) << run.describe();
    EXPECT_TRUE(has(run.ours_out, "no key-exchange group in common (the client offers x25519")) << run.describe();
    return;
  }
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "key exchange     ECDHE x25519")) << run.describe();
  EXPECT_TRUE(has(run.peer_out, spec.text)) << run.describe();
}

// s_client shares P-256 first; our server prefers x25519: HelloRetryRequest.
TEST_P(X25519Interop, Tls13ServerRetriesForX25519) {
  if (!has_x25519(GetParam())) GTEST_SKIP() << "the token has no x25519";
  ServerRun spec;
  spec.tls13 = true;
  spec.suites = kSuite13;
  spec.peer_cipher = kSuite13;
  spec.args = {"--groups", "x25519,P-256"};
  spec.peer_args = {"-groups", "P-256:X25519"};
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, ">> HelloRetryRequest")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "hello retry      yes")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "key exchange     ECDHE x25519")) << run.describe();
  EXPECT_TRUE(has(run.peer_out, spec.text)) << run.describe();
}

// s_server wants x25519; our client shares P-256 first and retries.
TEST_P(X25519Interop, Tls13ClientRetriesWithX25519) {
  if (!has_x25519(GetParam())) GTEST_SKIP() << "the token has no x25519";
  ClientRun spec;
  spec.tls13 = true;
  spec.suite = kSuite13;
  spec.args = {"--groups", "P-256,x25519"};
  spec.peer_args = {"-groups", "X25519"};
  const RunResult run = run_client(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "<< HelloRetryRequest")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "key exchange     ECDHE x25519")) << run.describe();
}

TEST_P(X25519Interop, Tls12ClientOnX25519) {
  ClientRun spec;
  spec.suite = kSuite12;
  spec.args = {"--groups", "x25519"};
  spec.peer_args = {"-groups", "X25519"};
  const RunResult run = run_client(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  if (!has_x25519(GetParam())) {
    EXPECT_NE(run.ours, 0) << run.describe();
    EXPECT_TRUE(has(run.ours_out + run.ours_err, "TLS 1.2 ECDHE: no curve of --groups the token can use"))
        << run.describe();
    return;
  }
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "key exchange     ECDHE x25519")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, reversed(spec.text))) << run.describe();
}

TEST_P(X25519Interop, Tls12ServerOnX25519) {
  ServerRun spec;
  spec.suites = kSuite12;
  spec.peer_cipher = kSuite12;
  spec.peer_args = {"-groups", "X25519"};
  spec.expect_echo = has_x25519(GetParam());
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  if (!has_x25519(GetParam())) {
    EXPECT_EQ(run.ours, 1) << run.describe();
    EXPECT_TRUE(has(run.ours_out, "no curve in common (the client offers x25519")) << run.describe();
    return;
  }
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "key exchange     ECDHE x25519")) << run.describe();
  EXPECT_TRUE(has(run.peer_out, spec.text)) << run.describe();
}

INSTANTIATE_TEST_SUITE_P(Tokens, X25519Interop, ::testing::ValuesIn(test::TestTokens::all()), test::TokenName{});

}  // namespace
}  // namespace sslp11::tlstest
