// What a connection did, and the short account printed at the end: suite,
// protocol, EMS, derivation path, which keys lived on the token (read back
// from the token, not assumed) and how much data moved.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "tls/connection.h"
#include "tls/provider.h"

namespace sslp11::tls {

// One PKCS#11 object behind a key handle, as the token reports it
// (Sslp11DescribeKey).
struct TokenObjectFacts {
  std::string role;        // "private key", "secret", "cipher key", "MAC key"
  std::string kind;        // "CKK_EC private key", "CKK_GENERIC_SECRET (48 bytes)", "CKK_AES (16 bytes)"
  bool token_object = false;  // CKA_TOKEN: persistent (true) or a session object
  int sensitive = -1;         // CKA_SENSITIVE: 1, 0, or -1 unreadable
  int extractable = -1;       // CKA_EXTRACTABLE
};
// Throws ProviderError when the provider cannot say.
std::vector<TokenObjectFacts> describe_key_objects(NCRYPT_KEY_HANDLE key);

struct KeyObjects {
  std::string what;  // "ephemeral key", "master key", "read key", "write key"
  std::vector<TokenObjectFacts> objects;
};

struct ConnectionReport {
  bool ok = false;
  std::string failure;  // why it failed, when !ok
  std::string peer;
  std::uint16_t protocol = 0x0303;  // 0x0303 TLS 1.2, 0x0304 TLS 1.3
  std::uint32_t suite = 0;
  // TLS 1.3: a HelloRetryRequest happened; KeyUpdates each way; the exporter
  // value for the label "EXPERIMENTAL sslp11" (32 bytes, hex).
  bool hello_retry = false;
  int key_updates_sent = 0;
  int key_updates_received = 0;
  std::string exporter;
  bool ems = false;
  bool resumed = false;
  std::string key_exchange;  // "ECDHE P-256", "DHE ffdhe2048", "RSA (RSA-2048 certificate)"
  std::string authentication;  // "server signature rsa_pkcs1_sha256 (verified)"
  std::string peer_certificate;
  // Client certificate authentication, when the server asked for it: the
  // client says what it sent and signed, the server whom it authenticated.
  std::string client_authentication;
  std::vector<KeyObjects> keys;
  // False when no account will be printed (the soak, which the handshake
  // benchmark times): note_key_objects then asks the token nothing.
  bool account = true;
  // "native" or "composed": the path that made this connection's secrets, as
  // SslGetKeyProperty(SSLP11_DERIVATION_PATH) says of the first secret noted.
  std::string derivation_path;
  TrafficStats traffic;
  Bytes received;  // application data received (the first 64 KiB)
};

// Reads the token objects behind `key` into the report.
void note_key_objects(ConnectionReport& report, const std::string& what, NCRYPT_KEY_HANDLE key);

void print_account(std::ostream& out, const Provider& provider, const std::vector<ConnectionReport>& connections);

}  // namespace sslp11::tls
