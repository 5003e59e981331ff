// Which key-exchange group the sslp11-tls server picks, against `openssl
// s_client`: for DHE the client's FFDHE group (RFC 7919 §4), for ECDHE the
// first curve the client offers on which the token can finish the suite (the
// provider says so: SslLookupCipherSuiteInfo with the curve as dwKeyType).
#include <gtest/gtest.h>

#include <string>

#include "tls/support/tls_runs.h"

namespace sslp11::tlstest {
namespace {

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

class FfdheGroups : public ::testing::TestWithParam<TokenSpec> {};

// s_client offers TLS 1.3 here: OpenSSL 3.0 puts FFDHE groups into
// supported_groups only then. Our server still answers with TLS 1.2.
ServerRun dhe_run(const std::string& groups) {
  ServerRun spec;
  spec.suites = "DHE-RSA-AES128-GCM-SHA256";
  spec.peer_cipher = spec.suites;
  spec.peer_tls12_only = false;
  spec.peer_args = {"-groups", groups};
  return spec;
}

// s_client offering `groups` gets a DHE handshake over `expected`.
void expect_dhe_group(const TokenSpec& token, const std::string& groups, const std::string& expected) {
  const RunResult run = run_server(token, dhe_run(groups));
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "key exchange     DHE " + expected)) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "cipher suite     TLS_DHE_RSA_WITH_AES_128_GCM_SHA256")) << run.describe();
  EXPECT_TRUE(has(run.peer_out, "hello from openssl s_client")) << run.describe();
}

TEST_P(FfdheGroups, ServerUsesTheClientsFfdhe3072) { expect_dhe_group(GetParam(), "ffdhe3072", "ffdhe3072"); }

TEST_P(FfdheGroups, ServerUsesTheClientsFfdhe4096) { expect_dhe_group(GetParam(), "ffdhe4096", "ffdhe4096"); }

// The first group of ours in the client's order, not our own first choice.
TEST_P(FfdheGroups, ServerFollowsTheClientsOrder) {
  expect_dhe_group(GetParam(), "ffdhe4096:ffdhe2048", "ffdhe4096");
}

// ffdhe8192 only: the server must not negotiate DHE; with nothing else in
// common it says insufficient_security (RFC 7919 §4).
TEST_P(FfdheGroups, NoCommonGroupIsInsufficientSecurity) {
  ServerRun spec = dhe_run("ffdhe8192");
  spec.expect_echo = false;
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "no FFDHE group in common (the client offers group 260")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "-- sent fatal alert insufficient_security")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, "ServerKeyExchange")) << run.describe();
  EXPECT_TRUE(has(run.peer_err, "insufficient security")) << run.describe();
  EXPECT_NE(run.peer, 0) << run.describe();
}

// ... and with an ECDHE suite also in common, it takes that one instead.
TEST_P(FfdheGroups, NoCommonGroupFallsBackToAnotherSuite) {
  ServerRun spec = dhe_run("ffdhe8192:P-384");
  spec.suites = "DHE-RSA-AES128-GCM-SHA256,ECDHE-RSA-AES128-GCM-SHA256";
  spec.peer_cipher = spec.suites;
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "cipher suite     TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "key exchange     ECDHE P-384")) << run.describe();
}

// No FFDHE group offered (s_client -tls1_2 sends none): ffdhe2048, as before.
TEST_P(FfdheGroups, NoFfdheGroupOfferedMeansFfdhe2048) {
  ServerRun spec;
  spec.suites = "DHE-RSA-AES128-GCM-SHA256";
  spec.peer_cipher = spec.suites;
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "key exchange     DHE ffdhe2048")) << run.describe();
}

INSTANTIATE_TEST_SUITE_P(Tokens, FfdheGroups, ::testing::ValuesIn(test::TestTokens::all()), test::TokenName{});

// A SHA-384 ECDHE suite. On SoftHSM (composed path) the token's HMAC-SHA384
// refuses the 32-byte P-256 pre-master, so the provider rules P-256 out for
// it; the NSS softoken (native path) runs it on P-256.
class CurveChoice : public ::testing::TestWithParam<TokenSpec> {
 protected:
  static bool p256_finishes_sha384(const TokenSpec& t) { return test::TestTokens::is_native(t); }
  static ServerRun sha384_run(const std::string& groups) {
    ServerRun spec;
    spec.suites = "ECDHE-RSA-AES256-GCM-SHA384";
    spec.peer_cipher = spec.suites;
    spec.peer_args = {"-groups", groups};
    return spec;
  }
};

TEST_P(CurveChoice, FirstOfferedCurveTheTokenCanFinish) {
  const RunResult run = run_server(GetParam(), sha384_run("P-256:P-384"));
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  const std::string curve = p256_finishes_sha384(GetParam()) ? "P-256" : "P-384";
  EXPECT_TRUE(has(run.ours_out, "key exchange     ECDHE " + curve)) << run.describe();
  EXPECT_TRUE(has(run.peer_out, "hello from openssl s_client")) << run.describe();
}

TEST_P(CurveChoice, OnlyAnUnfinishableCurveIsRefusedCleanly) {
  ServerRun spec = sha384_run("P-256");
  spec.expect_echo = p256_finishes_sha384(GetParam());
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  if (p256_finishes_sha384(GetParam())) {
    ASSERT_EQ(run.ours, 0) << run.describe();
    EXPECT_TRUE(has(run.ours_out, "key exchange     ECDHE P-256")) << run.describe();
    return;
  }
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "no curve in common (the client offers P-256; the token can finish it on P-384"))
      << run.describe();
  EXPECT_TRUE(has(run.ours_out, "-- sent fatal alert handshake_failure")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, "SslCreateEphemeralKey")) << run.describe();
  EXPECT_TRUE(has(run.peer_err, "handshake failure")) << run.describe();
}

INSTANTIATE_TEST_SUITE_P(Tokens, CurveChoice, ::testing::ValuesIn(test::TestTokens::all()), test::TokenName{});

}  // namespace
}  // namespace sslp11::tlstest
