// Moving TLS records (RFC 5246 §6.2) over a byte stream, and reassembling
// handshake messages from them (§7.4). Everything a peer sends is bounded:
// a record body by 2^14 + 2048 bytes, a handshake message by a limit the
// caller sets, every socket operation by a timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "tls/bytes.h"

namespace sslp11::tls {

enum class ContentType : std::uint8_t { change_cipher_spec = 20, alert = 21, handshake = 22, application_data = 23 };
std::string content_type_name(std::uint8_t type);

constexpr std::size_t kRecordHeaderBytes = 5;
constexpr std::size_t kMaxPlaintext = 16384;                 // 2^14
constexpr std::size_t kMaxCiphertext = kMaxPlaintext + 2048;  // TLSCiphertext.length bound

// A byte stream with deadlines. Throws TransportError on timeout, reset or EOF
// (PeerClosedWhileSending when a write finds the peer gone).
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void read_exact(std::uint8_t* out, std::size_t n) = 0;
  virtual void write_all(ByteView data) = 0;
  // Waits up to `timeout` for readable data (or EOF); false when none came.
  virtual bool wait_readable(std::chrono::milliseconds timeout) = 0;
};

// A connected TCP socket; every read and write waits at most `timeout`.
class Socket : public Transport {
 public:
  explicit Socket(int fd, std::chrono::milliseconds timeout);
  ~Socket() override;
  Socket(Socket&& o) noexcept;
  Socket& operator=(Socket&&) = delete;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // "127.0.0.1:4433" / "[::1]:4433" / "localhost:4433".
  static Socket connect(const std::string& host_port, std::chrono::milliseconds timeout);

  void read_exact(std::uint8_t* out, std::size_t n) override;
  void write_all(ByteView data) override;
  bool wait_readable(std::chrono::milliseconds timeout) override;
  void shutdown_write() noexcept;
  std::string peer() const;

 private:
  int fd_;
  std::chrono::milliseconds timeout_;
};

class Listener {
 public:
  // Binds and listens; port 0 picks a free one (see port()).
  explicit Listener(const std::string& host_port);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  std::uint16_t port() const;
  // nullopt when nobody connected within `wait`.
  std::optional<Socket> accept(std::chrono::milliseconds wait, std::chrono::milliseconds io_timeout);

 private:
  int fd_;
};

// "host:port" -> {host, port}; throws std::invalid_argument.
std::pair<std::string, std::string> split_host_port(const std::string& host_port);

struct RecordHeader {
  std::uint8_t type;
  std::uint16_t version;
  std::uint16_t length;
};

// Checks the 5 header bytes: a known content type, a TLS 1.x version, a body
// of at most 2^14 + 2048 bytes. Throws TlsFailure (unexpected_message,
// protocol_version, record_overflow).
RecordHeader parse_record_header(ByteView five);

struct Record {
  std::uint8_t type;
  std::uint16_t version;
  Bytes bytes;  // the whole record, header included (what SslDecryptPacket takes)
  ByteView body() const { return ByteView(bytes).subspan(kRecordHeaderBytes); }
};

Record read_record(Transport& t);
Bytes make_record(ContentType type, std::uint16_t version, ByteView body);

// One handshake message: `bytes` holds the 4-byte header and the body, i.e.
// exactly what is fed to SslHashHandshake.
struct HandshakeMessage {
  std::uint8_t type;
  Bytes bytes;
  ByteView body() const { return ByteView(bytes).subspan(4); }
};

Bytes make_handshake(std::uint8_t type, ByteView body);

// Handshake messages from handshake-record fragments: a message may span
// records and a record may hold several. A declared length above
// `max_message` is refused before any of it is buffered.
class HandshakeAssembler {
 public:
  explicit HandshakeAssembler(std::size_t max_message = 65536) : max_message_(max_message) {}
  // Throws TlsFailure(unexpected_message) for an empty fragment and
  // TlsFailure(illegal_parameter) for an oversized message.
  void add(ByteView fragment);
  std::optional<HandshakeMessage> next();
  // No partial message and nothing queued (required at ChangeCipherSpec).
  bool empty() const noexcept { return buffer_.empty(); }

 private:
  std::size_t max_message_;
  Bytes buffer_;
};

}  // namespace sslp11::tls
