// sslp11-tls's TLS 1.3 against OpenSSL 3.0's command-line peer
// (`openssl s_server -tls1_3` / `openssl s_client -tls1_3`), both roles, both
// test tokens: every TLS 1.3 suite the token runs, P-256 and P-384, RSA and
// ECDSA certificates, HelloRetryRequest forced by the group choice, PSK
// resumption with tickets, KeyUpdate both ways, a 1 MiB transfer, tampered
// records, and the version negotiation with TLS 1.2 peers (including the
// RFC 8446 downgrade sentinel). One ctest test per case (label "tls").
#include <gtest/gtest.h>

#include <sslp11/sslprovider.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "support/provider_env.h"
#include "tls/suites.h"
#include "tls/support/pki.h"
#include "tls/support/tls_runs.h"

namespace sslp11::tlstest {
namespace {

enum class Role { client, server };

struct Case {
  TokenSpec token;
  std::string suite;  // IANA name = OpenSSL's -ciphersuites name
  Role role;
  std::string group;  // "P-256" / "P-384"
  bool ecdsa;         // the server's certificate
};

const std::vector<std::string>& suites13() {
  static const std::vector<std::string> s{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                          "TLS_CHACHA20_POLY1305_SHA256"};
  return s;
}

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const TokenSpec& token : test::TestTokens::all())
    for (Role role : {Role::client, Role::server}) {
      for (const std::string& suite : suites13()) out.push_back({token, suite, role, "P-256", false});
      out.push_back({token, "TLS_AES_128_GCM_SHA256", role, "P-384", true});
    }
  return out;
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.token.name << " " << (c.role == Role::client ? "client" : "server") << " " << c.suite << " " << c.group
      << (c.ecdsa ? " ECDSA" : " RSA");
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string group = info.param.group;
  group.erase(group.find('-'), 1);
  return info.param.token.name + "_" + (info.param.role == Role::client ? "client" : "server") + "_" +
         info.param.suite + "_" + group + (info.param.ecdsa ? "_ecdsa" : "_rsa");
}

// Whether the token runs a TLS 1.3 suite (ChaCha20-Poly1305 needs CKM_CHACHA20_POLY1305).
bool token_runs(const TokenSpec& token, const std::string& suite) {
  test::ProviderHandle p(token);
  NCRYPT_SSL_CIPHER_SUITE info{};
  return SslLookupCipherSuiteInfo(p.get(), TLS1_3_PROTOCOL_VERSION, *tls::find_suite_id(suite), 0, &info, 0) ==
         ERROR_SUCCESS;
}

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// What every successful full TLS 1.3 run of ours shows in its account: every
// secret of the schedule and every record key, each a sensitive,
// non-extractable session object, and what the token's path let cross host
// memory on the way.
void expect_tls13_account(const RunResult& run, const std::string& suite, const TokenSpec& token) {
  EXPECT_TRUE(has(run.ours_out, "protocol TLS 1.3")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "cipher suite     " + suite)) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "every secret of this connection lived on the token")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, "NOT every secret")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "exporter         EXPERIMENTAL sslp11 (32 bytes): ")) << run.describe();
  const bool native = test::TestTokens::is_native(token);
  EXPECT_TRUE(has(run.ours_out, native ? "derivation path  native: HKDF by the token's CKM_HKDF_DERIVE; no secret was in "
                                         "host memory"
                                       : "derivation path  composed: HKDF composed from the token's HMAC (C_Sign); each "
                                         "secret passed through a wiped host buffer"))
      << run.describe();
  EXPECT_TRUE(has(run.ours_out, native ? "not extractable; none was ever in host memory"
                                       : "not extractable; on the composed path each passed through host memory"))
      << run.describe();
  for (const std::string key :
       {"early secret (secret): ", "handshake secret (secret): ", "client handshake traffic secret (secret): ",
        "server handshake traffic secret (secret): ", "handshake read key (cipher key): ",
        "handshake write key (cipher key): ", "master secret (secret): ", "client application traffic secret (secret): ",
        "server application traffic secret (secret): ", "exporter master secret (secret): ",
        "resumption master secret (secret): ", "application read key (cipher key): ",
        "application write key (cipher key): "}) {
    const auto at = run.ours_out.find("\n     " + key);
    ASSERT_NE(at, std::string::npos) << key << "\n" << run.describe();
    const std::string line = run.ours_out.substr(at + 1, run.ours_out.find('\n', at + 1) - at - 1);
    EXPECT_NE(line.find("token object (session object), sensitive, not extractable"), std::string::npos) << line;
  }
}

