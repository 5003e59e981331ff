// One TLS 1.2 or TLS 1.3 connection below the state machines: the record
// layer with its two sequence numbers and the keys that protect it
// (reference §6: SslEncryptPacket writes the whole record, SslDecryptPacket
// takes one; §6.5 for TLS 1.3's TLSInnerPlaintext), the reassembly of
// handshake messages, alerts, and the application-data phase (with TLS 1.3's
// post-handshake messages).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>

#include "tls/alerts.h"
#include "tls/provider.h"
#include "tls/record_io.h"

namespace sslp11::tls {

struct TrafficStats {
  std::uint64_t app_bytes_sent = 0;
  std::uint64_t app_bytes_received = 0;
  std::uint64_t records_sent = 0;
  std::uint64_t records_received = 0;
  std::uint64_t protected_records_sent = 0;
  std::uint64_t protected_records_received = 0;
};

struct Plaintext {
  std::uint8_t type;
  Bytes data;
};

class RecordLayer {
 public:
  RecordLayer(Transport& transport, const Provider& provider) : transport_(transport), provider_(provider) {}

  // The version in the header of records we send in the clear (0x0301 for a
  // first ClientHello, as interoperable clients do; 0x0303 afterwards).
  void set_plaintext_version(std::uint16_t v) noexcept { plaintext_version_ = v; }

  // The keys of SslGenerateSessionKeys, active from the next ChangeCipherSpec
  // in each direction.
  void set_pending_keys(SslObject read, SslObject write, std::uint32_t suite);
  void activate_write();  // after we sent ChangeCipherSpec: write sequence 0
  void activate_read();   // after we received ChangeCipherSpec: read sequence 0
  bool write_protected() const noexcept { return static_cast<bool>(write_key_); }

  // TLS 1.3 (RFC 8446 §5): no ChangeCipherSpec switches keys; a key works
  // from the record after it is installed, with sequence number 0. Records
  // carry TLSInnerPlaintext (content, type, zero padding) under outer type
  // application_data and version 0x0303; a ciphertext is at most 2^14 + 256.
  void use_tls13() noexcept { tls13_ = true; }
  bool tls13() const noexcept { return tls13_; }
  void install_read_key(SslObject key, std::uint32_t suite);
  void install_write_key(SslObject key, std::uint32_t suite);
  bool read_protected() const noexcept { return static_cast<bool>(read_key_); }

  // Fragments into records of at most 2^14 bytes; SslEncryptPacket each one
  // once the write key is active.
  void send(ContentType type, ByteView data);
  // One record, SslDecryptPacket'd once the read key is active. A record that
  // does not decrypt is TlsFailure(bad_record_mac); nothing of it is returned.
  Plaintext receive();

  const TrafficStats& stats() const noexcept { return stats_; }
  TrafficStats& stats() noexcept { return stats_; }
  Transport& transport() noexcept { return transport_; }

 private:
  Transport& transport_;
  const Provider& provider_;
  std::uint16_t plaintext_version_ = 0x0303;
  bool tls13_ = false;
  std::uint32_t suite_ = 0;
  NCRYPT_SSL_CIPHER_LENGTHS lengths_{};
  SslObject pending_read_, pending_write_;
  SslObject read_key_, write_key_;
  std::uint64_t read_seq_ = 0, write_seq_ = 0;
  TrafficStats stats_;
};

class Connection {
 public:
  enum class Role { client, server };
  Connection(Transport& transport, const Provider& provider, Role role, std::ostream& log);

  RecordLayer& records() noexcept { return records_; }
  const TrafficStats& stats() const noexcept { return records_.stats(); }

  // Handshake phase.
  void send_handshake(ByteView message);  // a whole message, 4-byte header included
  HandshakeMessage receive_handshake();
  // The next handshake message, which must be a `type` (else unexpected_message).
  HandshakeMessage receive_handshake(std::uint8_t type);
  void send_change_cipher_spec();
  void receive_change_cipher_spec();
  // TLS 1.3 middlebox compatibility (RFC 8446 D.4): our one unprotected
  // ChangeCipherSpec, which switches nothing. One received from the peer
  // during the handshake is skipped by receive_handshake.
  void send_compat_change_cipher_spec();

  // TLS 1.3: handshake messages after the handshake (NewSessionTicket,
  // KeyUpdate) go to this handler while application data is read.
  void on_post_handshake(std::function<void(const HandshakeMessage&)> handler) { post_handshake_ = std::move(handler); }
  // TLS 1.3 (RFC 8446 §5.1): no handshake message may span a key change;
  // TlsFailure(unexpected_message) when part of one is still buffered.
  void at_key_change() const;
  // TLS 1.3: the handshake is over (no more ChangeCipherSpec is tolerated).
  void handshake_done() noexcept { handshake_done_ = true; }

  // Best effort: a transport that already failed is not an error here.
  void send_alert(Alert alert) noexcept;
  void send_fatal(AlertDescription d) noexcept { send_alert({AlertLevel::fatal, d}); }

  // Application-data phase.
  void send_application_data(ByteView data);
  // Data that arrived within `wait`; nullopt when none did. After the peer's
  // close_notify, peer_closed() is true (and we answer with ours).
  std::optional<Bytes> receive_application_data(std::chrono::milliseconds wait);
  bool peer_closed() const noexcept { return peer_closed_; }
  // Our close_notify (once).
  void close() noexcept;

 private:
  // An alert record: fatal ones and a close_notify during the handshake throw
  // PeerAlert; warnings are logged and skipped.
  void on_alert(ByteView body, bool handshake_phase);
  // RecordLayer::send, but a write the peer cut off (PeerClosedWhileSending)
  // becomes PeerAlert when the peer's alert is still waiting to be read.
  void send_records(ContentType type, ByteView data);
  // After such a write: an alert among the records the peer left behind
  // (read for at most kPendingAlertWait); nullopt if none is readable.
  std::optional<Alert> pending_alert() noexcept;

  RecordLayer records_;
  Role role_;
  std::ostream& log_;
  HandshakeAssembler assembler_;
  bool peer_closed_ = false;
  bool closed_ = false;
  bool compat_ccs_seen_ = false;
  bool handshake_done_ = false;
  std::function<void(const HandshakeMessage&)> post_handshake_;
};

}  // namespace sslp11::tls
