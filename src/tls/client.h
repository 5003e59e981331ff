// The TLS 1.2 client state machine (reference §7.2 ECDHE/DHE, §7.3 RSA key
// exchange), plus the abbreviated handshake of a session resumed by id. With
// TLS 1.3 suites in the list, Client::connect runs the TLS 1.3 handshake
// (client13.h) and comes back here only when the server answers TLS 1.2.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "tls/account.h"
#include "tls/provider.h"
#include "tls/token_credential.h"

namespace sslp11::tls {

struct ClientOptions {
  std::string connect;                     // HOST:PORT
  std::string cafile;                      // trust anchors for the server certificate
  std::optional<std::string> cert_file;    // --cert: our certificate (then its chain), its key on the token
  std::optional<std::string> import_key;   // --import-key: test aid, as the server's
  std::optional<std::string> server_name;  // SNI and the name checked; default: the host unless an IP literal
  std::vector<std::uint32_t> suites;     // TLS 1.2 and TLS 1.3 suites, in preference order
  std::vector<std::uint16_t> groups;     // --groups: offered in this order, a TLS 1.3 key share for the first
  bool key_update = false;               // TLS 1.3: KeyUpdate(update_requested) after the first exchange
  bool ems = true;
  std::optional<std::string> send;         // sent after the handshake (a newline is added)
  std::chrono::milliseconds timeout{10000};      // every socket operation
  std::chrono::milliseconds reply_wait{3000};    // for the first reply byte
  std::chrono::milliseconds reply_idle{300};     // quiet time that ends a reply
  bool account = true;  // false: no token objects read for an account (the soak prints none)
};

// A TLS 1.3 NewSessionTicket as the client keeps it: the opaque ticket and
// the PSK made from it on the token (SslExpandPreSharedKey).
struct Tls13Ticket {
  Bytes identity;
  SslObject psk;
  std::uint32_t suite = 0;
  std::uint32_t age_add = 0;
  std::uint32_t lifetime = 0;
  std::chrono::steady_clock::time_point received;
};

// What a client remembers of a session for resumption: the id and the
// master key handle (the key itself stays on the token); for TLS 1.3 a ticket.
struct ClientSession {
  Bytes session_id;
  SslObject master;
  std::uint32_t suite = 0;
  bool ems = false;
  std::optional<Tls13Ticket> ticket13;
};

class Client {
 public:
  Client(const Provider& provider, ClientOptions options, std::ostream& log);

  // The suites and groups the token can honestly offer. Throws
  // std::runtime_error naming what the token lacks when nothing is left.
  void prepare();

  // One connection: full handshake, or abbreviated when `resume` holds a
  // session the server still knows. The session is saved into `save` (when
  // given and the server issued an id).
  ConnectionReport connect(ClientSession* resume, ClientSession* save);

 private:
  // --send: the line out, then the reply until a newline, close_notify or quiet.
  void exchange_data(Connection& conn, ConnectionReport& report);

  const Provider& provider_;
  ClientOptions options_;
  std::ostream& log_;
  std::vector<std::uint32_t> suites_;  // TLS 1.2 suites offered, in order
  std::vector<std::uint16_t> groups_;  // supported_groups for ECDHE
  std::vector<std::uint32_t> suites13_;  // TLS 1.3 suites offered, in order
  std::vector<std::uint16_t> groups13_;  // TLS 1.3 groups, the first gets a key share
  bool offers_dhe_ = false;
  std::string host_;
  std::optional<TokenCredential> credential_;  // --cert
};

}  // namespace sslp11::tls
