#include "tls/alerts.h"

namespace sslp11::tls {

std::string alert_name(std::uint8_t description) {
  switch (static_cast<AlertDescription>(description)) {
    case AlertDescription::close_notify: return "close_notify";
    case AlertDescription::unexpected_message: return "unexpected_message";
    case AlertDescription::bad_record_mac: return "bad_record_mac";
    case AlertDescription::record_overflow: return "record_overflow";
    case AlertDescription::handshake_failure: return "handshake_failure";
    case AlertDescription::bad_certificate: return "bad_certificate";
    case AlertDescription::unsupported_certificate: return "unsupported_certificate";
    case AlertDescription::certificate_expired: return "certificate_expired";
    case AlertDescription::certificate_unknown: return "certificate_unknown";
    case AlertDescription::illegal_parameter: return "illegal_parameter";
    case AlertDescription::unknown_ca: return "unknown_ca";
    case AlertDescription::decode_error: return "decode_error";
    case AlertDescription::decrypt_error: return "decrypt_error";
    case AlertDescription::protocol_version: return "protocol_version";
    case AlertDescription::insufficient_security: return "insufficient_security";
    case AlertDescription::internal_error: return "internal_error";
    case AlertDescription::user_canceled: return "user_canceled";
    case AlertDescription::no_renegotiation: return "no_renegotiation";
    case AlertDescription::missing_extension: return "missing_extension";
    case AlertDescription::unsupported_extension: return "unsupported_extension";
    case AlertDescription::unrecognized_name: return "unrecognized_name";
    case AlertDescription::bad_certificate_status_response: return "bad_certificate_status_response";
    case AlertDescription::unknown_psk_identity: return "unknown_psk_identity";
    case AlertDescription::certificate_required: return "certificate_required";
    case AlertDescription::no_application_protocol: return "no_application_protocol";
  }
  return "alert " + std::to_string(description);
}

Bytes encode_alert(Alert a) {
  return {static_cast<std::uint8_t>(a.level), static_cast<std::uint8_t>(a.description)};
}

Alert parse_alert(ByteView body) {
  if (body.size() != 2) throw DecodeError("an alert record must carry exactly 2 bytes, not " + std::to_string(body.size()));
  if (body[0] != 1 && body[0] != 2) throw DecodeError("alert level " + std::to_string(body[0]) + " is neither warning nor fatal");
  return {static_cast<AlertLevel>(body[0]), static_cast<AlertDescription>(body[1])};
}

}  // namespace sslp11::tls
