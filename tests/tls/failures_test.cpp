// What sslp11-tls does when things go wrong: suites the token cannot run, a
// tampered record, a certificate it must not trust, a Finished that does not
// match, and a peer that sends garbage. Each failure must end the connection
// with the right alert, print why, and let no plaintext through.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "support/provider_env.h"
#include "tls/messages.h"
#include "tls/record_io.h"
#include "tls/pem_files.h"
#include "tls/support/pki.h"
#include "tls/support/tls_runs.h"

namespace sslp11::tlstest {
namespace {

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

class Failures : public ::testing::TestWithParam<TokenSpec> {};
class SoftHsmFailures : public ::testing::Test {
 protected:
  const TokenSpec& token() const { return test::TestTokens::softhsm(); }
};

// SoftHSMv2 2.6 has no CKM_CHACHA20_POLY1305: a client that offers only
// ChaCha20 meets a handshake_failure alert and a message naming what is missing.
TEST_F(SoftHsmFailures, ServerNamesWhatTheTokenLacks) {
  ServerRun spec;
  spec.suites = "ECDHE-RSA-AES128-GCM-SHA256,ECDHE-RSA-CHACHA20-POLY1305";
  spec.peer_cipher = "ECDHE-RSA-CHACHA20-POLY1305";
  spec.expect_echo = false;
  const RunResult run = run_server(token(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "!! no cipher suite in common with the client")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: token lacks ChaCha20-Poly1305"))
      << run.describe();
  EXPECT_TRUE(has(run.ours_out, "-- sent fatal alert handshake_failure")) << run.describe();
  EXPECT_TRUE(has(run.peer_err, "handshake failure")) << run.describe();
  EXPECT_NE(run.peer, 0) << run.describe();
}

TEST_F(SoftHsmFailures, ClientRefusesToOfferWhatTheTokenLacks) {
  ClientRun spec;
  spec.suite = "ECDHE-RSA-CHACHA20-POLY1305";
  const RunResult run = run_client(token(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 3) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "cannot offer TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: token lacks ChaCha20-Poly1305"))
      << run.describe();
}

// A byte flipped in the server's first application-data record: bad_record_mac,
// and none of the record reaches the user.
TEST_P(Failures, TamperedRecordFromServer) {
  ClientRun spec;
  spec.suite = "ECDHE-RSA-AES128-GCM-SHA256";
  spec.text = "tamper with my reply";
  spec.tampering = Tampering{TamperProxy::Direction::to_client, flip_first_application_data};
  const RunResult run = run_client(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_TRUE(run.tampered) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "did not decrypt")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "-- sent fatal alert bad_record_mac")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, "<< application data")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, reversed(spec.text))) << run.describe();
  // (s_server -rev does not print the alerts it receives.)
}

// The same from the client side, against the server (CBC: MAC-then-encrypt).
TEST_P(Failures, TamperedRecordFromClient) {
  ServerRun spec;
  spec.suites = "ECDHE-RSA-AES128-SHA256";
  spec.peer_cipher = "ECDHE-RSA-AES128-SHA256";
  spec.text = "tamper with my request";
  spec.expect_echo = false;
  spec.tampering = Tampering{TamperProxy::Direction::to_server, flip_first_application_data};
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_TRUE(run.tampered) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "-- sent fatal alert bad_record_mac")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, "<< application data")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, spec.text)) << run.describe();
  EXPECT_TRUE(has(run.peer_out + run.peer_err, "bad record mac")) << run.describe();
}

TEST_P(Failures, UntrustedCertificateIsUnknownCa) {
  ClientRun spec;
  spec.suite = "ECDHE-ECDSA-AES128-GCM-SHA256";
  spec.cafile = test_pki().other_ca;
  const RunResult run = run_client(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "does not verify against")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "-- sent fatal alert unknown_ca")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, "ClientKeyExchange")) << run.describe();
  EXPECT_TRUE(has(run.peer_out + run.peer_err, "unknown ca")) << run.describe();
}

TEST_P(Failures, WrongNameIsBadCertificate) {
  ClientRun spec;
  spec.suite = "ECDHE-RSA-AES128-GCM-SHA256";
  spec.server_name = "not-the-server.example";
  const RunResult run = run_client(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "-- sent fatal alert bad_certificate")) << run.describe();
  EXPECT_TRUE(has(run.peer_out + run.peer_err, "bad certificate")) << run.describe();
}

