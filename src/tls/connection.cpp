#include "tls/connection.h"

#include <ostream>

#include "tls/messages.h"

namespace sslp11::tls {

namespace {

// Largest handshake message accepted (a Certificate chain is the biggest).
constexpr std::size_t kMaxHandshakeMessage = 65536;

// How long, and through how many records, a failed write looks for the
// alert the peer sent before it closed. The peer is gone, so the records are
// already here or never come: a short wait suffices.
constexpr std::chrono::milliseconds kPendingAlertWait{200};
constexpr int kMaxPendingRecords = 8;

}  // namespace

void RecordLayer::set_pending_keys(SslObject read, SslObject write, std::uint32_t suite) {
  pending_read_ = std::move(read);
  pending_write_ = std::move(write);
  suite_ = suite;
  lengths_ = provider_.lengths(suite);
}

void RecordLayer::activate_write() {
  if (!pending_write_) throw TlsFailure(AlertDescription::internal_error, "no write key to switch to");
  write_key_ = std::move(pending_write_);
  write_seq_ = 0;
}

void RecordLayer::activate_read() {
  if (!pending_read_) {
    throw TlsFailure(AlertDescription::unexpected_message, "ChangeCipherSpec arrived before the keys were agreed");
  }
  read_key_ = std::move(pending_read_);
  read_seq_ = 0;
}

void RecordLayer::install_read_key(SslObject key, std::uint32_t suite) {
  suite_ = suite;
  lengths_ = provider_.lengths(suite, TLS1_3_PROTOCOL_VERSION);
  read_key_ = std::move(key);
  read_seq_ = 0;
}

void RecordLayer::install_write_key(SslObject key, std::uint32_t suite) {
  suite_ = suite;
  lengths_ = provider_.lengths(suite, TLS1_3_PROTOCOL_VERSION);
  write_key_ = std::move(key);
  write_seq_ = 0;
}

void RecordLayer::send(ContentType type, ByteView data) {
  // TLS 1.3: SslEncryptPacket takes at most 2^14 bytes of TLSInnerPlaintext
  // (reference §6.5), the type byte included.
  const std::size_t max_fragment = tls13_ && write_key_ ? kMaxPlaintext - 1 : kMaxPlaintext;
  std::size_t at = 0;
  do {
    const ByteView fragment = data.subspan(at, std::min(max_fragment, data.size() - at));
    at += fragment.size();
    Bytes record;
    if (write_key_) {
      Bytes plaintext(fragment.begin(), fragment.end());
      // TLS 1.3: the provider seals TLSInnerPlaintext as it is given (no padding added).
      if (tls13_) plaintext.push_back(static_cast<std::uint8_t>(type));
      const ContentType outer = tls13_ ? ContentType::application_data : type;
      record.resize(kRecordHeaderBytes + lengths_.dwHeaderLen + plaintext.size() + lengths_.dwFixedTrailerLen +
                    lengths_.dwMaxVariableTrailerLen);
      DWORD written = 0;
      check(SslEncryptPacket(provider_.get(), write_key_.get(), plaintext.data(), static_cast<DWORD>(plaintext.size()),
                             record.data(), static_cast<DWORD>(record.size()), &written, write_seq_,
                             static_cast<DWORD>(outer), 0),
            "SslEncryptPacket");
      record.resize(written);
      ++write_seq_;
      ++stats_.protected_records_sent;
    } else {
      record = make_record(type, plaintext_version_, fragment);
    }
    transport_.write_all(record);
    ++stats_.records_sent;
    if (type == ContentType::application_data) stats_.app_bytes_sent += fragment.size();
  } while (at < data.size());
}

Plaintext RecordLayer::receive() {
  Record r = read_record(transport_);
  ++stats_.records_received;
  if (!read_key_) {
    if (r.body().size() > kMaxPlaintext) {
      throw TlsFailure(AlertDescription::record_overflow, "a plaintext record longer than 2^14 bytes");
    }
    return {r.type, Bytes(r.body().begin(), r.body().end())};
  }
  if (tls13_) {
    // An unprotected ChangeCipherSpec may still come (RFC 8446 §5); the connection decides.
    if (r.type == static_cast<std::uint8_t>(ContentType::change_cipher_spec)) {
      return {r.type, Bytes(r.body().begin(), r.body().end())};
    }
    if (r.type != static_cast<std::uint8_t>(ContentType::application_data)) {
      throw TlsFailure(AlertDescription::unexpected_message,
                       "an unprotected " + content_type_name(r.type) + " record arrived after keys were installed");
    }
    if (r.body().size() > kMaxPlaintext + 256) {
      throw TlsFailure(AlertDescription::record_overflow, "a TLS 1.3 ciphertext longer than 2^14 + 256 bytes");
    }
  }
  Bytes plaintext(r.bytes.size());
  DWORD length = 0;
  const SECURITY_STATUS s = SslDecryptPacket(provider_.get(), read_key_.get(), r.bytes.data(),
                                             static_cast<DWORD>(r.bytes.size()), plaintext.data(),
                                             static_cast<DWORD>(plaintext.size()), &length, read_seq_, 0);
  if (s != ERROR_SUCCESS) {
    const ProviderError e(s, "SslDecryptPacket", last_error_text());
    throw TlsFailure(AlertDescription::bad_record_mac,
                     "an incoming " + content_type_name(r.type) + " record (read sequence " + std::to_string(read_seq_) +
                         ") did not decrypt: " + e.what());
  }
  ++read_seq_;
  ++stats_.protected_records_received;
  if (length > kMaxPlaintext) {
    throw TlsFailure(AlertDescription::record_overflow, "a decrypted record longer than 2^14 bytes");
  }
  plaintext.resize(length);
  if (!tls13_) return {r.type, std::move(plaintext)};
  // TLSInnerPlaintext: the real type is the last non-zero byte; zeros after it are padding.
  while (!plaintext.empty() && plaintext.back() == 0) plaintext.pop_back();
  if (plaintext.empty()) {
    throw TlsFailure(AlertDescription::unexpected_message, "a TLS 1.3 record with no content type (all padding)");
  }
  const std::uint8_t type = plaintext.back();
  plaintext.pop_back();
  if (plaintext.size() > kMaxPlaintext) {
    throw TlsFailure(AlertDescription::record_overflow, "a decrypted record longer than 2^14 bytes");
  }
  if (type < 21 || type > 23) {
    throw TlsFailure(AlertDescription::unexpected_message,
                     "a protected record of inner content type " + std::to_string(type));
  }
  return {type, std::move(plaintext)};
}

Connection::Connection(Transport& transport, const Provider& provider, Role role, std::ostream& log)
    : records_(transport, provider), role_(role), log_(log), assembler_(kMaxHandshakeMessage) {}

void Connection::send_handshake(ByteView message) { send_records(ContentType::handshake, message); }

void Connection::send_records(ContentType type, ByteView data) {
  try {
    records_.send(type, data);
  } catch (const PeerClosedWhileSending& e) {
    // "send: Broken pipe" hides why the peer left; its alert says it.
    if (const std::optional<Alert> a = pending_alert()) {
      const auto d = static_cast<std::uint8_t>(a->description);
      throw PeerAlert(d, std::string("the peer sent ") + (a->level == AlertLevel::fatal ? "fatal" : "warning") +
                             " alert " + alert_name(d) + " and closed the connection (our " + e.what() + ")");
    }
    throw;
  }
}

std::optional<Alert> Connection::pending_alert() noexcept {
  const auto deadline = std::chrono::steady_clock::now() + kPendingAlertWait;
  try {
    for (int i = 0; i < kMaxPendingRecords; ++i) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !records_.transport().wait_readable(left)) break;
      const Plaintext p = records_.receive();
      if (static_cast<ContentType>(p.type) == ContentType::alert) return parse_alert(p.data);
    }
  } catch (const std::exception&) {
    // EOF, a reset, a record that does not parse or decrypt: no alert to report.
  }
  return std::nullopt;
}

