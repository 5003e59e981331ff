// TLS alerts (RFC 5246 §7.2) and the two ways a connection fails: we detect
// a problem and send an alert (TlsFailure), or the peer sends one (PeerAlert).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "tls/bytes.h"

namespace sslp11::tls {

enum class AlertLevel : std::uint8_t { warning = 1, fatal = 2 };

enum class AlertDescription : std::uint8_t {
  close_notify = 0,
  unexpected_message = 10,
  bad_record_mac = 20,
  record_overflow = 22,
  handshake_failure = 40,
  bad_certificate = 42,
  unsupported_certificate = 43,
  certificate_expired = 45,
  certificate_unknown = 46,
  illegal_parameter = 47,
  unknown_ca = 48,
  decode_error = 50,
  decrypt_error = 51,
  protocol_version = 70,
  insufficient_security = 71,
  internal_error = 80,
  user_canceled = 90,
  no_renegotiation = 100,
  missing_extension = 109,
  unsupported_extension = 110,
  unrecognized_name = 112,
  bad_certificate_status_response = 113,
  unknown_psk_identity = 115,
  certificate_required = 116,
  no_application_protocol = 120,
};

std::string alert_name(std::uint8_t description);

struct Alert {
  AlertLevel level;
  AlertDescription description;
};

Bytes encode_alert(Alert a);
// Exactly two bytes: level (1 or 2) and a description.
Alert parse_alert(ByteView body);

// We abort the handshake or connection: `alert` goes to the peer (when the
// socket still works), `what()` to our user.
class TlsFailure : public std::runtime_error {
 public:
  TlsFailure(AlertDescription alert, const std::string& why) : std::runtime_error(why), alert_(alert) {}
  AlertDescription alert() const noexcept { return alert_; }

 private:
  AlertDescription alert_;
};

// The peer sent a fatal alert (or closed the connection in the middle of a
// handshake): nothing is sent back.
class PeerAlert : public std::runtime_error {
 public:
  PeerAlert(std::uint8_t description, const std::string& why)
      : std::runtime_error(why), description_(description) {}
  std::uint8_t description() const noexcept { return description_; }

 private:
  std::uint8_t description_;
};

// The transport failed (timeout, reset, EOF): no alert can be delivered.
class TransportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A write failed because the peer closed or reset the connection (EPIPE,
// ECONNRESET). A peer that aborts a handshake usually sent an alert first,
// which may still wait in our receive buffer (see Connection).
class PeerClosedWhileSending : public TransportError {
 public:
  using TransportError::TransportError;
};

}  // namespace sslp11::tls
