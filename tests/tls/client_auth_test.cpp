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

#include "support/provider_env.h"
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

// TLS 1.3 post-handshake authentication (RFC 8446 §4.6.2): our server with
// --post-handshake-auth asks after its first reply, over a fork of the
// handshake transcript with a fresh context, and sends its ticket only once
// the client has answered.
class PostHandshakeAuth : public ::testing::TestWithParam<TokenSpec> {};

ServerRun post_handshake_run(std::vector<std::string> peer_args) {
  ServerRun spec = server_run(kTls13);
  spec.args.push_back("--post-handshake-auth");
  spec.peer_args = std::move(peer_args);
  return spec;
}

TEST_P(PostHandshakeAuth, OurServerAsksOpenSslAfterTheHandshake) {
  const TestPki& pki = test_pki();
  ServerRun spec = post_handshake_run({"-enable_pha", "-cert", pki.client_ec_cert, "-key", pki.client_ec_key});
  spec.more_lines = {"after the client certificate"};
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_EQ(run.peer, 0) << run.describe();
  EXPECT_TRUE(has(run.peer_out, "after the client certificate")) << run.describe();
  const std::string& out = run.ours_out;
  // Nothing asked in the handshake; the request after the first reply.
  const std::size_t complete = out.find("== handshake complete");
  const std::size_t request = out.find(">> CertificateRequest after the handshake (post_handshake_auth, 16-byte context");
  const std::size_t finished = out.find("<< Finished (post-handshake authentication");
  const std::size_t ticket = out.find(">> NewSessionTicket");
  ASSERT_NE(request, std::string::npos) << run.describe();
  ASSERT_NE(finished, std::string::npos) << run.describe();
  ASSERT_NE(ticket, std::string::npos) << run.describe();
  EXPECT_LT(complete, request) << run.describe();
  EXPECT_LT(request, finished) << run.describe();
  EXPECT_LT(finished, ticket) << run.describe();  // the ticket only for an authenticated client
  EXPECT_EQ(out.find(">> CertificateRequest (a client certificate is required)"), std::string::npos) << run.describe();
  EXPECT_TRUE(has(out, "client auth      client authenticated: /CN=sslp11 test client EC")) << run.describe();
  EXPECT_TRUE(has(out, "(post-handshake authentication)")) << run.describe();
}

// A client that does not offer post_handshake_auth is asked in the handshake.
TEST_P(PostHandshakeAuth, OurServerAsksInTheHandshakeWhenTheClientCannotAnswerLater) {
  const TestPki& pki = test_pki();
  const RunResult run = run_server(GetParam(), post_handshake_run({"-cert", pki.client_ec_cert, "-key", pki.client_ec_key}));
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "the client does not offer post_handshake_auth: the certificate is asked for in the handshake"))
      << run.describe();
  EXPECT_TRUE(has(run.ours_out, ">> CertificateRequest (a client certificate is required)")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "client auth      client authenticated: /CN=sslp11 test client EC")) << run.describe();
}

// s_client -enable_pha without a certificate answers with an empty one when
// it next reads (before it prints the second echo; data it sent first is
// echoed). s_client may be gone before our alert reaches it, so only our
// side is checked.
TEST_P(PostHandshakeAuth, OurServerRefusesAnEmptyAnswer) {
  ServerRun spec = post_handshake_run({"-enable_pha"});
  spec.more_lines = {"sent while the request is pending"};
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "-- sent fatal alert certificate_required")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "the client sent no certificate")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, "client authenticated")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, ">> NewSessionTicket")) << run.describe();
}

// Our client with --cert offers post_handshake_auth and answers our server's
// request; the ticket it gets then resumes without a second request.
TEST_P(PostHandshakeAuth, OurClientAnswersOurServer) {
  const TokenSpec& token = GetParam();
  const TestPki& pki = test_pki();
  ServerUnderTest server(token, kTls13.suite, {"--verify-client", pki.ca, "--post-handshake-auth"}, /*once=*/false,
                         /*ecdsa_cert=*/false);
  std::unique_ptr<TokenKey> key;
  std::vector<std::string> args{tls_binary(), "client", "--connect", "127.0.0.1:" + std::to_string(server.port()),
                                "--cafile", pki.ca, "--servername", "localhost", "--suite", kTls13.suite,
                                "--cert", pki.client_ec_cert, "--key-update", "--resume", "--send", "authenticated later"};
  const std::vector<std::string> import = key_on_token(token, pki.client_ec_key, pki.client_ec_cert, key);
  args.insert(args.end(), import.begin(), import.end());
  ChildProcess ours(args, {"SSLP11_CONF=" + test::write_provider_config(token)});
  const std::optional<int> status = ours.wait_exit(30s);
  ASSERT_EQ(status, 0) << ours.describe() << server.process().describe();
  server.process().wait_for("resumed, psk_dhe_ke", 10s);
  const std::string theirs = server.process().out();
  EXPECT_TRUE(has(ours.out(), "<< CertificateRequest (naming 1 certificate authority) after the handshake: we answer "
                              "with the certificate of " + pki.client_ec_cert))
      << ours.describe();
  EXPECT_TRUE(has(ours.out(), ">> CertificateVerify: ecdsa_secp256r1_sha256 signed on the token")) << ours.describe();
  EXPECT_TRUE(has(ours.out(), ">> Finished (post-handshake authentication")) << ours.describe();
  EXPECT_TRUE(has(ours.out(), "resumed with a ticket's PSK (psk_dhe_ke)")) << ours.describe();
  EXPECT_TRUE(has(theirs, "<< Finished (post-handshake authentication")) << theirs;
  EXPECT_TRUE(has(theirs, "client authenticated as /CN=sslp11 test client EC")) << theirs;
  const auto first = theirs.find(">> CertificateRequest");
  ASSERT_NE(first, std::string::npos) << theirs;
  EXPECT_EQ(theirs.find(">> CertificateRequest", first + 1), std::string::npos) << theirs;  // not asked again
}

// Without --cert our client does not offer post_handshake_auth, so a request
// after the handshake is a protocol error (RFC 8446 §4.6.2); the server
// asks in the handshake instead and the client's empty Certificate is refused.
TEST_P(PostHandshakeAuth, OurClientWithoutCertOffersNothing) {
  const TokenSpec& token = GetParam();
  const TestPki& pki = test_pki();
  ServerUnderTest server(token, kTls13.suite, {"--verify-client", pki.ca, "--post-handshake-auth"}, /*once=*/false,
                         /*ecdsa_cert=*/false);
  ChildProcess ours({tls_binary(), "client", "--connect", "127.0.0.1:" + std::to_string(server.port()), "--cafile",
                     pki.ca, "--servername", "localhost", "--suite", kTls13.suite, "--send", "no certificate"},
                    {"SSLP11_CONF=" + test::write_provider_config(token)});
  const std::optional<int> status = ours.wait_exit(30s);
  EXPECT_EQ(status, 1) << ours.describe() << server.process().describe();
  server.process().wait_for("the client sent no certificate", 10s);
  EXPECT_TRUE(has(server.process().out(), "the client does not offer post_handshake_auth"))
      << server.process().describe();
}

INSTANTIATE_TEST_SUITE_P(Token, PostHandshakeAuth, ::testing::ValuesIn(test::TestTokens::all()),
                         [](const ::testing::TestParamInfo<TokenSpec>& info) { return info.param.name; });

}  // namespace
}  // namespace sslp11::tlstest