// The TLS 1.3 suites are named through the provider (Sslp11LookupCipherSuiteByName /
// Sslp11GetCipherSuiteName), as --suite takes them.
TEST(Tls13SuiteNames, ComeFromTheProvider) {
  const std::vector<std::pair<std::string, std::uint32_t>> expected{
      {"TLS_AES_128_GCM_SHA256", 0x1301}, {"TLS_AES_256_GCM_SHA384", 0x1302}, {"TLS_CHACHA20_POLY1305_SHA256", 0x1303}};
  for (const auto& [name, id] : expected) {
    EXPECT_EQ(tls::find_suite_id(name), id) << name;
    EXPECT_EQ(tls::iana_suite_name(id), name);
    EXPECT_TRUE(tls::is_tls13_suite(id)) << name;
  }
  EXPECT_FALSE(tls::is_tls13_suite(*tls::find_suite_id("ECDHE-RSA-AES128-GCM-SHA256")));
  EXPECT_EQ(tls::parse_suite_list("tls_aes_128_gcm_sha256,ECDHE-RSA-AES128-GCM-SHA256"),
            (std::vector<std::uint32_t>{0x1301, 0xC02F}));
  EXPECT_EQ(tls::parse_group_list("P-384,secp256r1:prime256v1,x25519"), (std::vector<std::uint16_t>{24, 23, 29}));
  EXPECT_THROW(tls::parse_group_list("P-999"), std::invalid_argument);
}

class Interop13 : public ::testing::TestWithParam<Case> {};

TEST_P(Interop13, ApplicationDataBothWays) {
  const Case& c = GetParam();
  if (!token_runs(c.token, c.suite)) GTEST_SKIP() << c.token.name << " does not run " << c.suite << ": " << test::last_error();
  RunResult run;
  if (c.role == Role::client) {
    ClientRun spec;
    spec.tls13 = true;
    spec.suite = c.suite;
    spec.ecdsa_cert = c.ecdsa;
    spec.text = "sslp11-tls TLS 1.3 client over " + c.suite;
    spec.args = {"--groups", c.group};
    spec.peer_args = {"-groups", c.group};
    run = run_client(c.token, spec);
    ASSERT_TRUE(run.setup_error.empty()) << run.describe();
    ASSERT_EQ(run.ours, 0) << run.describe();
    const std::string echo = reversed(spec.text);
    EXPECT_TRUE(has(run.ours_out, "<< application data: " + std::to_string(echo.size() + 1) + " bytes: \"" + echo +
                                      "\\n\""))
        << run.describe();
    EXPECT_TRUE(has(run.ours_out, "server CertificateVerify " + std::string(c.ecdsa ? "ecdsa" : "rsa_pss")))
        << run.describe();
  } else {
    ServerRun spec;
    spec.tls13 = true;
    spec.suites = c.suite;
    spec.peer_cipher = c.suite;
    spec.ecdsa_cert = c.ecdsa;
    spec.text = "openssl s_client TLS 1.3 over " + c.suite;
    spec.args = {"--groups", c.group};
    spec.peer_args = {"-groups", c.group};
    run = run_server(c.token, spec);
    ASSERT_TRUE(run.setup_error.empty()) << run.describe();
    ASSERT_EQ(run.ours, 0) << run.describe();
    EXPECT_EQ(run.peer, 0) << run.describe();
    EXPECT_TRUE(has(run.ours_out, "<< application data: " + std::to_string(spec.text.size() + 1) + " bytes: \"" +
                                      spec.text + "\\n\""))
        << run.describe();
    EXPECT_TRUE(has(run.peer_out, spec.text)) << run.describe();
    EXPECT_TRUE(has(run.ours_out, "CertificateVerify signed " + std::string(c.ecdsa ? "ecdsa" : "rsa_pss")))
        << run.describe();
  }
  expect_tls13_account(run, c.suite, c.token);
  EXPECT_TRUE(has(run.ours_out, "key exchange     ECDHE " + c.group)) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "hello retry      no")) << run.describe();
}