HandshakeMessage Connection::receive_handshake(std::uint8_t type) {
  HandshakeMessage m = receive_handshake();
  if (m.type != type) {
    throw TlsFailure(AlertDescription::unexpected_message,
                     "expected " + handshake_type_name(type) + ", received " + handshake_type_name(m.type));
  }
  return m;
}

HandshakeMessage Connection::receive_handshake() {
  for (;;) {
    if (auto m = assembler_.next()) return std::move(*m);
    Plaintext p = records_.receive();
    switch (static_cast<ContentType>(p.type)) {
      case ContentType::handshake:
        assembler_.add(p.data);
        break;
      case ContentType::alert:
        on_alert(p.data, /*handshake_phase=*/true);
        break;
      case ContentType::change_cipher_spec:
        if (records_.tls13() && !compat_ccs_seen_ && !handshake_done_ && p.data.size() == 1 && p.data[0] == 1) {
          compat_ccs_seen_ = true;  // middlebox compatibility (RFC 8446 D.4): skipped, switches nothing
          break;
        }
        throw TlsFailure(AlertDescription::unexpected_message,
                         "ChangeCipherSpec arrived where a handshake message was expected");
      case ContentType::application_data:
        throw TlsFailure(AlertDescription::unexpected_message, "application data arrived during the handshake");
    }
  }
}

