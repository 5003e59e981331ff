// The TLS 1.3 server handshake (RFC 8446 §4; reference §7.5): a suite and a
// group of our preference (a HelloRetryRequest when the client sent no
// share for it), a ticket's PSK checked by its binder, EncryptedExtensions,
// with --verify-client a CertificateRequest (client_auth.h), Certificate,
// CertificateVerify signed on the token (SslSignHash), Finished both ways
// (the client's Certificate and CertificateVerify before its Finished), then
// one NewSessionTicket and KeyUpdate after the handshake.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tls/account.h"
#include "tls/connection.h"
#include "tls/key_exchange.h"
#include "tls/messages.h"
#include "tls/provider.h"
#include "tls/server.h"
#include "tls/token_credential.h"
#include "tls/transcript13.h"

namespace sslp11::tls {

using TicketStore = std::map<Bytes, ServerTicket>;

struct Server13Setup {
  const Provider& provider;
  const ServerOptions& options;
  const TokenCredential& credential;
  const std::vector<std::uint32_t>& suites;  // TLS 1.3 suites served, in preference order
  const std::vector<std::uint16_t>& groups;  // key-share groups, in preference order
  const std::vector<Bytes>& client_ca_names;  // --verify-client's CAs, named in the CertificateRequest
};

class Tls13Server {
 public:
  Tls13Server(const Server13Setup& setup, TicketStore& tickets, Connection& conn, ConnectionReport& report,
              std::ostream& log);

  // From the first ClientHello (already read and parsed) to the client's Finished.
  void handshake(const ClientHello& first, const HandshakeMessage& first_bytes);
  // KeyUpdate(update_requested) and our write key moves on.
  void send_key_update(bool request);
  // --post-handshake-auth, when the client offered post_handshake_auth in a
  // full handshake: the CertificateRequest after the handshake (a fresh
  // context, over a fork of the handshake transcript). The answer arrives
  // among the post-handshake messages; the ticket is sent once it verified.
  // Does nothing on other connections or once asked.
  void request_client_certificate();
  // At the end of such a connection: TlsFailure(certificate_required) unless
  // the client authenticated.
  void check_client_authenticated() const;

 private:
  void choose(const ClientHello& ch);
  void hello_retry(const ClientHello& ch1, const HandshakeMessage& m1);
  void check_psk(const ClientHello& ch, const HandshakeMessage& m);
  void send_server_hello();
  void send_encrypted_extensions();
  void send_certificate_and_verify();
  void send_finished();
  void receive_finished();
  void send_ticket();
  void on_post_handshake(const HandshakeMessage& m);
  void on_client_certificate(const HandshakeMessage& m);
  void send(const Bytes& message);

  const Server13Setup& setup_;
  const Provider& provider_;
  TicketStore& tickets_;
  Connection& conn_;
  ConnectionReport& report_;
  std::ostream& log_;
  Transcript13 transcript_;

  ClientHello ch_;
  std::uint32_t suite_ = 0;
  std::uint16_t group_ = 0;
  bool retried_ = false;
  bool compat_ccs_sent_ = false;
  std::optional<std::size_t> psk_index_;
  const ServerTicket* ticket_ = nullptr;
  Ephemeral share_;
  SslObject early_, handshake_secret_, master_;
  SslObject client_hs_, server_hs_, client_ap_, server_ap_, exporter_, resumption_;

  struct PendingAuth {
    Bytes context;
    Transcript13 transcript;  // the handshake's, our request, then the client's answer
  };
  bool auth_after_handshake_ = false;
  std::optional<PendingAuth> pending_auth_;
  bool client_authenticated_ = false;
};

}  // namespace sslp11::tls
