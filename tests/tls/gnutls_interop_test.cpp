// sslp11-tls against GnuTLS 3.7's command-line peers (gnutls-serv --echo,
// gnutls-cli) running GnuTLS's default priority, NORMAL, which enables TLS 1.3
// and TLS 1.2: the version negotiated must follow sslp11-tls's suite list --
// TLS 1.2 with TLS 1.2 suites, TLS 1.3 with TLS 1.3 suites -- as both sides
// report it, with application data checked both ways and every secret of the
// connection a sensitive, non-extractable token object; both tokens, both
// roles. Then session resumption in both versions and roles (our client
// --resume against gnutls-serv, gnutls-cli --resume against our server), and
// TLS 1.3 KeyUpdate started by either side. And client certificates, both
// versions, both roles: our client with --cert (its key on the token)
// against gnutls-serv --require-client-cert, gnutls-cli --x509certfile
// against our server with --verify-client.
// One ctest test per case (label "tls").
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tls/support/gnutls_runs.h"
#include "tls/support/pki.h"
#include "tls/support/tls_runs.h"

namespace sslp11::tlstest {
namespace {

enum class Role { client, server };

struct Case {
  TokenSpec token;
  std::string version;  // "1.2" or "1.3": what sslp11-tls's suite list makes it speak
  std::string suite;    // IANA name
  Role role;
  // The certificate gnutls-serv shows our client. As a server, sslp11-tls
  // picks its own (ServerUnderTest: from the first suite).
  ServerCert cert;
};

const char* cert_name(ServerCert c) { return c == ServerCert::ecdsa ? "ecdsa" : "rsa"; }

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const TokenSpec& token : test::TestTokens::all()) {
    for (Role role : {Role::client, Role::server}) {
      out.push_back({token, "1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", role, ServerCert::ecdsa});
      out.push_back({token, "1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", role, ServerCert::rsa});
      for (const char* suite : {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}) {
        // TLS 1.3 lets any suite run with either certificate: our client
        // checks gnutls-serv's ECDSA and its RSA-PSS CertificateVerify.
        out.push_back({token, "1.3", suite, role, ServerCert::ecdsa});
        if (role == Role::client) out.push_back({token, "1.3", suite, role, ServerCert::rsa});
      }
    }
  }
  return out;
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.token.name << " " << (c.role == Role::client ? "client" : "server") << " TLS " << c.version << " "
      << c.suite;
  if (c.role == Role::client) *os << " (gnutls-serv " << cert_name(c.cert) << " certificate)";
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  const Case& c = info.param;
  std::string name = c.token.name + "_" + (c.role == Role::client ? "client" : "server") + "_" + c.suite;
  if (c.role == Role::client && c.version == "1.3") name += std::string("_") + cert_name(c.cert) + "_cert";
  return name;
}

// GnuTLS's spelling of a version: "TLS1.3".
std::string gnutls_spelling(const std::string& version) { return "TLS" + version; }

class GnutlsInterop : public ::testing::TestWithParam<Case> {};

TEST_P(GnutlsInterop, NegotiatesTheVersionOfOurSuites) {
  const Case& c = GetParam();
  // As the other suites' tests do: ChaCha20-Poly1305 only where the token has it.
  if (c.suite.find("CHACHA20") != std::string::npos && !token_offers_suite(c.token, c.suite)) {
    GTEST_SKIP() << c.suite << " is not offered (SslEnumCipherSuites) on the " << c.token.name << " token";
  }
  GnutlsRunResult run;
  if (c.role == Role::client) {
    GnutlsServRun spec;
    spec.suites = c.suite;
    spec.cert = c.cert;
    spec.text = "sslp11-tls client says hello over " + c.suite;
    run = run_against_gnutls_serv(c.token, spec);
    ASSERT_TRUE(run.setup_error.empty()) << run.describe();
    ASSERT_EQ(run.ours, 0) << run.describe();
    // gnutls-serv --echo sent our line back unchanged: both directions intact.
    EXPECT_NE(run.ours_out.find(received_line(spec.text)), std::string::npos) << run.describe();
  } else {
    GnutlsCliRun spec;
    spec.suites = c.suite;
    spec.text = "gnutls-cli says hello over " + c.suite;
    spec.tls13 = c.version == "1.3";
    run = run_gnutls_cli(c.token, spec);
    ASSERT_TRUE(run.setup_error.empty()) << run.describe();
    ASSERT_EQ(run.ours, 0) << run.describe();
    EXPECT_EQ(run.peer, 0) << run.describe();
    // Our server got the line (it says so) and echoed it (gnutls-cli printed it).
    EXPECT_NE(run.ours_out.find(received_line(spec.text)), std::string::npos) << run.describe();
    EXPECT_NE(run.peer_out.find("\n" + spec.text + "\n"), std::string::npos) << run.describe();
  }
  // Both sides name the same version: the one our suite list allows.
  EXPECT_TRUE(ours_negotiated(run.ours_out, c.version)) << "sslp11-tls did not report TLS " << c.version << "\n"
                                                         << run.describe();
  EXPECT_EQ(gnutls_version(run.peer_out), gnutls_spelling(c.version)) << run.describe();
  EXPECT_NE(run.ours_out.find(std::string(kOurSuiteLine) + c.suite + "\n"), std::string::npos) << run.describe();
  EXPECT_NE(run.ours_out.find(kEverySecretOnToken), std::string::npos) << run.describe();
}

