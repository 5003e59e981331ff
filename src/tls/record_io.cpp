#include "tls/record_io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "tls/alerts.h"

namespace sslp11::tls {

namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(int e) { return std::error_code(e, std::generic_category()).message(); }

int millis(std::chrono::milliseconds d) {
  return static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, std::min<std::chrono::milliseconds::rep>(d.count(), 1 << 30)));
}

// Waits for `events` on fd until `deadline`; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, millis(left));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) throw TransportError("poll: " + errno_text(errno));
  }
}

struct AddrInfo {
  addrinfo* list = nullptr;
  ~AddrInfo() {
    if (list != nullptr) freeaddrinfo(list);
  }
};

AddrInfo resolve(const std::string& host_port, bool passive) {
  const auto [host, port] = split_host_port(host_port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  AddrInfo out;
  const int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &out.list);
  if (rc != 0) throw TransportError("cannot resolve " + host_port + ": " + gai_strerror(rc));
  return out;
}

}  // namespace

std::string content_type_name(std::uint8_t type) {
  switch (static_cast<ContentType>(type)) {
    case ContentType::change_cipher_spec: return "change_cipher_spec";
    case ContentType::alert: return "alert";
    case ContentType::handshake: return "handshake";
    case ContentType::application_data: return "application_data";
  }
  return "content type " + std::to_string(type);
}

std::pair<std::string, std::string> split_host_port(const std::string& host_port) {
  const auto colon = host_port.rfind(':');
  if (colon == std::string::npos || colon + 1 == host_port.size()) {
    throw std::invalid_argument("'" + host_port + "' is not HOST:PORT");
  }
  std::string host = host_port.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = host_port.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 || std::stoul(port) > 65535) {
    throw std::invalid_argument("'" + port + "' is not a port number");
  }
  return {host, port};
}

Socket::Socket(int fd, std::chrono::milliseconds timeout) : fd_(fd), timeout_(timeout) {}

Socket::Socket(Socket&& o) noexcept : fd_(std::exchange(o.fd_, -1)), timeout_(o.timeout_) {}

Socket::~Socket() {
  if (fd_ >= 0) ::close(fd_);
}

Socket Socket::connect(const std::string& host_port, std::chrono::milliseconds timeout) {
  const AddrInfo ai = resolve(host_port, false);
  std::string last = "no address";
  for (addrinfo* a = ai.list; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      last = errno_text(errno);
      continue;
    }
    Socket s(fd, timeout);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last = errno_text(errno);
        continue;
      }
      if (!wait_for(fd, POLLOUT, Clock::now() + timeout)) {
        last = "timed out";
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        last = errno_text(err);
        continue;
      }
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return s;
  }
  throw TransportError("cannot connect to " + host_port + ": " + last);
}

void Socket::read_exact(std::uint8_t* out, std::size_t n) {
  const auto deadline = Clock::now() + timeout_;
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::recv(fd_, out + got, n - got, 0);
    if (r > 0) {
      got += static_cast<std::size_t>(r);
      continue;
    }
    if (r == 0) {
      throw TransportError(got == 0 ? "the peer closed the connection"
                                    : "the peer closed the connection in the middle of a record");
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) throw TransportError("recv: " + errno_text(errno));
    if (!wait_for(fd_, POLLIN, deadline)) {
      throw TransportError("timed out after " + std::to_string(timeout_.count()) + " ms waiting for the peer");
    }
  }
}

void Socket::write_all(ByteView data) {
  const auto deadline = Clock::now() + timeout_;
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t r = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (r >= 0) {
      sent += static_cast<std::size_t>(r);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EPIPE || errno == ECONNRESET) throw PeerClosedWhileSending("send: " + errno_text(errno));
    if (errno != EAGAIN && errno != EWOULDBLOCK) throw TransportError("send: " + errno_text(errno));
    if (!wait_for(fd_, POLLOUT, deadline)) throw TransportError("timed out sending to the peer");
  }
}

bool Socket::wait_readable(std::chrono::milliseconds timeout) { return wait_for(fd_, POLLIN, Clock::now() + timeout); }

void Socket::shutdown_write() noexcept { ::shutdown(fd_, SHUT_WR); }

std::string Socket::peer() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  char host[NI_MAXHOST], port[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, host, sizeof host, port, sizeof port,
                  NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return "?";
  }
  return std::string(host) + ":" + port;
}

