// TLS 1.3 handshake message bodies other than the hellos (RFC 8446 §4.3–4.6):
// EncryptedExtensions, CertificateRequest, Certificate with its request
// context and per-entry extensions, CertificateVerify and the content it
// signs, NewSessionTicket, KeyUpdate. Same contract as messages.h: parsers
// take the body and throw DecodeError for malformed bytes, TlsFailure for
// well-formed but illegal content.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tls/bytes.h"

namespace sslp11::tls {

struct EncryptedExtensions {
  bool server_name_ack = false;
  std::vector<std::uint16_t> supported_groups;  // the server's preference, informational
  std::vector<std::uint16_t> extensions_seen;
};
Bytes build_encrypted_extensions(const EncryptedExtensions& ee);
EncryptedExtensions parse_encrypted_extensions(ByteView body);

struct CertificateRequest13 {
  Bytes context;
  std::vector<std::uint16_t> signature_algorithms;  // required (RFC 8446 §4.3.2)
  std::vector<Bytes> authorities;  // certificate_authorities (§4.2.4): DER X.509 Names; none = no extension
};
Bytes build_certificate_request13(const CertificateRequest13& request);
CertificateRequest13 parse_certificate_request13(ByteView body);

struct Certificate13 {
  Bytes context;              // empty in the handshake, non-empty for post-handshake auth
  std::vector<Bytes> chain;   // DER, leaf first; per-entry extensions are dropped
};
Bytes build_certificate13(const Certificate13& certificate);
Certificate13 parse_certificate13(ByteView body, std::size_t max_certificates = 16);

struct CertificateVerify {
  std::uint16_t scheme = 0;
  Bytes signature;
};
Bytes build_certificate_verify(const CertificateVerify& verify);
CertificateVerify parse_certificate_verify(ByteView body);

// RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, the transcript hash.
enum class Signer { server, client };
Bytes certificate_verify_content(Signer signer, ByteView transcript_hash);

struct NewSessionTicket13 {
  std::uint32_t lifetime = 0;  // seconds, at most 7 days
  std::uint32_t age_add = 0;
  Bytes nonce;
  Bytes ticket;
  std::optional<std::uint32_t> max_early_data;
};
Bytes build_new_session_ticket13(const NewSessionTicket13& ticket);
NewSessionTicket13 parse_new_session_ticket13(ByteView body);
constexpr std::uint32_t kMaxTicketLifetime = 7 * 24 * 3600;

// KeyUpdate.request_update: update_not_requested (0) or update_requested (1).
Bytes build_key_update(bool request_update);
bool parse_key_update(ByteView body);

// Finished in TLS 1.3: verify_data of the hash length.
Bytes parse_finished13(ByteView body, std::size_t hash_bytes);

}  // namespace sslp11::tls