// One byte of the ClientHello's server_name changed on the way: the keys do not
// depend on it (RSA key exchange, no EMS), so everything decrypts, but the
// transcripts differ and the client's Finished must be refused: decrypt_error.
TEST_P(Failures, FinishedMismatchIsDecryptError) {
  ServerRun spec;
  spec.suites = "AES128-GCM-SHA256";
  spec.peer_cipher = "AES128-GCM-SHA256";
  spec.expect_echo = false;
  spec.args = {"--no-ems"};
  spec.tampering = Tampering{TamperProxy::Direction::to_server, [](std::vector<std::uint8_t>& record) {
                               if (record.size() < 6 || record[0] != 22 || record[5] != 1) return false;
                               const std::string host = "localhost";
                               const auto at = std::search(record.begin(), record.end(), host.begin(), host.end());
                               if (at == record.end()) return false;
                               *at = 'L';
                               return true;
                             }};
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_TRUE(run.tampered) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "the client Finished does not match")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "-- sent fatal alert decrypt_error")) << run.describe();
  EXPECT_TRUE(has(run.peer_out + run.peer_err, "decrypt error")) << run.describe();
}

// s_server -verify asks for a client certificate but does not insist:
// sslp11-tls has none, says so, answers with an empty Certificate and goes on.
TEST_P(Failures, OptionalClientCertificateRequestIsDeclinedPolitely) {
  ClientRun spec;
  spec.suite = "ECDHE-RSA-AES128-GCM-SHA256";
  spec.text = "no client certificate here";
  spec.peer_args = {"-verify", "1", "-CAfile", test_pki().ca};
  const RunResult run = run_client(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 0) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "<< CertificateRequest")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, ">> Certificate (empty: no client certificate)")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, reversed(spec.text))) << run.describe();
}

// s_server -Verify insists: it ends the handshake, and sslp11-tls reports the
// peer's alert instead of hanging or sending one of its own.
TEST_P(Failures, RequiredClientCertificateEndsTheHandshakeCleanly) {
  ClientRun spec;
  spec.suite = "ECDHE-RSA-AES128-GCM-SHA256";
  spec.peer_args = {"-Verify", "1", "-CAfile", test_pki().ca};
  const RunResult run = run_client(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, ">> Certificate (empty: no client certificate)")) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "!! the peer sent fatal alert")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, "-- sent fatal alert")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, "<< application data")) << run.describe();
}

// s_client rejects our certificate (not for the name it checks): it sends an
// alert and closes while our server still sends its flight (ServerKeyExchange
// after SslSignHash, ServerHelloDone), so a write of ours may fail. The
// server must report the client's alert, not the failed write.
TEST_P(Failures, ClientRejectingOurCertificateIsReportedAsItsAlert) {
  ServerRun spec;
  spec.suites = "ECDHE-RSA-AES128-GCM-SHA256";
  spec.peer_cipher = spec.suites;
  spec.expect_echo = false;
  spec.peer_args = {"-verify_hostname", "not-the-server.example"};
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  EXPECT_EQ(run.ours, 1) << run.describe();
  EXPECT_TRUE(has(run.ours_out, "!! the peer sent fatal alert bad_certificate")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, "Broken pipe")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, "reset by peer")) << run.describe();
  EXPECT_FALSE(has(run.ours_out, "-- sent fatal alert")) << run.describe();
}

