// Client certificate authentication against OpenSSL 3.0's command-line peer,
// TLS 1.3 and TLS 1.2, both roles, both test tokens:
//   our client with --cert (its key on the token, CertificateVerify signed
//   there) against `openssl s_server -Verify 1 -verify_return_error -CAfile`,
//   with an ECDSA and an RSA client key, and without --cert (s_server refuses);
//   our server with --verify-client against `openssl s_client -cert -key`:
//   a good client accepted, the request naming the CA (certificate_authorities,
//   read back by s_client -trace, and read by our client from s_server,
//   which names its -CAfile); no certificate refused (certificate_required in
//   TLS 1.3, handshake_failure in TLS 1.2); a certificate of another CA
//   refused with unknown_ca; a session or ticket resumed without asking again;
//   and a TLS 1.2 request our client cannot sign (SHA-512 only) declined.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
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
  EXPECT_TRUE(has(run.ours_out, "<< CertificateRequest (naming 1 certificate authority): we answer with the certificate of " + cert))
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
                    c.ecdsa ? pki.client_ec_key : pki.client_rsa_key, "-trace"};
  const RunResult run = run_server(c.token, spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_EQ(run.peer, 0) << run.describe();
  EXPECT_TRUE(has(run.peer_out, spec.text)) << run.describe();
  EXPECT_TRUE(has(run.ours_out, ">> CertificateRequest")) << run.describe();
  // The request names the CA of --verify-client (s_client -trace decodes the
  // TLS 1.2 list and shows the TLS 1.3 extension; it parsed both, or the
  // handshake would have failed with decode_error).
  EXPECT_TRUE(has(run.ours_out, "the CertificateRequest names its 1 certificate authority")) << run.describe();
  EXPECT_TRUE(has(run.peer_out, c.version.tls13 ? "extension_type=certificate_authorities(47)"
                                                : "DistinguishedName (len=27): CN = sslp11 test CA"))
      << run.describe();
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

class ClientCertificateByVersion : public ::testing::TestWithParam<Refusal> {};

// Without --cert our client answers with an empty Certificate; a server that
// requires one ends the handshake.
TEST_P(ClientCertificateByVersion, OurClientWithoutCertIsRefused) {
  const Refusal& r = GetParam();
  const RunResult run = run_client(r.token, client_run(r.version));
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, ">> Certificate (empty: no client certificate)")) << run.describe();
  EXPECT_TRUE(has(run.ours_out + run.ours_err, r.version.tls13 ? "certificate_required" : "handshake_failure"))
      << run.describe();
}

TEST_P(ClientCertificateByVersion, OurServerRefusesAClientWithoutCertificate) {
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

TEST_P(ClientCertificateByVersion, OurServerRefusesACertificateOfAnotherCa) {
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

// The session (TLS 1.2) or ticket (TLS 1.3) of an authenticated client
// resumes without a second CertificateRequest.
TEST_P(ClientCertificateByVersion, OurServerResumesWithoutAskingAgain) {
  const Refusal& r = GetParam();
  const TestPki& pki = test_pki();
  ServerUnderTest server(r.token, r.version.suite, {"--verify-client", pki.ca}, /*once=*/false,
                         r.version.tls13 ? std::optional<bool>(false) : std::nullopt);
  const std::string session = (std::filesystem::temp_directory_path() /
                               ("sslp11-client-auth-" + r.token.name + "-" + std::to_string(::getpid()) + ".sess"))
                                  .string();
  const auto connect = [&](const char* session_flag, const std::string& text) {
    return s_client_echoes({"openssl", "s_client", r.version.tls13 ? "-tls1_3" : "-tls1_2", "-connect",
                            "127.0.0.1:" + std::to_string(server.port()), "-CAfile", pki.ca, "-verify_return_error",
                            "-servername", "localhost", r.version.tls13 ? "-ciphersuites" : "-cipher", r.version.suite,
                            "-cert", pki.client_ec_cert, "-key", pki.client_ec_key, "-quiet", "-no_ign_eof",
                            session_flag, session},
                           text);
  };
  EXPECT_TRUE(connect("-sess_out", "first connection")) << server.process().describe();
  EXPECT_TRUE(connect("-sess_in", "second connection")) << server.process().describe();
  server.process().wait_for("second connection", 5s);
  std::remove(session.c_str());
  const std::string out = server.process().out();
  EXPECT_TRUE(has(out, r.version.tls13 ? "(resumed, psk_dhe_ke)" : "(resumed)")) << out;
  const auto first = out.find(">> CertificateRequest");
  ASSERT_NE(first, std::string::npos) << out;
  EXPECT_EQ(out.find(">> CertificateRequest", first + 1), std::string::npos) << out;
  EXPECT_TRUE(has(out, "client authenticated as /CN=sslp11 test client EC")) << out;
}

INSTANTIATE_TEST_SUITE_P(TokenVersion, ClientCertificateByVersion, ::testing::ValuesIn(all_refusals()),
                         [](const ::testing::TestParamInfo<Refusal>& info) {
                           return info.param.token.name + "_" + version_name(info.param.version);
                         });

// TLS 1.2: a request for SHA-512 signatures only, which the token's
// client-auth hash does not make: an empty Certificate, and s_server refuses.
class ClientCertificateTls12 : public ::testing::TestWithParam<TokenSpec> {};

TEST_P(ClientCertificateTls12, OurClientDeclinesARequestItCannotSign) {
  const TestPki& pki = test_pki();
  std::unique_ptr<TokenKey> key;
  ClientRun spec = client_run(kTls12);
  spec.peer_args.insert(spec.peer_args.end(), {"-client_sigalgs", "ECDSA+SHA512"});
  spec.args = {"--cert", pki.client_ec_cert};
  const std::vector<std::string> import = key_on_token(GetParam(), pki.client_ec_key, pki.client_ec_cert, key);
  spec.args.insert(spec.args.end(), import.begin(), import.end());
  const RunResult run = run_client(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "no requested signature scheme our ECDSA key can sign through the client-auth hash"))
      << run.describe();
  EXPECT_TRUE(has(run.ours_out, ">> Certificate (empty: no client certificate)")) << run.describe();
}

INSTANTIATE_TEST_SUITE_P(Token, ClientCertificateTls12, ::testing::ValuesIn(test::TestTokens::all()),
                         [](const ::testing::TestParamInfo<TokenSpec>& info) { return info.param.name; });

}  // namespace
}  // namespace sslp11::tlstest