INSTANTIATE_TEST_SUITE_P(SuiteTokenRole, Interop13, ::testing::ValuesIn(all_cases()), case_name);

// The features, per token.
class Tls13Features : public ::testing::TestWithParam<TokenSpec> {};

constexpr const char* kSuite = "TLS_AES_128_GCM_SHA256";

// s_server wants P-384; we offer P-256 first (with its share) and P-384.
TEST_P(Tls13Features, ClientAnswersHelloRetryRequest) {
  ClientRun spec;
  spec.tls13 = true;
  spec.suite = kSuite;
  spec.args = {"--groups", "P-256,P-384"};
  spec.peer_args = {"-groups", "P-384"};
  const RunResult run = run_client(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "<< HelloRetryRequest")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "hello retry      yes")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "key exchange     ECDHE P-384")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, reversed(spec.text))) << run.describe();
  expect_tls13_account(run, kSuite, GetParam());
}

// s_client shares P-256 first; our server prefers P-384.
TEST_P(Tls13Features, ServerSendsHelloRetryRequest) {
  ServerRun spec;
  spec.tls13 = true;
  spec.suites = kSuite;
  spec.peer_cipher = kSuite;
  spec.args = {"--groups", "P-384"};
  spec.peer_args = {"-groups", "P-256:P-384"};
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, ">> HelloRetryRequest")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "hello retry      yes")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "key exchange     ECDHE P-384")) << run.describe();
  EXPECT_TRUE(has(run.peer_out, spec.text)) << run.describe();
  expect_tls13_account(run, kSuite, GetParam());
}

// Our client keeps s_server's ticket (the PSK on the token) and resumes with it.
TEST_P(Tls13Features, ClientResumesWithTicket) {
  ClientRun spec;
  spec.tls13 = true;
  spec.suite = kSuite;
  spec.args = {"--resume"};
  const RunResult run = run_client(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "<< NewSessionTicket")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "PSK ticket offered")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "resumed with a ticket's PSK (psk_dhe_ke)")) << run.describe();
  // The PSK is a session object on the token; readable only on the composed path (docs/security.md),
  // which the account of the resumed connection says, and only of that connection.
  EXPECT_TRUE(has(run.ours_out, "ticket PSK (from the first connection) (secret): CKK_GENERIC_SECRET")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "resumption binder key (secret): CKK_GENERIC_SECRET")) << run.describe();
  const auto second = run.ours_out.find("-- connection 2 (resumed session)");
  ASSERT_NE(second, std::string::npos) << run.describe();
  const std::string first_account = run.ours_out.substr(0, second), second_account = run.ours_out.substr(second);
  EXPECT_TRUE(has(first_account, "=> every secret of this connection lived on the token")) << run.describe();
  if (test::TestTokens::is_native(GetParam())) {
    EXPECT_TRUE(has(second_account, "=> every secret of this connection lived on the token")) << run.describe();
  } else {
    EXPECT_TRUE(has(second_account, "ticket PSK (from the first connection) (secret): CKK_GENERIC_SECRET (32 bytes), "
                                    "token object (session object), NOT sensitive, EXTRACTABLE"))
        << run.describe();
    EXPECT_TRUE(has(second_account, "=> NOT every secret of this connection was a sensitive, non-extractable token object"))
        << run.describe();
  }
}

// s_client stores our ticket (-sess_out) and offers it again (-sess_in).
TEST_P(Tls13Features, ServerResumesItsTicket) {
  const TokenSpec& token = GetParam();
  const TestPki& pki = test_pki();
  ServerUnderTest server(token, kSuite, {}, /*once=*/false, false);
  const std::string session = (std::filesystem::temp_directory_path() /
                               ("sslp11-tls13-" + token.name + "-" + std::to_string(::getpid()) + ".sess"))
                                  .string();
  const auto connect = [&](const char* session_flag, const std::string& text) {
    return s_client_echoes({"openssl", "s_client", "-tls1_3", "-connect", "127.0.0.1:" + std::to_string(server.port()),
                            "-CAfile", pki.ca, "-verify_return_error", "-servername", "localhost", "-ciphersuites",
                            kSuite, "-quiet", "-no_ign_eof", session_flag, session},
                           text);
  };
  EXPECT_TRUE(connect("-sess_out", "first connection")) << server.process().describe();
  EXPECT_TRUE(connect("-sess_in", "second connection")) << server.process().describe();
  server.process().wait_for("second connection", 5s);
  server.process().wait_for("resumed, psk_dhe_ke", 5s);
  std::remove(session.c_str());
  const std::string out = server.process().out();
  EXPECT_TRUE(has(out, ">> NewSessionTicket")) << out;
  EXPECT_TRUE(has(out, "binder verified")) << out;
  EXPECT_TRUE(has(out, "resumed with a ticket's PSK (psk_dhe_ke)")) << out;
}