INSTANTIATE_TEST_SUITE_P(VersionSuiteTokenRole, GnutlsInterop, ::testing::ValuesIn(all_cases()), case_name);

// Resumption, per token and version: TLS 1.2 by session id, TLS 1.3 by a
// ticket (PSK).
struct ResumeCase {
  TokenSpec token;
  std::string version;
};

std::vector<ResumeCase> resume_cases() {
  std::vector<ResumeCase> out;
  for (const TokenSpec& token : test::TestTokens::all())
    for (const char* version : {"1.2", "1.3"}) out.push_back({token, version});
  return out;
}

void PrintTo(const ResumeCase& c, std::ostream* os) { *os << c.token.name << " TLS " << c.version; }

std::string resume_case_name(const ::testing::TestParamInfo<ResumeCase>& info) {
  return info.param.token.name + "_tls" + (info.param.version == "1.2" ? "12" : "13");
}

std::string resume_suite(const std::string& version) {
  return version == "1.2" ? "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" : "TLS_AES_128_GCM_SHA256";
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// What both GnuTLS tools print when a session was resumed.
constexpr const char* kGnutlsResumed = "*** This is a resumed session";

class GnutlsResumption : public ::testing::TestWithParam<ResumeCase> {};

// sslp11-tls client --resume against gnutls-serv's session cache / tickets.
TEST_P(GnutlsResumption, OurClientResumesWithGnutlsServ) {
  const ResumeCase& c = GetParam();
  GnutlsServRun spec;
  spec.suites = resume_suite(c.version);
  spec.text = "resume me";
  spec.args = {"--resume"};
  const GnutlsRunResult run = run_against_gnutls_serv(c.token, spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_NE(run.ours_out.find("-- connection 2 (resumed session)"), std::string::npos) << run.describe();
  EXPECT_EQ(count(run.peer_out, kGnutlsResumed), 1u) << run.describe();
  // Data went both ways on both connections, both in the expected version.
  EXPECT_EQ(count(run.ours_out, received_line(spec.text)), 2u) << run.describe();
  EXPECT_EQ(count(run.ours_out, std::string(kOurProtocolLine) + c.version + "\n"), 2u) << run.describe();
  EXPECT_EQ(gnutls_version(run.peer_out, /*last=*/true), gnutls_spelling(c.version)) << run.describe();
}

// gnutls-cli --resume (a full handshake, disconnect, a resumed one) against
// one sslp11-tls server.
TEST_P(GnutlsResumption, GnutlsCliResumesWithOurServer) {
  const ResumeCase& c = GetParam();
  GnutlsCliRun spec;
  spec.suites = resume_suite(c.version);
  spec.text = "resumed line";
  spec.resume = true;
  spec.tls13 = c.version == "1.3";
  const GnutlsRunResult run = run_gnutls_cli(c.token, spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.peer, 0) << run.describe();
  EXPECT_NE(run.peer_out.find(kGnutlsResumed), std::string::npos) << run.describe();
  EXPECT_EQ(gnutls_version(run.peer_out, /*last=*/true), gnutls_spelling(c.version)) << run.describe();
  // gnutls-cli sends data on the resumed connection only.
  EXPECT_NE(run.peer_out.find("\n" + spec.text + "\n"), std::string::npos) << run.describe();
  EXPECT_NE(run.ours_out.find(received_line(spec.text)), std::string::npos) << run.describe();
  EXPECT_EQ(count(run.ours_out, std::string(kOurProtocolLine) + c.version + "\n"), 2u) << run.describe();
  if (c.version == "1.2") {
    // Our server's own account of it (TLS 1.3's wording is its engine's).
    EXPECT_NE(run.ours_out.find("handshake        abbreviated"), std::string::npos) << run.describe();
  }
}

INSTANTIATE_TEST_SUITE_P(TokenVersion, GnutlsResumption, ::testing::ValuesIn(resume_cases()), resume_case_name);

class GnutlsClientCertificate : public ::testing::TestWithParam<ResumeCase> {};

// Our client's certificate (ECDSA key on the token) required by gnutls-serv:
// the line it echoes back shows the handshake passed its check.
TEST_P(GnutlsClientCertificate, OurClientAuthenticatesToGnutlsServ) {
  const ResumeCase& c = GetParam();
  const TestPki& pki = test_pki();
  GnutlsServRun spec;
  spec.suites = resume_suite(c.version);
  spec.text = "client certificate for gnutls-serv";
  spec.require_client_cert = true;
  std::unique_ptr<TokenKey> key;
  spec.args = key_on_token(c.token, pki.client_ec_key, pki.client_ec_cert, key);
  spec.args.insert(spec.args.end(), {"--cert", pki.client_ec_cert});
  const GnutlsRunResult run = run_against_gnutls_serv(c.token, spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_NE(run.ours_out.find(received_line(spec.text)), std::string::npos) << run.describe();
  EXPECT_NE(run.ours_out.find(">> CertificateVerify: ecdsa_secp256r1_sha256"), std::string::npos) << run.describe();
  EXPECT_NE(run.ours_out.find(std::string(kOurProtocolLine) + c.version + "\n"), std::string::npos)
      << run.describe();
}

// The control: without --cert our client answers with an empty Certificate,
// and gnutls-serv, requiring one, ends the handshake.
TEST_P(GnutlsClientCertificate, GnutlsServRefusesOurClientWithoutCertificate) {
  const ResumeCase& c = GetParam();
  GnutlsServRun spec;
  spec.suites = resume_suite(c.version);
  spec.text = "no certificate";
  spec.require_client_cert = true;
  const GnutlsRunResult run = run_against_gnutls_serv(c.token, spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_NE(run.ours_out.find(">> Certificate (empty: no client certificate)"), std::string::npos) << run.describe();
  EXPECT_EQ(run.ours_out.find(received_line(spec.text)), std::string::npos) << run.describe();
}

// gnutls-cli's certificate checked by our server (--verify-client).
TEST_P(GnutlsClientCertificate, GnutlsCliAuthenticatesToOurServer) {
  const ResumeCase& c = GetParam();
  const TestPki& pki = test_pki();
  GnutlsCliRun spec;
  spec.suites = resume_suite(c.version);
  spec.text = "gnutls-cli with a certificate";
  spec.args = {"--verify-client", pki.ca};
  spec.peer_args = {"--x509certfile", pki.client_ec_cert, "--x509keyfile", pki.client_ec_key};
  const GnutlsRunResult run = run_gnutls_cli(c.token, spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.peer, 0) << run.describe();
  EXPECT_NE(run.peer_out.find("\n" + spec.text + "\n"), std::string::npos) << run.describe();
  EXPECT_NE(run.ours_out.find("client authenticated: /CN=sslp11 test client EC"), std::string::npos)
      << run.describe();
  EXPECT_EQ(gnutls_version(run.peer_out), gnutls_spelling(c.version)) << run.describe();
}

INSTANTIATE_TEST_SUITE_P(TokenVersion, GnutlsClientCertificate, ::testing::ValuesIn(resume_cases()),
                         resume_case_name);

// TLS 1.3 KeyUpdate (RFC 8446 §4.6.3), started by either side; the line
// sent after it and echoed back shows both directions' new keys agree.
class GnutlsKeyUpdate : public ::testing::TestWithParam<TokenSpec> {};

TEST_P(GnutlsKeyUpdate, OurClientUpdatesItsKeys) {
  GnutlsServRun spec;
  spec.suites = "TLS_AES_128_GCM_SHA256";
  spec.text = "after our KeyUpdate";
  spec.args = {"--key-update"};
  const GnutlsRunResult run = run_against_gnutls_serv(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(ours_negotiated(run.ours_out, "1.3")) << run.describe();
  EXPECT_NE(run.ours_out.find(received_line(spec.text)), std::string::npos) << run.describe();
}

TEST_P(GnutlsKeyUpdate, OurServerUpdatesItsKeys) {
  GnutlsCliRun spec;
  spec.suites = "TLS_AES_128_GCM_SHA256";
  spec.text = "after the server's KeyUpdate";
  spec.tls13 = true;
  spec.args = {"--key-update"};
  const GnutlsRunResult run = run_gnutls_cli(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_EQ(run.peer, 0) << run.describe();
  EXPECT_TRUE(ours_negotiated(run.ours_out, "1.3")) << run.describe();
  EXPECT_NE(run.ours_out.find(received_line(spec.text)), std::string::npos) << run.describe();
  EXPECT_NE(run.peer_out.find("\n" + spec.text + "\n"), std::string::npos) << run.describe();
}

// gnutls-cli's ^rekey^ updates its keys and requests ours (update_requested).
TEST_P(GnutlsKeyUpdate, OurServerAnswersGnutlsCliKeyUpdate) {
  GnutlsCliRun spec;
  spec.suites = "TLS_AES_128_GCM_SHA256";
  spec.text = "after gnutls-cli's KeyUpdate";
  spec.tls13 = true;
  spec.rekey = true;
  const GnutlsRunResult run = run_gnutls_cli(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_EQ(run.peer, 0) << run.describe();
  EXPECT_EQ(gnutls_version(run.peer_out), "TLS1.3") << run.describe();
  EXPECT_NE(run.peer_out.find(kGnutlsRekeyed), std::string::npos) << run.describe();
  EXPECT_NE(run.ours_out.find(received_line(spec.text)), std::string::npos) << run.describe();
  EXPECT_NE(run.peer_out.find("\n" + spec.text + "\n"), std::string::npos) << run.describe();
}

INSTANTIATE_TEST_SUITE_P(Tokens, GnutlsKeyUpdate, ::testing::ValuesIn(test::TestTokens::all()), test::TokenName{});

}  // namespace
}  // namespace sslp11::tlstest
