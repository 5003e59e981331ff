// Hello messages of both versions and the TLS 1.2 handshake message bodies
// (RFC 5246 §7.4, RFC 4492, RFC 7627, RFC 5746, RFC 6066, RFC 7919; the
// TLS 1.3 hello extensions of RFC 8446 §4.2; TLS 1.3's other messages are in
// messages13.h): builders produce the body, parsers take the
// body (the 4-byte handshake header is record_io's business) and throw
// DecodeError for anything malformed, truncated or trailing, and TlsFailure
// for well-formed but illegal content (duplicate extensions, a non-empty
// renegotiation_info).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tls/bytes.h"

namespace sslp11::tls {

namespace handshake_type {
constexpr std::uint8_t hello_request = 0;
constexpr std::uint8_t client_hello = 1;
constexpr std::uint8_t server_hello = 2;
constexpr std::uint8_t new_session_ticket = 4;
constexpr std::uint8_t end_of_early_data = 5;
constexpr std::uint8_t encrypted_extensions = 8;
constexpr std::uint8_t certificate = 11;
constexpr std::uint8_t server_key_exchange = 12;
constexpr std::uint8_t certificate_request = 13;
constexpr std::uint8_t server_hello_done = 14;
constexpr std::uint8_t certificate_verify = 15;
constexpr std::uint8_t client_key_exchange = 16;
constexpr std::uint8_t finished = 20;
constexpr std::uint8_t key_update = 24;
constexpr std::uint8_t message_hash = 254;  // RFC 8446 §4.4.1: stands for ClientHello1 after an HRR
}  // namespace handshake_type
std::string handshake_type_name(std::uint8_t type);

namespace extension {
constexpr std::uint16_t server_name = 0;
constexpr std::uint16_t supported_groups = 10;
constexpr std::uint16_t ec_point_formats = 11;
constexpr std::uint16_t signature_algorithms = 13;
constexpr std::uint16_t extended_master_secret = 23;
constexpr std::uint16_t session_ticket = 35;
constexpr std::uint16_t pre_shared_key = 41;
constexpr std::uint16_t early_data = 42;
constexpr std::uint16_t supported_versions = 43;
constexpr std::uint16_t cookie = 44;
constexpr std::uint16_t psk_key_exchange_modes = 45;
constexpr std::uint16_t certificate_authorities = 47;
constexpr std::uint16_t post_handshake_auth = 49;
constexpr std::uint16_t signature_algorithms_cert = 50;
constexpr std::uint16_t key_share = 51;
constexpr std::uint16_t renegotiation_info = 0xFF01;
}  // namespace extension

namespace named_group {
constexpr std::uint16_t secp256r1 = 23;
constexpr std::uint16_t secp384r1 = 24;
constexpr std::uint16_t secp521r1 = 25;
constexpr std::uint16_t x25519 = 29;
constexpr std::uint16_t ffdhe2048 = 256;
constexpr std::uint16_t ffdhe3072 = 257;
constexpr std::uint16_t ffdhe4096 = 258;
}  // namespace named_group
std::string group_name(std::uint16_t group);
// "P-256, P-384"; "none" for an empty list.
std::string group_names(const std::vector<std::uint16_t>& groups);

namespace signature_scheme {
constexpr std::uint16_t rsa_pkcs1_sha1 = 0x0201;
constexpr std::uint16_t ecdsa_sha1 = 0x0203;
constexpr std::uint16_t rsa_pkcs1_sha256 = 0x0401;
constexpr std::uint16_t ecdsa_secp256r1_sha256 = 0x0403;
constexpr std::uint16_t rsa_pkcs1_sha384 = 0x0501;
constexpr std::uint16_t ecdsa_secp384r1_sha384 = 0x0503;
constexpr std::uint16_t rsa_pkcs1_sha512 = 0x0601;
constexpr std::uint16_t ecdsa_secp521r1_sha512 = 0x0603;
constexpr std::uint16_t rsa_pss_rsae_sha256 = 0x0804;
constexpr std::uint16_t rsa_pss_rsae_sha384 = 0x0805;
constexpr std::uint16_t rsa_pss_rsae_sha512 = 0x0806;
constexpr std::uint16_t rsa_pss_pss_sha256 = 0x0809;
}  // namespace signature_scheme
std::string signature_scheme_name(std::uint16_t scheme);

constexpr std::uint16_t kTls12 = 0x0303;
constexpr std::uint16_t kTls13 = 0x0304;
constexpr std::uint16_t kRenegotiationScsv = 0x00FF;
constexpr std::size_t kVerifyDataBytes = 12;

using Random = std::array<std::uint8_t, 32>;

// RFC 8446 §4.2.8: one KeyShareEntry.
struct KeyShare {
  std::uint16_t group = 0;
  Bytes key_exchange;  // EC: 04 || X || Y
};

// RFC 8446 §4.2.11: one PskIdentity with its binder.
struct PskOffer {
  Bytes identity;
  std::uint32_t obfuscated_ticket_age = 0;
  Bytes binder;
};

// psk_key_exchange_modes values (RFC 8446 §4.2.9).
namespace psk_mode {
constexpr std::uint8_t psk_ke = 0;
constexpr std::uint8_t psk_dhe_ke = 1;
}  // namespace psk_mode

struct ClientHello {
  std::uint16_t version = kTls12;
  Random random{};
  Bytes session_id;  // 0..32 bytes
  std::vector<std::uint16_t> cipher_suites;
  Bytes compression_methods{0};
  // Extensions. A `has_*` false means the extension was absent.
  std::optional<std::string> server_name;  // host_name entry of server_name
  bool has_supported_groups = false;
  std::vector<std::uint16_t> supported_groups;
  bool has_ec_point_formats = false;
  Bytes ec_point_formats;
  bool has_signature_algorithms = false;
  std::vector<std::uint16_t> signature_algorithms;
  bool extended_master_secret = false;
  bool renegotiation_info = false;  // the (empty) extension, or the SCSV in cipher_suites
  // TLS 1.3 (RFC 8446 §4.2).
  std::vector<std::uint16_t> supported_versions;  // empty: extension absent
  bool has_key_share = false;
  std::vector<KeyShare> key_shares;
  Bytes psk_modes;  // empty: extension absent
  std::optional<Bytes> cookie;
  bool post_handshake_auth = false;  // the client answers a CertificateRequest after the handshake (§4.2.6)
  std::vector<PskOffer> psks;  // pre_shared_key, always written last
  std::vector<std::uint16_t> extensions_seen;
};
Bytes build_client_hello(const ClientHello& hello);
ClientHello parse_client_hello(ByteView body);
// The bytes the PSK binders take at the end of a ClientHello body (their
// 16-bit list length and each 8-bit-prefixed binder): the binder's
// transcript is the ClientHello without them (RFC 8446 §4.2.11.2). 0 without PSKs.
std::size_t binders_bytes(const ClientHello& hello);

struct ServerHello {
  std::uint16_t version = kTls12;
  Random random{};
  Bytes session_id;
  std::uint16_t cipher_suite = 0;
  std::uint8_t compression_method = 0;
  bool extended_master_secret = false;
  bool renegotiation_info = false;
  bool has_ec_point_formats = false;
  Bytes ec_point_formats;
  bool server_name_ack = false;
  // TLS 1.3: the selected version, the server's share (or, in a
  // HelloRetryRequest, only its group), the chosen PSK, an HRR cookie.
  std::optional<std::uint16_t> selected_version;
  std::optional<KeyShare> key_share;
  std::optional<std::uint16_t> hrr_group;
  std::optional<std::uint16_t> selected_psk;
  std::optional<Bytes> cookie;
  std::vector<std::uint16_t> extensions_seen;
};
// A HelloRetryRequest is a ServerHello with this random (RFC 8446 §4.1.3).
extern const Random kHelloRetryRandom;
bool is_hello_retry_request(const ServerHello& hello);
// RFC 8446 §4.1.3: the last 8 bytes of a TLS 1.3-capable server's random
// when it negotiates TLS 1.2 ("DOWNGRD" 01) or below ("DOWNGRD" 00).
extern const std::array<std::uint8_t, 8> kDowngradeTls12;
bool has_downgrade_sentinel(const Random& random);
Bytes build_server_hello(const ServerHello& hello);
// A HelloRetryRequest (told by its random) carries only the group in key_share.
ServerHello parse_server_hello(ByteView body);

// Certificate: DER certificates, leaf first. At most `max_certificates`.
Bytes build_certificate(const std::vector<Bytes>& chain);
std::vector<Bytes> parse_certificate(ByteView body, std::size_t max_certificates = 16);

enum class KeyExchangeKind { rsa, ecdhe, dhe };

struct EcdheParams {
  std::uint16_t group = 0;
  Bytes point;  // 04 || X || Y
};
struct DheParams {
  Bytes p, g, ys;
};
struct ServerKeyExchange {
  KeyExchangeKind kind = KeyExchangeKind::ecdhe;
  EcdheParams ecdhe;
  DheParams dhe;
  Bytes params;  // the exact ServerECDHParams / ServerDHParams bytes that were signed
  std::uint16_t signature_scheme = 0;
  Bytes signature;
};
Bytes build_ecdhe_params(const EcdheParams& p);
Bytes build_dhe_params(const DheParams& p);
Bytes build_server_key_exchange(ByteView params, std::uint16_t signature_scheme, ByteView signature);
ServerKeyExchange parse_server_key_exchange(ByteView body, KeyExchangeKind kind);

struct CertificateRequest {
  Bytes certificate_types;
  std::vector<std::uint16_t> signature_algorithms;
  std::vector<Bytes> authorities;  // DER X.509 Names, possibly none
};
CertificateRequest parse_certificate_request(ByteView body);
Bytes build_certificate_request(const CertificateRequest& request);
// DistinguishedName authorities<..2^16-1>, each opaque DistinguishedName<1..2^16-1>
// (RFC 5246 §7.4.4, RFC 8446 §4.2.4): the wire list and its parser.
Bytes build_authority_names(const std::vector<Bytes>& names);
std::vector<Bytes> parse_authority_names(ByteReader list);
namespace client_certificate_type {
constexpr std::uint8_t rsa_sign = 1;
constexpr std::uint8_t ecdsa_sign = 64;
}  // namespace client_certificate_type

void parse_server_hello_done(ByteView body);

// ClientKeyExchange: the ECDH point (8-bit length), the DH Yc or the RSA
// encrypted pre-master (16-bit length).
Bytes build_client_key_exchange(KeyExchangeKind kind, ByteView value);
Bytes parse_client_key_exchange(ByteView body, KeyExchangeKind kind);

// Finished: exactly 12 bytes of verify_data.
Bytes parse_finished(ByteView body);

}  // namespace sslp11::tls
