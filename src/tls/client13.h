// The TLS 1.3 client handshake (RFC 8446 §4; reference §7.5): ClientHello
// with a key share (and, resuming, a PSK with its binder), an optional
// HelloRetryRequest, the server's encrypted flight checked (certificate chain,
// CertificateVerify on the host with the public key, Finished through the
// token), our Certificate and CertificateVerify when asked (client_auth.h),
// our Finished, then NewSessionTicket and KeyUpdate after the
// handshake. Every secret is a token object reached through Ssl* calls.
// A server that answers TLS 1.2 gets the ClientHello handed back to the
// TLS 1.2 state machine (client.cpp).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "tls/account.h"
#include "tls/client.h"
#include "tls/connection.h"
#include "tls/key_exchange.h"
#include "tls/messages13.h"
#include "tls/messages.h"
#include "tls/peer_verify.h"
#include "tls/provider.h"
#include "tls/token_credential.h"
#include "tls/transcript13.h"

namespace sslp11::tls {

// The server chose TLS 1.2: what the TLS 1.2 client needs to go on.
struct Tls12Fallback {
  ClientHello hello;
  Bytes hello_bytes;
  HandshakeMessage server_hello;
};

struct Client13Setup {
  const Provider& provider;
  const ClientOptions& options;
  const std::vector<std::uint32_t>& suites;  // TLS 1.3 suites to offer
  const std::vector<std::uint16_t>& groups;  // key-share groups, the first gets a share
  std::string name;                          // expected server name
  bool offers_tls12 = false;                 // the hello also offers TLS 1.2 (its suites are in the base hello)
  const TokenCredential* credential = nullptr;  // --cert: what a CertificateRequest gets
};

class Tls13Client {
 public:
  Tls13Client(const Client13Setup& setup, Connection& conn, ConnectionReport& report, std::ostream& log,
              ClientSession* resume, ClientSession* save);

  // From ClientHello to our Finished. `base` carries what the TLS 1.2 side
  // offers (its suites, groups, extensions), empty without TLS 1.2.
  std::optional<Tls12Fallback> handshake(ClientHello base);
  // --key-update: KeyUpdate(update_requested), then our write key moves on.
  void send_key_update(bool request);
  // A ticket is wanted for --resume: read (NewSessionTicket) for up to `wait`.
  void await_ticket(std::chrono::milliseconds wait);

 private:
  void send_client_hello(ClientHello base);
  void resend_after_retry(const ServerHello& hrr, const HandshakeMessage& m);
  Bytes hello_with_binders();
  void on_server_hello(const ServerHello& sh, const HandshakeMessage& m);
  void receive_encrypted_extensions();
  void receive_certificate_and_verify();
  void receive_finished();
  void send_compat_change_cipher_spec();
  void send_finished();
  void on_post_handshake(const HandshakeMessage& m);
  void answer_post_handshake_request(const HandshakeMessage& m);
  HandshakeMessage expect(std::uint8_t type);

  const Client13Setup& setup_;
  const Provider& provider_;
  Connection& conn_;
  ConnectionReport& report_;
  std::ostream& log_;
  ClientSession* save_;
  const Tls13Ticket* ticket_ = nullptr;
  Transcript13 transcript_;

  ClientHello ch_;
  Bytes ch_bytes_;
  std::uint16_t share_group_ = 0;
  Ephemeral share_;
  std::uint32_t suite_ = 0;
  bool retried_ = false;
  bool resumed_ = false;
  bool compat_ccs_sent_ = false;
  std::optional<CertificateRequest13> certificate_request_;
  std::optional<PeerCertificate> cert_;
  SslObject early_, handshake_secret_, master_;
  SslObject client_hs_, server_hs_;
  SslObject client_ap_, server_ap_, exporter_, resumption_;
};

}  // namespace sslp11::tls
