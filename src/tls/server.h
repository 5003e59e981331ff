// The TLS 1.2 server state machine (reference §7.4): ECDHE/DHE with the
// ServerKeyExchange signed by SslSignHash with the token's private key, RSA
// key exchange through SslImportMasterKey, a client certificate with
// --verify-client (client_auth12.h), session resumption by id from a small
// in-process cache. After the handshake it echoes application data.
// A ClientHello offering TLS 1.3 with a TLS 1.3 suite we serve goes to the
// TLS 1.3 handshake (server13.h); a TLS 1.2 answer from a server that also
// serves TLS 1.3 carries the RFC 8446 downgrade sentinel.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tls/account.h"
#include "tls/provider.h"
#include "tls/record_io.h"
#include "tls/token_credential.h"

namespace sslp11::tls {

struct ServerOptions {
  std::string listen;                    // HOST:PORT (port 0: any free port, printed)
  std::string cert_file;                 // PEM: the server certificate, then its chain
  std::optional<std::string> import_key; // PEM private key put on the token as session objects (test aid)
  std::optional<std::string> client_cafile;  // --verify-client: a client certificate is required, chaining to these CAs
  bool post_handshake_auth = false;      // TLS 1.3: ask for it after the first reply (when the client offers that)
  std::vector<std::uint32_t> suites;     // TLS 1.2 and TLS 1.3 suites, in preference order
  std::vector<std::uint16_t> groups;     // --groups: TLS 1.3 key-share groups in preference order
  bool key_update = false;               // TLS 1.3: KeyUpdate(update_requested) after the first reply
  bool once = false;
  bool ems = true;
  std::chrono::milliseconds timeout{10000};      // every socket operation
  std::chrono::milliseconds idle{10000};         // quiet time that ends a connection after the handshake
  std::chrono::milliseconds accept_wait{60000};  // with --once: how long to wait for the client
};

// A session the server can resume: the master key stays on the token.
struct CachedSession {
  SslObject master;
  std::uint32_t suite = 0;
  bool ems = false;
};

// What a TLS 1.3 NewSessionTicket refers to: the PSK stays on the token in
// this process; the ticket itself is random bytes naming it.
struct ServerTicket {
  SslObject psk;
  std::uint32_t suite = 0;
};

class Server {
 public:
  Server(const Provider& provider, ServerOptions options, std::ostream& log);
  ~Server();

  // Certificate, private key (SslOpenPrivateKey), the suites it can serve.
  // Throws std::runtime_error naming what is missing.
  void prepare();
  // Listens and serves; returns the exit status (0 when every connection succeeded).
  int run();
  ConnectionReport serve(Socket& socket);

 private:
  // After the handshake: every record of application data back to the client;
  // `after_first_reply` (optional) runs once after the first echo.
  void echo(Connection& conn, ConnectionReport& report, const std::function<void()>& after_first_reply = {});

  const Provider& provider_;
  ServerOptions options_;
  std::ostream& log_;
  TokenCredential credential_;
  std::vector<std::uint32_t> suites_;  // TLS 1.2: configured and runnable, in preference order
  std::vector<std::uint32_t> suites13_;  // TLS 1.3: configured and runnable, in preference order
  std::vector<std::uint16_t> groups13_;  // TLS 1.3 key-share groups, in preference order
  std::vector<Bytes> client_ca_names_;   // --verify-client: the CAs a CertificateRequest names
  std::map<Bytes, CachedSession> cache_;
  std::map<Bytes, ServerTicket> tickets13_;
};

}  // namespace sslp11::tls
