// The connection below the state machines (src/tls/connection.cpp) when the
// peer aborts: it sends a fatal alert and closes while we are still writing.
// Our failed write must report the peer's alert, not "send: Broken pipe".
// Plaintext records only; the provider is opened but not used.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "support/provider_env.h"
#include "tls/alerts.h"
#include "tls/connection.h"
#include "tls/messages.h"
#include "tls/record_io.h"

namespace sslp11::tls {
namespace {

using namespace std::chrono_literals;

const Bytes kBadCertificateAlert{21, 3, 3, 0, 2, 2, 42};

class PendingAlert : public ::testing::Test {
 protected:
  PendingAlert() { test::use_token(test::TestTokens::softhsm()); }
  const Provider& provider() {
    if (!provider_) provider_.emplace();
    return *provider_;
  }
  // A handshake message as the state machines send one.
  static Bytes message() { return make_handshake(handshake_type::client_key_exchange, Bytes(300, 0x5A)); }

  std::ostringstream log_;

 private:
  std::optional<Provider> provider_;
};

// Sends until a write fails (the first ones may still be accepted while the
// peer's reset is on its way); returns the failure's message and whether it
// was a PeerAlert, and with which description.
struct Outcome {
  bool peer_alert = false;
  std::uint8_t description = 0;
  std::string what;
};
Outcome send_until_failure(Connection& conn, const Bytes& message) {
  for (int i = 0; i < 100; ++i) {
    try {
      conn.send_handshake(message);
    } catch (const PeerAlert& e) {
      return {true, e.description(), e.what()};
    } catch (const TransportError& e) {
      return {false, 0, e.what()};
    }
    std::this_thread::sleep_for(5ms);
  }
  return {false, 0, "every write succeeded"};
}

// AF_UNIX: the write fails at once with EPIPE; the alert waits in our buffer.
TEST_F(PendingAlert, SocketPairReportsThePeersAlert) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  Socket ours(fds[0], 2000ms);
  {
    Socket peer(fds[1], 2000ms);
    peer.write_all(kBadCertificateAlert);
  }  // the peer closes
  Connection conn(ours, provider(), Connection::Role::client, log_);
  const Outcome o = send_until_failure(conn, message());
  EXPECT_TRUE(o.peer_alert) << o.what;
  EXPECT_EQ(o.description, 42) << o.what;
  EXPECT_NE(o.what.find("the peer sent fatal alert bad_certificate"), std::string::npos) << o.what;
}

// TCP over loopback: our first write after the peer closed draws a reset,
// a later one fails (ECONNRESET / EPIPE); the alert that came before the
// reset is still readable.
TEST_F(PendingAlert, TcpResetReportsThePeersAlert) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len), 0);
  Socket ours = Socket::connect("127.0.0.1:" + std::to_string(ntohs(a.sin_port)), 2000ms);
  const int accepted = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  ::close(listener);
  ASSERT_GE(accepted, 0);
  {
    Socket peer(accepted, 2000ms);
    peer.write_all(kBadCertificateAlert);
  }  // the peer closes (FIN); our next write is answered with a reset
  ASSERT_TRUE(ours.wait_readable(2000ms));
  Connection conn(ours, provider(), Connection::Role::server, log_);
  const Outcome o = send_until_failure(conn, message());
  EXPECT_TRUE(o.peer_alert) << o.what;
  EXPECT_EQ(o.description, 42) << o.what;
  EXPECT_NE(o.what.find("the peer sent fatal alert bad_certificate"), std::string::npos) << o.what;
}

// A peer that closes without an alert: the transport error stands, promptly.
TEST_F(PendingAlert, NoAlertKeepsTheTransportError) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  Socket ours(fds[0], 2000ms);
  ::close(fds[1]);
  Connection conn(ours, provider(), Connection::Role::client, log_);
  const auto start = std::chrono::steady_clock::now();
  const Outcome o = send_until_failure(conn, message());
  EXPECT_FALSE(o.peer_alert) << o.what;
  EXPECT_NE(o.what.find("send: Broken pipe"), std::string::npos) << o.what;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

}  // namespace
}  // namespace sslp11::tls