Listener::Listener(const std::string& host_port) : fd_(-1) {
  const AddrInfo ai = resolve(host_port, true);
  std::string last = "no address";
  for (addrinfo* a = ai.list; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      last = errno_text(errno);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 16) == 0) {
      fd_ = fd;
      return;
    }
    last = errno_text(errno);
    ::close(fd);
  }
  throw TransportError("cannot listen on " + host_port + ": " + last);
}

Listener::~Listener() {
  if (fd_ >= 0) ::close(fd_);
}

std::uint16_t Listener::port() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

std::optional<Socket> Listener::accept(std::chrono::milliseconds wait, std::chrono::milliseconds io_timeout) {
  if (!wait_for(fd_, POLLIN, Clock::now() + wait)) return std::nullopt;
  const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) {
    if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) return std::nullopt;
    throw TransportError("accept: " + errno_text(errno));
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return Socket(fd, io_timeout);
}

RecordHeader parse_record_header(ByteView five) {
  if (five.size() != kRecordHeaderBytes) throw std::invalid_argument("a record header is 5 bytes");
  RecordHeader h{five[0], be16(&five[1]), be16(&five[3])};
  if (h.type < 20 || h.type > 23) {
    // 0x80 / 0x16 0x03 ...: an SSL 2.0 hello or plain garbage (an HTTP request).
    throw TlsFailure(AlertDescription::unexpected_message,
                     "received a record of unknown content type " + std::to_string(h.type) + " (not TLS?)");
  }
  if ((h.version >> 8) != 3 || (h.version & 0xFF) > 3) {
    throw TlsFailure(AlertDescription::protocol_version,
                     "received a record with version 0x" + hex(five.subspan(1, 2)) + " (not SSL 3.0 - TLS 1.2)");
  }
  if (h.length > kMaxCiphertext) {
    throw TlsFailure(AlertDescription::record_overflow,
                     "received a record of " + std::to_string(h.length) + " bytes (the limit is 2^14 + 2048)");
  }
  return h;
}

Record read_record(Transport& t) {
  Record r{};
  r.bytes.resize(kRecordHeaderBytes);
  t.read_exact(r.bytes.data(), kRecordHeaderBytes);
  const RecordHeader h = parse_record_header(r.bytes);
  r.type = h.type;
  r.version = h.version;
  r.bytes.resize(kRecordHeaderBytes + h.length);
  if (h.length > 0) t.read_exact(r.bytes.data() + kRecordHeaderBytes, h.length);
  return r;
}

Bytes make_record(ContentType type, std::uint16_t version, ByteView body) {
  if (body.size() > kMaxCiphertext) throw std::length_error("record body too long");
  ByteWriter w;
  w.u8(static_cast<std::uint8_t>(type)).u16(version).vec16(body);
  return w.take();
}

Bytes make_handshake(std::uint8_t type, ByteView body) {
  ByteWriter w;
  w.u8(type).vec24(body);
  return w.take();
}

void HandshakeAssembler::add(ByteView fragment) {
  if (fragment.empty()) {
    throw TlsFailure(AlertDescription::unexpected_message, "received an empty handshake record");
  }
  buffer_.insert(buffer_.end(), fragment.begin(), fragment.end());
  if (buffer_.size() >= 4) {
    const std::size_t length = std::size_t{buffer_[1]} << 16 | std::size_t{buffer_[2]} << 8 | buffer_[3];
    if (length > max_message_) {
      throw TlsFailure(AlertDescription::illegal_parameter,
                       "a handshake message of type " + std::to_string(buffer_[0]) + " claims " +
                           std::to_string(length) + " bytes (the limit is " + std::to_string(max_message_) + ")");
    }
  }
}

std::optional<HandshakeMessage> HandshakeAssembler::next() {
  if (buffer_.size() < 4) return std::nullopt;
  const std::size_t length = std::size_t{buffer_[1]} << 16 | std::size_t{buffer_[2]} << 8 | buffer_[3];
  if (length > max_message_) {
    throw TlsFailure(AlertDescription::illegal_parameter,
                     "a handshake message of type " + std::to_string(buffer_[0]) + " claims " + std::to_string(length) +
                         " bytes (the limit is " + std::to_string(max_message_) + ")");
  }
  if (buffer_.size() < 4 + length) return std::nullopt;
  HandshakeMessage m{buffer_[0], Bytes(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(4 + length))};
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(4 + length));
  return m;
}

}  // namespace sslp11::tls
