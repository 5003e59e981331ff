#include "tls/server13.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <ostream>

#include "tls/alerts.h"
#include "tls/certificate_verify13.h"
#include "tls/client_auth.h"
#include "tls/messages13.h"
#include "tls/peer_verify.h"
#include "tls/schedule13.h"
#include "tls/suites.h"

namespace sslp11::tls {

namespace {

namespace ht = handshake_type;

constexpr std::size_t kTicketStoreSize = 64;
constexpr std::uint32_t kTicketLifetime = 7200;  // seconds

}  // namespace

Tls13Server::Tls13Server(const Server13Setup& setup, TicketStore& tickets, Connection& conn, ConnectionReport& report,
                         std::ostream& log)
    : setup_(setup), provider_(setup.provider), tickets_(tickets), conn_(conn), report_(report), log_(log),
      transcript_(setup.provider) {}

void Tls13Server::handshake(const ClientHello& first, const HandshakeMessage& first_bytes) {
  ch_ = first;
  conn_.records().use_tls13();  // the client's compatibility ChangeCipherSpec may come at any point now
  choose(ch_);
  const bool has_share =
      std::any_of(ch_.key_shares.begin(), ch_.key_shares.end(), [&](const KeyShare& k) { return k.group == group_; });
  if (has_share) {
    check_psk(ch_, first_bytes);
    transcript_.start(suite_);
    transcript_.add(first_bytes.bytes);
  } else {
    hello_retry(first, first_bytes);
  }
  send_server_hello();
  send_encrypted_extensions();
  // A resumed handshake has no CertificateRequest (RFC 8446 §4.3.2): the
  // ticket was issued to a client already authenticated.
  const bool wants_client_auth = ticket_ == nullptr && setup_.options.client_cafile;
  auth_after_handshake_ = wants_client_auth && setup_.options.post_handshake_auth && ch_.post_handshake_auth;
  if (wants_client_auth && setup_.options.post_handshake_auth && !ch_.post_handshake_auth) {
    log_ << "-- the client does not offer post_handshake_auth: the certificate is asked for in the handshake\n";
  }
  const bool client_auth = wants_client_auth && !auth_after_handshake_;
  if (client_auth) send_certificate_request13(conn_, transcript_, {}, setup_.client_ca_names, log_);
  if (ticket_ == nullptr) send_certificate_and_verify();
  send_finished();
  if (client_auth) receive_client_certificate13(conn_, transcript_, *setup_.options.client_cafile, report_, log_);
  receive_finished();
  conn_.handshake_done();
  conn_.on_post_handshake([this](const HandshakeMessage& m) { on_post_handshake(m); });
  log_ << "== handshake complete: TLS 1.3, " << suite_display_name(suite_)
       << (ticket_ != nullptr ? " (resumed, psk_dhe_ke)" : "") << std::endl;
  // A ticket resumes without asking again, so it goes only to a client
  // already authenticated: after the post-handshake authentication, if any.
  if (!auth_after_handshake_) send_ticket();
}

void Tls13Server::request_client_certificate() {
  if (!auth_after_handshake_ || pending_auth_ || client_authenticated_) return;
  PendingAuth pending{random_bytes(16), transcript_.fork()};
  send_certificate_request13(conn_, pending.transcript, pending.context, setup_.client_ca_names, log_);
  pending_auth_.emplace(std::move(pending));
}

void Tls13Server::check_client_authenticated() const {
  if (auth_after_handshake_ && !client_authenticated_) {
    throw TlsFailure(AlertDescription::certificate_required,
                     pending_auth_ ? "the client did not answer our post-handshake CertificateRequest"
                                   : "the connection ended before the client was asked for its certificate");
  }
}

// RFC 8446 §4.6.2: Certificate, CertificateVerify and Finished over the
// handshake transcript plus our request; the Finished key comes from the
// client's current application traffic secret (§4.4).
void Tls13Server::on_client_certificate(const HandshakeMessage& m) {
  PendingAuth& pending = *pending_auth_;
  check_client_certificate13(m, pending.context, conn_, pending.transcript, *setup_.options.client_cafile, report_, log_);
  const std::size_t n = pending.transcript.hash_bytes();
  const Bytes expected = schedule13::finished(provider_, client_ap_.get(), pending.transcript.handle(), n);
  const HandshakeMessage f = conn_.receive_handshake(ht::finished);
  const Bytes received = parse_finished13(f.body(), n);
  if (CRYPTO_memcmp(received.data(), expected.data(), n) != 0) {
    throw TlsFailure(AlertDescription::decrypt_error,
                     "the client Finished after its certificate does not match SslComputeFinishedHash");
  }
  pending_auth_.reset();
  client_authenticated_ = true;
  report_.client_authentication += " (post-handshake authentication)";
  log_ << "<< Finished (post-handshake authentication; verified with SslComputeFinishedHash on the client "
          "application traffic secret)"
       << std::endl;
  send_ticket();
}

// Our first suite the client offers; our first group the client supports.
void Tls13Server::choose(const ClientHello& ch) {
  if (!contains(ch.compression_methods, 0) || ch.compression_methods.size() != 1) {
    throw TlsFailure(AlertDescription::illegal_parameter, "a TLS 1.3 ClientHello must offer only null compression");
  }
  for (std::uint32_t id : setup_.suites) {
    if (contains(ch.cipher_suites, id)) {
      suite_ = id;
      break;
    }
  }
  if (suite_ == 0) {
    throw TlsFailure(AlertDescription::handshake_failure, "no TLS 1.3 cipher suite in common with the client");
  }
  if (!ch.has_key_share || !ch.has_supported_groups) {
    throw TlsFailure(AlertDescription::missing_extension, "a TLS 1.3 ClientHello without key_share or supported_groups");
  }
  if (!ch.has_signature_algorithms && ch.psks.empty()) {
    throw TlsFailure(AlertDescription::missing_extension, "a TLS 1.3 ClientHello without signature_algorithms");
  }
  for (std::uint16_t g : setup_.groups) {
    if (contains(ch.supported_groups, g)) {
      group_ = g;
      break;
    }
  }
  if (group_ == 0) {
    throw TlsFailure(AlertDescription::handshake_failure, "no key-exchange group in common (the client offers " +
                                                              group_names(ch.supported_groups) + "; we serve " +
                                                              group_names(setup_.groups) + ")");
  }
  report_.protocol = kTls13;
  report_.suite = suite_;
}

void Tls13Server::hello_retry(const ClientHello& ch1, const HandshakeMessage& m1) {
  ServerHello hrr;
  hrr.random = kHelloRetryRandom;
  hrr.session_id = ch1.session_id;
  hrr.cipher_suite = static_cast<std::uint16_t>(suite_);
  hrr.selected_version = kTls13;
  hrr.hrr_group = group_;
  transcript_.add(m1.bytes);
  transcript_.collapse_to_message_hash(suite_);
  const Bytes hrr_bytes = make_handshake(ht::server_hello, build_server_hello(hrr));
  send(hrr_bytes);
  if (!ch1.session_id.empty()) {
    conn_.send_compat_change_cipher_spec();
    compat_ccs_sent_ = true;
  }
  retried_ = true;
  report_.hello_retry = true;
  log_ << ">> HelloRetryRequest: " << suite_display_name(suite_) << ", asking for a key share for "
       << group_name(group_) << " (the client sent " << (ch1.key_shares.empty() ? "none" : "another") << ")\n";
  const HandshakeMessage m2 = conn_.receive_handshake(ht::client_hello);
  ClientHello ch2 = parse_client_hello(m2.body());
  if (!contains(ch2.cipher_suites, suite_) || ch2.session_id != ch1.session_id || ch2.key_shares.size() != 1 ||
      ch2.key_shares[0].group != group_) {
    throw TlsFailure(AlertDescription::illegal_parameter,
                     "the second ClientHello does not answer the HelloRetryRequest (suite, session id or key share)");
  }
  ch_ = std::move(ch2);
  check_psk(ch_, m2);
  transcript_.add(m2.bytes);
  log_ << "<< ClientHello (again): key share " << group_name(group_) << "\n";
}

// A ticket of ours with psk_dhe_ke and a binder that the token confirms.
void Tls13Server::check_psk(const ClientHello& ch, const HandshakeMessage& m) {
  if (ch.psks.empty()) return;
  if (!std::any_of(ch.psk_modes.begin(), ch.psk_modes.end(), [](std::uint8_t mode) { return mode == psk_mode::psk_dhe_ke; })) {
    log_ << "-- the client offers a PSK without psk_dhe_ke: full handshake\n";
    return;
  }
  for (std::size_t i = 0; i < ch.psks.size(); ++i) {
    const auto found = tickets_.find(ch.psks[i].identity);
    if (found == tickets_.end()) continue;
    if (provider_.hash13(found->second.suite) != provider_.hash13(suite_)) continue;
    const std::size_t n = Transcript13::hash_bytes_of(provider_, suite_);
    const std::size_t partial = m.bytes.size() - binders_bytes(ch);
    const SslObject binder_hash = transcript_.fork_with(suite_, ByteView(m.bytes).subspan(0, partial));
    SslObject early = schedule13::early_secret(provider_, found->second.psk.get(), suite_);
    const SslObject binder_key = schedule13::resumption_binder_key(provider_, early.get());
    const Bytes expected = schedule13::finished(provider_, binder_key.get(), binder_hash.get(), n);
    note_key_objects(report_, "resumption binder key", binder_key.get());
    const Bytes& binder = ch.psks[i].binder;
    if (binder.size() != n || CRYPTO_memcmp(binder.data(), expected.data(), n) != 0) {
      throw TlsFailure(AlertDescription::decrypt_error, "the PSK binder does not match (SslComputeFinishedHash)");
    }
    psk_index_ = i;
    ticket_ = &found->second;
    note_key_objects(report_, "ticket PSK (from an earlier connection)", ticket_->psk.get());
    early_ = std::move(early);
    log_ << "<< PSK: ticket " << (i + 1) << " is ours; binder verified (SslExpandBinderKey, SslComputeFinishedHash)\n";
    return;
  }
  log_ << "-- no offered ticket is ours: full handshake\n";
}

void Tls13Server::send_server_hello() {
  const auto peer = std::find_if(ch_.key_shares.begin(), ch_.key_shares.end(),
                                 [&](const KeyShare& k) { return k.group == group_; });
  const SslObject client_share = import_peer_key(provider_, ecc_blob_type(group_),
                                                 ecc_public_blob(group_, peer->key_exchange), "the client's key share");
  share_ = create_ecdhe(provider_, suite_, group_, TLS1_3_PROTOCOL_VERSION);
  note_key_objects(report_, "ephemeral key (key share)", share_.key.get());
  ServerHello sh;
  const Bytes r = random_bytes(32);
  std::copy(r.begin(), r.end(), sh.random.begin());
  sh.session_id = ch_.session_id;
  sh.cipher_suite = static_cast<std::uint16_t>(suite_);
  sh.selected_version = kTls13;
  sh.key_share = KeyShare{group_, share_.public_value};
  if (psk_index_) sh.selected_psk = static_cast<std::uint16_t>(*psk_index_);
  send(make_handshake(ht::server_hello, build_server_hello(sh)));
  if (!compat_ccs_sent_ && !ch_.session_id.empty()) {
    conn_.send_compat_change_cipher_spec();
    compat_ccs_sent_ = true;
  }
  conn_.records().use_tls13();
  if (!early_) early_ = schedule13::early_secret(provider_, 0, suite_);
  handshake_secret_ = schedule13::handshake_secret(provider_, share_.key.get(), client_share.get(), early_.get());
  schedule13::TrafficSecrets hs = schedule13::traffic_secrets(provider_, handshake_secret_.get(), transcript_.handle());
  client_hs_ = std::move(hs.client);
  server_hs_ = std::move(hs.server);
  note_key_objects(report_, "early secret", early_.get());
  note_key_objects(report_, "handshake secret", handshake_secret_.get());
  note_key_objects(report_, "client handshake traffic secret", client_hs_.get());
  note_key_objects(report_, "server handshake traffic secret", server_hs_.get());
  SslObject write = schedule13::write_key(provider_, server_hs_.get());
  SslObject read = schedule13::write_key(provider_, client_hs_.get());
  note_key_objects(report_, "handshake write key", write.get());
  note_key_objects(report_, "handshake read key", read.get());
  conn_.at_key_change();
  conn_.records().install_write_key(std::move(write), suite_);
  conn_.records().install_read_key(std::move(read), suite_);
  report_.resumed = ticket_ != nullptr;
  report_.key_exchange = "ECDHE " + group_name(group_) + (ticket_ != nullptr ? " with the ticket's PSK (psk_dhe_ke)" : "");
  log_ << ">> ServerHello: TLS 1.3, " << suite_display_name(suite_) << ", key share " << group_name(group_)
       << (ticket_ != nullptr ? ", PSK accepted" : "") << "; handshake traffic keys on the token\n";
}

void Tls13Server::send_encrypted_extensions() {
  EncryptedExtensions ee;
  send(make_handshake(ht::encrypted_extensions, build_encrypted_extensions(ee)));
  log_ << ">> EncryptedExtensions\n";
}

void Tls13Server::send_certificate_and_verify() {
  send(make_handshake(ht::certificate, build_certificate13({{}, setup_.credential.chain})));
  log_ << ">> Certificate (" << setup_.credential.chain.size() << " certificate(s))\n";
  const CertificateVerify cv =
      sign_certificate_verify13(provider_, setup_.credential, ch_.signature_algorithms, Signer::server, transcript_.host_hash());
  send(make_handshake(ht::certificate_verify, build_certificate_verify(cv)));
  report_.authentication =
      "CertificateVerify signed " + signature_scheme_name(cv.scheme) + " by the token's private key (SslSignHash)";
  log_ << ">> CertificateVerify: " << signature_scheme_name(cv.scheme) << " signed on the token (SslSignHash)\n";
}

void Tls13Server::send_finished() {
  const std::size_t n = transcript_.hash_bytes();
  send(make_handshake(ht::finished, schedule13::finished(provider_, server_hs_.get(), transcript_.handle(), n)));
  schedule13::ApplicationSecrets app =
      schedule13::application_secrets(provider_, handshake_secret_.get(), transcript_.handle());
  master_ = std::move(app.master);
  client_ap_ = std::move(app.traffic.client);
  server_ap_ = std::move(app.traffic.server);
  exporter_ = std::move(app.exporter);
  note_key_objects(report_, "master secret", master_.get());
  note_key_objects(report_, "client application traffic secret", client_ap_.get());
  note_key_objects(report_, "server application traffic secret", server_ap_.get());
  note_key_objects(report_, "exporter master secret", exporter_.get());
  SslObject write = schedule13::write_key(provider_, server_ap_.get());
  note_key_objects(report_, "application write key", write.get());
  conn_.records().install_write_key(std::move(write), suite_);
  report_.exporter = hex(schedule13::export_keying_material(provider_, exporter_.get(), schedule13::kExporterLabel, 32));
  log_ << ">> Finished (SslComputeFinishedHash); application write key installed\n";
  log_ << "== exporter \"" << schedule13::kExporterLabel << "\" (32 bytes, SslExportKeyingMaterial): " << report_.exporter
       << "\n";
}

void Tls13Server::receive_finished() {
  const std::size_t n = transcript_.hash_bytes();
  const Bytes expected = schedule13::finished(provider_, client_hs_.get(), transcript_.handle(), n);
  const HandshakeMessage m = conn_.receive_handshake(ht::finished);
  const Bytes received = parse_finished13(m.body(), n);
  if (CRYPTO_memcmp(received.data(), expected.data(), n) != 0) {
    throw TlsFailure(AlertDescription::decrypt_error, "the client Finished does not match SslComputeFinishedHash");
  }
  transcript_.add(m.bytes);
  conn_.at_key_change();
  SslObject read = schedule13::write_key(provider_, client_ap_.get());
  note_key_objects(report_, "application read key", read.get());
  conn_.records().install_read_key(std::move(read), suite_);
  resumption_ = schedule13::resumption_master(provider_, master_.get(), transcript_.handle());
  note_key_objects(report_, "resumption master secret", resumption_.get());
  log_ << "<< Finished (verified with SslComputeFinishedHash); application read key installed\n";
}

void Tls13Server::send_ticket() {
  NewSessionTicket13 t;
  t.lifetime = kTicketLifetime;
  const Bytes age_add = random_bytes(4);
  t.age_add = std::uint32_t{age_add[0]} << 24 | std::uint32_t{age_add[1]} << 16 | std::uint32_t{age_add[2]} << 8 | age_add[3];
  t.nonce = random_bytes(8);
  t.ticket = random_bytes(32);
  ServerTicket kept{schedule13::ticket_psk(provider_, resumption_.get(), t.nonce), suite_};
  conn_.send_handshake(make_handshake(ht::new_session_ticket, build_new_session_ticket13(t)));
  if (tickets_.size() >= kTicketStoreSize) tickets_.erase(tickets_.begin());
  tickets_[t.ticket] = std::move(kept);
  log_ << ">> NewSessionTicket: a 32-byte reference to a PSK kept on the token (SslExpandResumptionMasterKey, "
          "SslExpandPreSharedKey)\n";
}

void Tls13Server::send_key_update(bool request) {
  conn_.send_handshake(make_handshake(ht::key_update, build_key_update(request)));
  server_ap_ = schedule13::next_generation(provider_, server_ap_.get());
  SslObject write = schedule13::write_key(provider_, server_ap_.get());
  note_key_objects(report_, "server application traffic secret after a KeyUpdate", server_ap_.get());
  note_key_objects(report_, "application write key after a KeyUpdate", write.get());
  conn_.records().install_write_key(std::move(write), suite_);
  ++report_.key_updates_sent;
  log_ << ">> KeyUpdate(" << (request ? "update_requested" : "update_not_requested")
       << "); write key moved on (SslExpandNextGenTrafficKey, SslExpandWriteKey)" << std::endl;
}

void Tls13Server::on_post_handshake(const HandshakeMessage& m) {
  if (m.type == ht::certificate && pending_auth_) {
    on_client_certificate(m);
    return;
  }
  if (m.type != ht::key_update) {
    throw TlsFailure(AlertDescription::unexpected_message, handshake_type_name(m.type) + " arrived after the handshake");
  }
  const bool requested = parse_key_update(m.body());
  client_ap_ = schedule13::next_generation(provider_, client_ap_.get());
  SslObject read = schedule13::write_key(provider_, client_ap_.get());
  note_key_objects(report_, "client application traffic secret after a KeyUpdate", client_ap_.get());
  note_key_objects(report_, "application read key after a KeyUpdate", read.get());
  conn_.records().install_read_key(std::move(read), suite_);
  ++report_.key_updates_received;
  log_ << "<< KeyUpdate(" << (requested ? "update_requested" : "update_not_requested")
       << "); read key moved on (SslExpandNextGenTrafficKey, SslExpandWriteKey)" << std::endl;
  if (requested) send_key_update(false);
}

void Tls13Server::send(const Bytes& message) {
  conn_.send_handshake(message);
  transcript_.add(message);
}

}  // namespace sslp11::tls
