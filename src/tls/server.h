// The TLS 1.2 server state machine (reference §7.4): ECDHE/DHE with the
// ServerKeyExchange signed by SslSignHash with the token's private key, RSA
// key exchange through SslImportMasterKey, session resumption by id from a
// small in-process cache. After the handshake it echoes application data.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tls/account.h"
#include "tls/provider.h"
#include "tls/record_io.h"

namespace sslp11::tls {

struct ServerOptions {
  std::string listen;                    // HOST:PORT (port 0: any free port, printed)
  std::string cert_file;                 // PEM: the server certificate, then its chain
  std::optional<std::string> import_key; // PEM private key put on the token as session objects (test aid)
  std::vector<std::uint32_t> suites;     // in preference order
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
  // After the handshake: every record of application data back to the client.
  void echo(Connection& conn, ConnectionReport& report);

  const Provider& provider_;
  ServerOptions options_;
  std::ostream& log_;
  std::vector<Bytes> chain_;
  SslObject private_key_;
  bool ec_key_ = false;
  std::vector<std::uint32_t> suites_;  // configured and runnable, in preference order
  std::map<Bytes, CachedSession> cache_;
};

}  // namespace sslp11::tls