void Connection::at_key_change() const {
  if (!assembler_.empty()) {
    throw TlsFailure(AlertDescription::unexpected_message, "a handshake message spans a change of keys");
  }
}

void Connection::send_compat_change_cipher_spec() {
  const Bytes ccs{1};
  // Unprotected even when a write key is installed: RecordLayer would seal it.
  const Bytes record = make_record(ContentType::change_cipher_spec, kTls12, ccs);
  records_.transport().write_all(record);
  ++records_.stats().records_sent;
}

void Connection::send_change_cipher_spec() {
  const Bytes ccs{1};
  send_records(ContentType::change_cipher_spec, ccs);
  records_.activate_write();
}

void Connection::receive_change_cipher_spec() {
  if (!assembler_.empty()) {
    throw TlsFailure(AlertDescription::unexpected_message, "ChangeCipherSpec arrived inside a handshake message");
  }
  for (;;) {
    Plaintext p = records_.receive();
    switch (static_cast<ContentType>(p.type)) {
      case ContentType::change_cipher_spec:
        if (p.data.size() != 1 || p.data[0] != 1) {
          throw TlsFailure(AlertDescription::decode_error, "a ChangeCipherSpec record must hold the single byte 1");
        }
        records_.activate_read();
        return;
      case ContentType::alert:
        on_alert(p.data, /*handshake_phase=*/true);
        break;
      case ContentType::handshake: {
        // Report which message came instead; the bytes are not processed.
        const std::string what = p.data.empty() ? "an empty handshake record" : handshake_type_name(p.data[0]);
        throw TlsFailure(AlertDescription::unexpected_message, what + " arrived where ChangeCipherSpec was expected");
      }
      case ContentType::application_data:
        throw TlsFailure(AlertDescription::unexpected_message, "application data arrived before ChangeCipherSpec");
    }
  }
}

void Connection::send_alert(Alert alert) noexcept {
  try {
    records_.send(ContentType::alert, encode_alert(alert));
    log_ << "-- sent " << (alert.level == AlertLevel::fatal ? "fatal" : "warning") << " alert "
         << alert_name(static_cast<std::uint8_t>(alert.description)) << "\n";
  } catch (const std::exception& e) {
    log_ << "-- could not send alert " << alert_name(static_cast<std::uint8_t>(alert.description)) << ": " << e.what()
         << "\n";
  }
}

void Connection::on_alert(ByteView body, bool handshake_phase) {
  const Alert a = parse_alert(body);
  const auto d = static_cast<std::uint8_t>(a.description);
  if (a.description == AlertDescription::close_notify) {
    if (handshake_phase) throw PeerAlert(d, "the peer closed the connection (close_notify) during the handshake");
    peer_closed_ = true;
    return;
  }
  if (a.level == AlertLevel::fatal) throw PeerAlert(d, "the peer sent fatal alert " + alert_name(d));
  log_ << "-- peer sent warning alert " << alert_name(d) << " (ignored)\n";
}

void Connection::send_application_data(ByteView data) { send_records(ContentType::application_data, data); }

std::optional<Bytes> Connection::receive_application_data(std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (!peer_closed_) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !records_.transport().wait_readable(left)) return std::nullopt;
    Plaintext p = records_.receive();
    switch (static_cast<ContentType>(p.type)) {
      case ContentType::application_data:
        records_.stats().app_bytes_received += p.data.size();
        return std::move(p.data);
      case ContentType::alert:
        on_alert(p.data, /*handshake_phase=*/false);
        break;
      case ContentType::handshake: {
        assembler_.add(p.data);
        while (auto m = assembler_.next()) {
          if (post_handshake_) {
            post_handshake_(*m);
            continue;
          }
          const bool renegotiation = (role_ == Role::client && m->type == handshake_type::hello_request) ||
                                     (role_ == Role::server && m->type == handshake_type::client_hello);
          if (!renegotiation) {
            throw TlsFailure(AlertDescription::unexpected_message,
                             handshake_type_name(m->type) + " arrived after the handshake");
          }
          log_ << "-- peer asked to renegotiate; sslp11-tls does not renegotiate\n";
          send_alert({AlertLevel::warning, AlertDescription::no_renegotiation});
        }
        break;
      }
      case ContentType::change_cipher_spec:
        throw TlsFailure(AlertDescription::unexpected_message, "ChangeCipherSpec arrived after the handshake");
    }
  }
  close();
  return std::nullopt;
}

void Connection::close() noexcept {
  if (closed_) return;
  closed_ = true;
  send_alert({AlertLevel::warning, AlertDescription::close_notify});
}

}  // namespace sslp11::tls