// Our client asks for a KeyUpdate; s_server answers with its own.
TEST_P(Tls13Features, ClientKeyUpdate) {
  ClientRun spec;
  spec.tls13 = true;
  spec.suite = kSuite;
  spec.args = {"--key-update"};
  const RunResult run = run_client(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, ">> KeyUpdate(update_requested)")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "<< KeyUpdate(update_not_requested)")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "key updates      sent 1, received 1")) << run.describe();
  // The text went out and came back (reversed) under the new keys too.
  const std::string echo = reversed(spec.text);
  const auto first = run.ours_out.find(echo);
  ASSERT_NE(first, std::string::npos) << run.describe();
  EXPECT_NE(run.ours_out.find(echo, first + 1), std::string::npos) << run.describe();
}

// s_client's "K" asks our server for a KeyUpdate; our --key-update sends one
// after the first reply.
TEST_P(Tls13Features, ServerKeyUpdateBothWays) {
  ServerRun spec;
  spec.tls13 = true;
  spec.suites = kSuite;
  spec.peer_cipher = kSuite;
  spec.args = {"--key-update"};
  spec.more_lines = {"K", "after the key updates"};
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, ">> KeyUpdate(update_requested)")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "<< KeyUpdate(update_requested)")) << run.describe();
  EXPECT_TRUE(has(run.peer_out, "after the key updates")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "after the key updates")) << run.describe();
}

TEST_P(Tls13Features, OneMebibyteThroughOurServer) {
  ServerRun spec;
  spec.tls13 = true;
  spec.suites = kSuite;
  spec.peer_cipher = kSuite;
  std::string text;
  text.reserve(1 << 20);
  // Digits only: s_client takes a stdin read that starts with a letter such as K or Q for a command.
  for (std::size_t i = 0; text.size() < (1u << 20) - 1; ++i) text.push_back(static_cast<char>('0' + i % 10));
  spec.text = text.substr(0, 64);
  spec.more_lines = {text};
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe().substr(0, 4000);
  ASSERT_EQ(run.ours, 0) << run.describe().substr(0, 4000);
  EXPECT_TRUE(has(run.peer_out, text)) << run.describe().substr(0, 4000);
  EXPECT_TRUE(has(run.ours_out, "received " + std::to_string(64 + 1 + text.size() + 1) + " bytes of application data"))
      << run.describe().substr(0, 4000);
}

// A flipped byte in a protected record from s_server: our client refuses it.
TEST_P(Tls13Features, ClientRefusesTamperedRecord) {
  ClientRun spec;
  spec.tls13 = true;
  spec.suite = kSuite;
  spec.tampering = Tampering{TamperProxy::Direction::to_client, flip_first_application_data};
  const RunResult run = run_client(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_TRUE(run.tampered) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "did not decrypt")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "-- sent fatal alert bad_record_mac")) << run.describe();
}

// A flipped byte in a protected record from s_client: our server refuses it.
TEST_P(Tls13Features, ServerRefusesTamperedRecord) {
  ServerRun spec;
  spec.tls13 = true;
  spec.suites = kSuite;
  spec.peer_cipher = kSuite;
  spec.expect_echo = false;
  spec.tampering = Tampering{TamperProxy::Direction::to_server, flip_first_application_data};
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_TRUE(run.tampered) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "did not decrypt")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "-- sent fatal alert bad_record_mac")) << run.describe();
}