// A fake server: reads the ClientHello, sends canned bytes, and records the
// alert the client answers with (or, with `close_after_reply`, closes at once).
class FakeServer {
 public:
  explicit FakeServer(std::vector<std::uint8_t> reply, bool close_after_reply = false)
      : reply_(std::move(reply)), close_after_reply_(close_after_reply) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 1);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  // Everything the client sent after our reply.
  std::vector<std::uint8_t> answer() {
    if (thread_.joinable()) thread_.join();
    return answer_;
  }

 private:
  bool wait(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, ms) > 0;
  }
  void serve() {
    int c = -1;
    for (int i = 0; i < 200 && !stop_ && c < 0; ++i)
      if (wait(fd_, 100)) c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    std::uint8_t buf[4096];
    if (wait(c, 10000)) [[maybe_unused]] auto n = ::recv(c, buf, sizeof buf, 0);  // the ClientHello
    [[maybe_unused]] auto sent = ::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
    while (!close_after_reply_ && wait(c, 10000)) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      answer_.insert(answer_.end(), buf, buf + n);
    }
    ::close(c);
  }
  std::vector<std::uint8_t> reply_, answer_;
  bool close_after_reply_;
  int fd_;
  std::uint16_t port_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A server that sends its whole flight (RSA key exchange: ServerHello,
// Certificate, ServerHelloDone), then a fatal alert, and closes. The client
// reads the flight and starts writing (ClientKeyExchange, then after
// SslGenerateSessionKeys ChangeCipherSpec, Finished); the closed peer answers
// with a reset, and usually a write fails (unless the reset comes late, on a
// loaded machine, and the client reads the alert first). Either way the
// client must report the server's alert, not "send: Connection reset by peer"
// / "Broken pipe". (connection_test.cpp pins down the failed-write path.)
TEST(PeerAbort, ClientReportsTheAlertNotTheFailedWrite) {
  tls::ServerHello sh;
  sh.random.fill(0x42);
  sh.cipher_suite = 0x009C;  // TLS_RSA_WITH_AES_128_GCM_SHA256
  const auto record = [](tls::ContentType type, const tls::Bytes& body) {
    return tls::make_record(type, 0x0303, body);
  };
  std::vector<std::uint8_t> reply;
  for (const tls::Bytes& r :
       {record(tls::ContentType::handshake, tls::make_handshake(tls::handshake_type::server_hello, build_server_hello(sh))),
        record(tls::ContentType::handshake,
               tls::make_handshake(tls::handshake_type::certificate,
                                   tls::build_certificate(tls::read_certificates_pem(test_pki().rsa_cert)))),
        record(tls::ContentType::handshake, tls::make_handshake(tls::handshake_type::server_hello_done, {})),
        record(tls::ContentType::alert, {2, 40})}) {
    reply.insert(reply.end(), r.begin(), r.end());
  }
  FakeServer fake(reply, /*close_after_reply=*/true);
  ChildProcess ours({tls_binary(), "client", "--connect", "127.0.0.1:" + std::to_string(fake.port()), "--cafile",
                     test_pki().ca, "--suite", "AES128-GCM-SHA256", "--no-ems", "--timeout", "5000"},
                    {"SSLP11_CONF=" + test::write_provider_config(test::TestTokens::softhsm())});
  EXPECT_EQ(ours.wait_exit(20s), 1) << ours.describe();
  EXPECT_TRUE(has(ours.out(), ">> ClientKeyExchange")) << ours.describe();
  EXPECT_TRUE(has(ours.out(), "!! the peer sent fatal alert handshake_failure")) << ours.describe();
  EXPECT_FALSE(has(ours.out(), "!! send: ")) << ours.describe();
  EXPECT_FALSE(has(ours.out(), "-- sent fatal alert")) << ours.describe();
}

struct GarbageCase {
  const char* name;
  std::vector<std::uint8_t> reply;
  std::uint8_t alert;
  const char* message;
};

void PrintTo(const GarbageCase& g, std::ostream* os) { *os << g.name; }

class Garbage : public ::testing::TestWithParam<GarbageCase> {};

TEST_P(Garbage, ClientAnswersWithTheRightAlert) {
  const GarbageCase& g = GetParam();
  FakeServer fake(g.reply);
  ChildProcess ours({tls_binary(), "client", "--connect", "127.0.0.1:" + std::to_string(fake.port()), "--cafile",
                     test_pki().ca, "--suite", "ECDHE-RSA-AES128-GCM-SHA256", "--timeout", "5000"},
                    {"SSLP11_CONF=" + test::write_provider_config(test::TestTokens::softhsm())});
  const auto status = ours.wait_exit(20s);
  EXPECT_EQ(status, 1) << ours.describe();
  EXPECT_TRUE(has(ours.out(), g.message)) << ours.describe();
  const std::vector<std::uint8_t> expected{21, 3, 3, 0, 2, 2, g.alert};
  EXPECT_EQ(fake.answer(), expected) << ours.describe();
}

INSTANTIATE_TEST_SUITE_P(
    Peers, Garbage,
    ::testing::Values(
        // A record header announcing 20000 bytes: more than 2^14 + 2048.
        GarbageCase{"oversized_record", {22, 3, 3, 0x4E, 0x20}, 22, "the limit is 2^14 + 2048"},
        // A ServerHello whose body stops after the version.
        GarbageCase{"truncated_server_hello", {22, 3, 3, 0, 6, 2, 0, 0, 2, 3, 3}, 50, "ServerHello is truncated"},
        // A handshake message claiming 16 MiB.
        GarbageCase{"huge_handshake_message", {22, 3, 3, 0, 4, 11, 0xFF, 0xFF, 0xFF}, 47, "the limit is 65536"},
        // Not TLS at all.
        GarbageCase{"http_response", {'H', 'T', 'T', 'P', '/', '1', '.', '1', ' ', '4', '0', '0'}, 10,
                    "unknown content type 72"}),
    [](const ::testing::TestParamInfo<GarbageCase>& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(Tokens, Failures, ::testing::ValuesIn(test::TestTokens::all()), test::TokenName{});

}  // namespace
}  // namespace sslp11::tlstest
