#include "tls/support/tamper_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <stdexcept>

namespace sslp11::tlstest {

namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

bool send_all(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

TamperProxy::TamperProxy(std::uint16_t upstream_port, Direction direction, Tamper tamper)
    : upstream_(upstream_port), direction_(direction), tamper_(std::move(tamper)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 1) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    throw std::runtime_error("tamper proxy: cannot listen");
  }
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { relay(); });
}

TamperProxy::~TamperProxy() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void TamperProxy::relay() {
  int client = -1;
  while (!stop_ && client < 0) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  }
  if (client < 0) return;
  const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const sockaddr_in up = loopback(upstream_);
  if (server < 0 || ::connect(server, reinterpret_cast<const sockaddr*>(&up), sizeof up) != 0) {
    ::close(client);
    if (server >= 0) ::close(server);
    return;
  }
  // fds[0] reads from the client (-> server), fds[1] from the server (-> client).
  std::array<int, 2> from{client, server};
  std::array<int, 2> to{server, client};
  const std::size_t tampered_side = direction_ == Direction::to_server ? 0 : 1;
  std::vector<std::uint8_t> pending;  // unparsed bytes of the tampered direction
  std::array<bool, 2> open{true, true};
  std::uint8_t buf[16384];
  while (!stop_ && (open[0] || open[1])) {
    std::array<pollfd, 2> fds{{{open[0] ? from[0] : -1, POLLIN, 0}, {open[1] ? from[1] : -1, POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (std::size_t i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::recv(from[i], buf, sizeof buf, 0);
      if (n <= 0) {
        open[i] = false;
        ::shutdown(to[i], SHUT_WR);
        continue;
      }
      if (i != tampered_side) {
        if (!send_all(to[i], buf, static_cast<std::size_t>(n))) open[i] = false;
        continue;
      }
      pending.insert(pending.end(), buf, buf + n);
      // Forward whole records, each offered to the tamper function first.
      while (pending.size() >= 5) {
        const std::size_t len = 5 + (std::size_t{pending[3]} << 8 | pending[4]);
        if (pending.size() < len) break;
        std::vector<std::uint8_t> record(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(len));
        pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(len));
        if (!tampered_ && tamper_(record)) tampered_ = true;
        if (!send_all(to[i], record.data(), record.size())) open[i] = false;
      }
    }
  }
  ::close(client);
  ::close(server);
}

bool flip_first_application_data(std::vector<std::uint8_t>& record) {
  if (record.size() < 6 || record[0] != 23) return false;
  record[5 + (record.size() - 5) / 2] ^= 0x40;
  return true;
}

}  // namespace sslp11::tlstest