// Our client offers TLS 1.3 and 1.2; a TLS 1.2-only s_server gets TLS 1.2,
// and --resume then resumes the TLS 1.2 session by its id.
TEST_P(Tls13Features, ClientFallsBackToTls12) {
  ClientRun spec;
  spec.suite = "ECDHE-RSA-AES128-GCM-SHA256";
  spec.our_suites = std::string(kSuite) + ",ECDHE-RSA-AES128-GCM-SHA256";
  spec.args = {"--resume"};
  const RunResult run = run_client(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, ">> ClientHello: TLS 1.3 and TLS 1.2")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "protocol TLS 1.2")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, "protocol TLS 1.3")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "abbreviated (session resumed by id")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, reversed(spec.text))) << run.describe();
}

// Our server serves TLS 1.3 and 1.2; a TLS 1.2-only s_client gets TLS 1.2.
TEST_P(Tls13Features, ServerFallsBackToTls12) {
  ServerRun spec;
  spec.suites = std::string(kSuite) + ",ECDHE-RSA-AES128-GCM-SHA256";
  spec.peer_cipher = "ECDHE-RSA-AES128-GCM-SHA256";
  spec.ecdsa_cert = false;
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "protocol TLS 1.2")) << run.describe();
  EXPECT_TRUE(has(run.peer_out, spec.text)) << run.describe();
}

// RFC 8446 §4.1.3: our TLS 1.3-capable server, seeing a ClientHello whose
// TLS 1.3 offer a proxy removed, answers TLS 1.2 with the downgrade
// sentinel; our client, which did offer TLS 1.3, refuses with illegal_parameter.
bool hide_tls13_offer(std::vector<std::uint8_t>& record) {
  if (record.size() < 6 || record[0] != 22 || record[5] != 1) return false;
  // supported_versions: 00 2b, length 5, list length 4, 03 04, 03 03.
  const std::vector<std::uint8_t> offer{0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03};
  const auto at = std::search(record.begin(), record.end(), offer.begin(), offer.end());
  if (at == record.end()) return false;
  at[5] = 0x0a;  // 0x0a0a: a GREASE value the server ignores (RFC 8701)
  at[6] = 0x0a;
  return true;
}

TEST_P(Tls13Features, ClientDetectsDowngradeSentinel) {
  const TokenSpec& token = GetParam();
  const TestPki& pki = test_pki();
  const std::string both = std::string(kSuite) + ",ECDHE-RSA-AES128-GCM-SHA256";
  ServerUnderTest server(token, both, {}, /*once=*/true, false);
  TamperProxy proxy(server.port(), TamperProxy::Direction::to_server, hide_tls13_offer);
  ChildProcess ours({tls_binary(), "client", "--connect", "127.0.0.1:" + std::to_string(proxy.port()), "--cafile",
                     pki.ca, "--servername", "localhost", "--suite", both, "--send", "hello"},
                    {"SSLP11_CONF=" + test::write_provider_config(token)});
  const std::optional<int> status = ours.wait_exit(20s);
  server.process().wait_exit(5s);
  EXPECT_TRUE(proxy.tampered());
  EXPECT_EQ(status, 1) << ours.describe();
  EXPECT_TRUE(has(ours.out(), "downgrade sentinel")) << ours.describe();
  EXPECT_TRUE(has(ours.out(), "-- sent fatal alert illegal_parameter")) << ours.describe();
}

std::vector<std::string> exporter_values(const std::string& out) {
  std::vector<std::string> v;
  const std::string tag = "exporter         EXPERIMENTAL sslp11 (32 bytes): ";
  for (auto at = out.find(tag); at != std::string::npos; at = out.find(tag, at + 1))
    v.push_back(out.substr(at + tag.size(), 64));
  return v;
}

