// TLS 1.3 client certificate authentication against OpenSSL 3.0's
// command-line peer, both roles, both test tokens:
//   our client with --cert (its key on the token, CertificateVerify signed
//   there) against `openssl s_server -tls1_3 -Verify 1 -CAfile ...`, with an
//   ECDSA and an RSA client key, and without --cert (s_server refuses);
//   our server with --verify-client against `openssl s_client -cert -key`:
//   a good client accepted, no certificate refused with certificate_required,
//   a certificate of another CA refused with unknown_ca.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tls/support/pki.h"
#include "tls/support/tls_runs.h"

namespace sslp11::tlstest {
namespace {

constexpr const char* kSuite = "TLS_AES_128_GCM_SHA256";

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

struct Case {
  TokenSpec token;
  bool ecdsa;  // the client's key
};

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const TokenSpec& token : test::TestTokens::all())
    for (bool ecdsa : {true, false}) out.push_back({token, ecdsa});
  return out;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.token.name << (c.ecdsa ? " ECDSA" : " RSA"); }

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return info.param.token.name + (info.param.ecdsa ? "_ecdsa" : "_rsa");
}

// s_server that requires a client certificate by the test CA and fails the
// handshake otherwise.
std::vector<std::string> s_server_requiring_client_cert() {
  return {"-Verify", "1", "-verify_return_error", "-CAfile", test_pki().ca};
}

class ClientCertificate13 : public ::testing::TestWithParam<Case> {};

TEST_P(ClientCertificate13, OurClientAuthenticatesWithTheTokenKey) {
  const Case& c = GetParam();
  const TestPki& pki = test_pki();
  const std::string cert = c.ecdsa ? pki.client_ec_cert : pki.client_rsa_cert;
  std::unique_ptr<TokenKey> key;
  ClientRun spec;
  spec.tls13 = true;
  spec.suite = kSuite;
  spec.ecdsa_cert = !c.ecdsa;  // the server's own key of the other kind
  spec.text = "sslp11-tls client with a certificate";
  spec.args = {"--cert", cert};
  const std::vector<std::string> import =
      key_on_token(c.token, c.ecdsa ? pki.client_ec_key : pki.client_rsa_key, cert, key);
  spec.args.insert(spec.args.end(), import.begin(), import.end());
  spec.peer_args = s_server_requiring_client_cert();
  const RunResult run = run_client(c.token, spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, reversed(spec.text))) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "-- client key: " + std::string(c.ecdsa ? "ECDSA" : "RSA") + " private key on token"))
      << run.describe();
  EXPECT_TRUE(has(run.ours_out, ">> Certificate (1 certificate(s) of " + cert + ")")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, ">> CertificateVerify: " + std::string(c.ecdsa ? "ecdsa_secp256r1_sha256" : "rsa_pss_rsae_") ))
      << run.describe();
  EXPECT_TRUE(has(run.ours_out, "client auth      certificate of " + cert)) << run.describe();
  // s_server saw and verified it.
  EXPECT_TRUE(has(run.peer_out + run.peer_err, std::string("sslp11 test client ") + (c.ecdsa ? "EC" : "RSA")))
      << run.describe();
}

TEST_P(ClientCertificate13, OurServerAuthenticatesTheClient) {
  const Case& c = GetParam();
  const TestPki& pki = test_pki();
  ServerRun spec;
  spec.tls13 = true;
  spec.suites = kSuite;
  spec.peer_cipher = kSuite;
  spec.ecdsa_cert = !c.ecdsa;
  spec.text = "openssl s_client with a certificate";
  spec.args = {"--verify-client", pki.ca};
  spec.peer_args = {"-cert", c.ecdsa ? pki.client_ec_cert : pki.client_rsa_cert, "-key",
                    c.ecdsa ? pki.client_ec_key : pki.client_rsa_key};
  const RunResult run = run_server(c.token, spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_EQ(run.peer, 0) << run.describe();
  EXPECT_TRUE(has(run.peer_out, spec.text)) << run.describe();
  EXPECT_TRUE(has(run.ours_out, ">> CertificateRequest")) << run.describe();
  const std::string subject = std::string("/CN=sslp11 test client ") + (c.ecdsa ? "EC" : "RSA");
  EXPECT_TRUE(has(run.ours_out, "client auth      client authenticated: " + subject)) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "CertificateVerify " + std::string(c.ecdsa ? "ecdsa_secp256r1_sha256" : "rsa_pss_rsae_")))
      << run.describe();
}

INSTANTIATE_TEST_SUITE_P(TokenKey, ClientCertificate13, ::testing::ValuesIn(all_cases()), case_name);

class ClientCertificate13Refusals : public ::testing::TestWithParam<TokenSpec> {};

// Without --cert our client still answers with an empty Certificate; a
// server that requires one ends the handshake.
TEST_P(ClientCertificate13Refusals, OurClientWithoutCertIsRefused) {
  ClientRun spec;
  spec.tls13 = true;
  spec.suite = kSuite;
  spec.peer_args = s_server_requiring_client_cert();
  const RunResult run = run_client(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, ">> Certificate (empty: no client certificate)")) << run.describe();
  EXPECT_TRUE(has(run.ours_out + run.ours_err, "certificate_required")) << run.describe();
}

TEST_P(ClientCertificate13Refusals, OurServerRefusesAClientWithoutCertificate) {
  ServerRun spec;
  spec.tls13 = true;
  spec.suites = kSuite;
  spec.peer_cipher = kSuite;
  spec.expect_echo = false;
  spec.args = {"--verify-client", test_pki().ca};
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "the client sent no certificate")) << run.describe();
  EXPECT_TRUE(has(run.peer_err, "alert certificate required")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, "client authenticated")) << run.describe();
}

TEST_P(ClientCertificate13Refusals, OurServerRefusesACertificateOfAnotherCa) {
  const TestPki& pki = test_pki();
  ServerRun spec;
  spec.tls13 = true;
  spec.suites = kSuite;
  spec.peer_cipher = kSuite;
  spec.expect_echo = false;
  spec.args = {"--verify-client", pki.ca};
  spec.peer_args = {"-cert", pki.stranger_cert, "-key", pki.client_ec_key};
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "the client certificate does not verify against " + pki.ca)) << run.describe();
  EXPECT_TRUE(has(run.peer_err, "alert unknown ca")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, "client authenticated")) << run.describe();
}

// A client that answers TLS 1.2 only is refused, not served unauthenticated.
TEST_P(ClientCertificate13Refusals, OurServerRefusesTls12WhenClientCertificatesAreRequired) {
  const TestPki& pki = test_pki();
  ServerRun spec;
  spec.suites = std::string(kSuite) + ",ECDHE-RSA-AES128-GCM-SHA256";
  spec.peer_cipher = "ECDHE-RSA-AES128-GCM-SHA256";
  spec.ecdsa_cert = false;
  spec.expect_echo = false;
  spec.args = {"--verify-client", pki.ca};
  spec.peer_args = {"-cert", pki.client_rsa_cert, "-key", pki.client_rsa_key};
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "--verify-client needs TLS 1.3")) << run.describe();
}

INSTANTIATE_TEST_SUITE_P(Token, ClientCertificate13Refusals, ::testing::ValuesIn(test::TestTokens::all()),
                         [](const ::testing::TestParamInfo<TokenSpec>& info) { return info.param.name; });

}  // namespace
}  // namespace sslp11::tlstest
