// Client certificate authentication against OpenSSL 3.0's command-line peer,
// TLS 1.3 and TLS 1.2, both roles, both test tokens:
//   our client with --cert (its key on the token, CertificateVerify signed
//   there) against `openssl s_server -Verify 1 -verify_return_error -CAfile`,
//   with an ECDSA and an RSA client key, and without --cert (s_server refuses);
//   our server with --verify-client against `openssl s_client -cert -key`:
//   a good client accepted; no certificate refused (certificate_required in
//   TLS 1.3, handshake_failure in TLS 1.2); a certificate of another CA
//   refused with unknown_ca.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tls/support/pki.h"
#include "tls/support/tls_runs.h"

namespace sslp11::tlstest {
namespace {

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

struct Version {
  bool tls13;
  const char* suite;  // TLS 1.2: an ECDHE-RSA suite, so the server's certificate is RSA
};
const Version kTls13{true, "TLS_AES_128_GCM_SHA256"};
const Version kTls12{false, "ECDHE-RSA-AES128-GCM-SHA256"};

std::string version_name(const Version& v) { return v.tls13 ? "tls13" : "tls12"; }

struct Case {
  TokenSpec token;
  Version version;
  bool ecdsa;  // the client's key
};

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const TokenSpec& token : test::TestTokens::all())
    for (const Version& v : {kTls13, kTls12})
      for (bool ecdsa : {true, false}) out.push_back({token, v, ecdsa});
  return out;
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.token.name << " " << version_name(c.version) << (c.ecdsa ? " ECDSA" : " RSA");
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return info.param.token.name + "_" + version_name(info.param.version) + (info.param.ecdsa ? "_ecdsa" : "_rsa");
}

// s_server that requires a client certificate by the test CA and fails the
// handshake otherwise.
std::vector<std::string> s_server_requiring_client_cert() {
  return {"-Verify", "1", "-verify_return_error", "-CAfile", test_pki().ca};
}

ClientRun client_run(const Version& v) {
  ClientRun spec;
  spec.tls13 = v.tls13;
  spec.suite = v.suite;
  spec.peer_args = s_server_requiring_client_cert();
  return spec;
}

ServerRun server_run(const Version& v) {
  ServerRun spec;
  spec.tls13 = v.tls13;
  spec.suites = v.suite;
  spec.peer_cipher = v.suite;
  spec.args = {"--verify-client", test_pki().ca};
  return spec;
}

class ClientCertificate : public ::testing::TestWithParam<Case> {};

TEST_P(ClientCertificate, OurClientAuthenticatesWithTheTokenKey) {
  const Case& c = GetParam();
  const TestPki& pki = test_pki();
  const std::string cert = c.ecdsa ? pki.client_ec_cert : pki.client_rsa_cert;
  std::unique_ptr<TokenKey> key;
  ClientRun spec = client_run(c.version);
  spec.text = "sslp11-tls client with a certificate";
  spec.args = {"--cert", cert};
  const std::vector<std::string> import =
      key_on_token(c.token, c.ecdsa ? pki.client_ec_key : pki.client_rsa_key, cert, key);
  spec.args.insert(spec.args.end(), import.begin(), import.end());
  const RunResult run = run_client(c.token, spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, reversed(spec.text))) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "-- client key: " + std::string(c.ecdsa ? "ECDSA" : "RSA") + " private key on token"))
      << run.describe();
  EXPECT_TRUE(has(run.ours_out, ">> Certificate (1 certificate(s) of " + cert + ")")) << run.describe();
  const std::string scheme = c.ecdsa ? "ecdsa_secp256r1_sha256" : c.version.tls13 ? "rsa_pss_rsae_" : "rsa_pkcs1_sha256";
  EXPECT_TRUE(has(run.ours_out, ">> CertificateVerify: " + scheme)) << run.describe();
  if (!c.version.tls13) {
    EXPECT_TRUE(has(run.ours_out, "(SslCreateClientAuthHash, SslComputeClientAuthHash)")) << run.describe();
  }
  EXPECT_TRUE(has(run.ours_out, "client auth      certificate of " + cert)) << run.describe();
  // s_server saw and verified it.
  EXPECT_TRUE(has(run.peer_out + run.peer_err, std::string("sslp11 test client ") + (c.ecdsa ? "EC" : "RSA")))
      << run.describe();
}

TEST_P(ClientCertificate, OurServerAuthenticatesTheClient) {
  const Case& c = GetParam();
  const TestPki& pki = test_pki();
  ServerRun spec = server_run(c.version);
  if (c.version.tls13) spec.ecdsa_cert = !c.ecdsa;
  spec.text = "openssl s_client with a certificate";
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
  const std::string scheme = c.ecdsa ? "ecdsa_secp256r1_sha256" : c.version.tls13 ? "rsa_pss_rsae_" : "rsa_";
  EXPECT_TRUE(has(run.ours_out, "CertificateVerify " + scheme)) << run.describe();
}

INSTANTIATE_TEST_SUITE_P(TokenVersionKey, ClientCertificate, ::testing::ValuesIn(all_cases()), case_name);

struct Refusal {
  TokenSpec token;
  Version version;
};

std::vector<Refusal> all_refusals() {
  std::vector<Refusal> out;
  for (const TokenSpec& token : test::TestTokens::all())
    for (const Version& v : {kTls13, kTls12}) out.push_back({token, v});
  return out;
}

void PrintTo(const Refusal& r, std::ostream* os) { *os << r.token.name << " " << version_name(r.version); }

class ClientCertificateRefusals : public ::testing::TestWithParam<Refusal> {};

// Without --cert our client answers with an empty Certificate; a server that
// requires one ends the handshake.
TEST_P(ClientCertificateRefusals, OurClientWithoutCertIsRefused) {
  const Refusal& r = GetParam();
  const RunResult run = run_client(r.token, client_run(r.version));
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, ">> Certificate (empty: no client certificate)")) << run.describe();
  EXPECT_TRUE(has(run.ours_out + run.ours_err, r.version.tls13 ? "certificate_required" : "handshake_failure"))
      << run.describe();
}

TEST_P(ClientCertificateRefusals, OurServerRefusesAClientWithoutCertificate) {
  const Refusal& r = GetParam();
  ServerRun spec = server_run(r.version);
  spec.expect_echo = false;
  const RunResult run = run_server(r.token, spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "the client sent no certificate")) << run.describe();
  EXPECT_TRUE(has(run.peer_err, r.version.tls13 ? "alert certificate required" : "alert handshake failure"))
      << run.describe();
  EXPECT_FALSE(has(run.ours_out, "client authenticated")) << run.describe();
}

TEST_P(ClientCertificateRefusals, OurServerRefusesACertificateOfAnotherCa) {
  const Refusal& r = GetParam();
  const TestPki& pki = test_pki();
  ServerRun spec = server_run(r.version);
  spec.expect_echo = false;
  spec.peer_args = {"-cert", pki.stranger_cert, "-key", pki.client_ec_key};
  const RunResult run = run_server(r.token, spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "the client certificate does not verify against " + pki.ca)) << run.describe();
  EXPECT_TRUE(has(run.peer_err, "alert unknown ca")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, "client authenticated")) << run.describe();
}

INSTANTIATE_TEST_SUITE_P(TokenVersion, ClientCertificateRefusals, ::testing::ValuesIn(all_refusals()),
                         [](const ::testing::TestParamInfo<Refusal>& info) {
                           return info.param.token.name + "_" + version_name(info.param.version);
                         });

}  // namespace
}  // namespace sslp11::tlstest