// sslp11-tls on both ends: a HelloRetryRequest, KeyUpdates both ways, a
// resumption with the server's ticket; both ends derive the same exporter
// values (RFC 8446 §7.5) without either secret leaving its token.
TEST_P(Tls13Features, OursAgainstOurs) {
  const TokenSpec& token = GetParam();
  const TestPki& pki = test_pki();
  ServerUnderTest server(token, kSuite, {"--groups", "P-384", "--key-update"}, /*once=*/false, false);
  ChildProcess ours({tls_binary(), "client", "--connect", "127.0.0.1:" + std::to_string(server.port()), "--cafile",
                     pki.ca, "--servername", "localhost", "--suite", kSuite, "--groups", "P-256,P-384", "--key-update",
                     "--resume", "--send", "both ends are sslp11"},
                    {"SSLP11_CONF=" + test::write_provider_config(token)});
  const std::optional<int> status = ours.wait_exit(20s);
  ASSERT_EQ(status, 0) << ours.describe() << server.process().describe();
  server.process().wait_for("resumed with a ticket's PSK", 10s);
  const std::string theirs = server.process().out();
  EXPECT_TRUE(has(ours.out(), "hello retry      yes")) << ours.describe();
  EXPECT_TRUE(has(ours.out(), "resumed with a ticket's PSK (psk_dhe_ke)")) << ours.describe();
  EXPECT_TRUE(has(theirs, ">> HelloRetryRequest")) << theirs;
  EXPECT_TRUE(has(theirs, "<< KeyUpdate(update_requested)")) << theirs;
  EXPECT_TRUE(has(ours.out(), "<< KeyUpdate(update_requested)")) << ours.describe();
  const std::vector<std::string> client_values = exporter_values(ours.out());
  const std::vector<std::string> server_values = exporter_values(theirs);
  ASSERT_EQ(client_values.size(), 2u) << ours.describe();
  ASSERT_EQ(server_values.size(), 2u) << theirs;
  EXPECT_EQ(client_values, server_values);
  EXPECT_NE(client_values[0], client_values[1]);
}

// The exporter value our server prints equals OpenSSL's (s_client
// -keymatexport, RFC 8446 §7.5 with no context; printed without -quiet).
TEST_P(Tls13Features, ExporterMatchesOpenSsl) {
  const TokenSpec& token = GetParam();
  const TestPki& pki = test_pki();
  ServerUnderTest server(token, kSuite, {}, /*once=*/true, false);
  ChildProcess peer({"openssl", "s_client", "-tls1_3", "-connect", "127.0.0.1:" + std::to_string(server.port()),
                     "-CAfile", pki.ca, "-verify_return_error", "-servername", "localhost", "-ciphersuites", kSuite,
                     "-keymatexport", "EXPERIMENTAL sslp11", "-keymatexportlen", "32"},
                    {}, /*pipe_stdin=*/true);
  peer.wait_for("Keying material: ", 20s);
  peer.write_stdin("exporter checked\n");
  peer.wait_for("exporter checked", 10s);
  peer.close_stdin();
  peer.wait_exit(10s);
  server.process().wait_exit(10s);
  const std::vector<std::string> ours = exporter_values(server.process().out());
  ASSERT_EQ(ours.size(), 1u) << server.process().describe();
  std::string upper = ours[0];
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_TRUE(has(peer.out(), "Keying material: " + upper)) << peer.describe() << server.process().describe();
}

// `sslp11-tls soak` over TLS 1.3: full handshakes and ticket resumptions
// alternate, and the token holds as many objects and the provider as many
// handles afterwards as before.
TEST_P(Tls13Features, SoakResumesAndLeavesNothingBehind) {
  const TokenSpec& token = GetParam();
  const TestPki& pki = test_pki();
  const std::string port = std::to_string(free_port());
  ChildProcess peer({"openssl", "s_server", "-tls1_3", "-accept", "127.0.0.1:" + port, "-cert", pki.rsa_cert, "-key",
                     pki.rsa_key, "-rev", "-ciphersuites", kSuite});
  ASSERT_TRUE(peer.wait_for("ACCEPT", 10s)) << peer.describe();
  ChildProcess soak({tls_binary(), "soak", "--connect", "127.0.0.1:" + port, "--cafile", pki.ca, "--servername",
                     "localhost", "--suite", kSuite, "--handshakes", "6", "--resume-every", "2", "--send", "soak13",
                     "--progress", "0"},
                    {"SSLP11_CONF=" + test::write_provider_config(token)});
  const std::optional<int> status = soak.wait_exit(25s);
  EXPECT_EQ(status, 0) << soak.describe();
  EXPECT_TRUE(has(soak.out(), "6 of 6 handshakes (3 full, 3 resumed ok)")) << soak.describe();
  EXPECT_FALSE(has(soak.out(), "LEAK")) << soak.describe();
}

INSTANTIATE_TEST_SUITE_P(Tokens, Tls13Features, ::testing::ValuesIn(test::TestTokens::all()), test::TokenName{});

}  // namespace
}  // namespace sslp11::tlstest
