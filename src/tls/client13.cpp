#include "tls/client13.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <ostream>

#include "tls/alerts.h"
#include "tls/certificate_verify13.h"
#include "tls/client_auth.h"
#include "tls/messages13.h"
#include "tls/schedule13.h"
#include "tls/suites.h"

namespace sslp11::tls {

namespace {

namespace ht = handshake_type;

}  // namespace

Tls13Client::Tls13Client(const Client13Setup& setup, Connection& conn, ConnectionReport& report, std::ostream& log,
                         ClientSession* resume, ClientSession* save)
    : setup_(setup), provider_(setup.provider), conn_(conn), report_(report), log_(log), save_(save),
      transcript_(setup.provider) {
  if (resume != nullptr && resume->ticket13 && contains(setup.suites, resume->ticket13->suite)) {
    ticket_ = &*resume->ticket13;
  }
}

std::optional<Tls12Fallback> Tls13Client::handshake(ClientHello base) {
  send_client_hello(std::move(base));
  HandshakeMessage m = expect(ht::server_hello);
  ServerHello sh = parse_server_hello(m.body());
  if (is_hello_retry_request(sh)) {
    resend_after_retry(sh, m);
    m = expect(ht::server_hello);
    sh = parse_server_hello(m.body());
    if (is_hello_retry_request(sh)) {
      throw TlsFailure(AlertDescription::unexpected_message, "a second HelloRetryRequest");
    }
  }
  if (sh.selected_version.value_or(sh.version) != kTls13) {
    if (retried_ || !setup_.offers_tls12 || sh.version != kTls12 || sh.selected_version) {
      throw TlsFailure(AlertDescription::protocol_version, "the server did not choose TLS 1.3");
    }
    log_ << "<< ServerHello: the server chose TLS 1.2; going on with TLS 1.2\n";
    return Tls12Fallback{ch_, ch_bytes_, std::move(m)};
  }
  on_server_hello(sh, m);
  receive_encrypted_extensions();
  if (!resumed_) receive_certificate_and_verify();
  receive_finished();
  send_finished();
  conn_.handshake_done();
  conn_.on_post_handshake([this](const HandshakeMessage& msg) { on_post_handshake(msg); });
  log_ << "== handshake complete: TLS 1.3, " << suite_display_name(suite_) << (resumed_ ? " (resumed, psk_dhe_ke)" : "")
       << "\n";
  return std::nullopt;
}

void Tls13Client::send_client_hello(ClientHello base) {
  ch_ = std::move(base);
  const Bytes r = random_bytes(32);
  std::copy(r.begin(), r.end(), ch_.random.begin());
  // Middlebox compatibility mode (RFC 8446 D.4): a non-empty legacy_session_id;
  // a TLS 1.2 session id to resume serves as well, should the server answer TLS 1.2.
  if (ch_.session_id.empty()) ch_.session_id = random_bytes(32);
  std::vector<std::uint16_t> suites(setup_.suites.begin(), setup_.suites.end());
  for (std::uint16_t s : ch_.cipher_suites) suites.push_back(s);
  ch_.cipher_suites = suites;
  ch_.supported_versions = {kTls13};
  if (setup_.offers_tls12) ch_.supported_versions.push_back(kTls12);
  std::vector<std::uint16_t> groups = setup_.groups;
  for (std::uint16_t g : ch_.supported_groups)
    if (!contains(groups, g)) groups.push_back(g);
  ch_.has_supported_groups = true;
  ch_.supported_groups = groups;
  ch_.has_signature_algorithms = true;
  ch_.signature_algorithms = offered_signature_schemes();
  if (!ch_.server_name && setup_.options.server_name) ch_.server_name = *setup_.options.server_name;
  share_group_ = setup_.groups.front();
  share_ = create_ecdhe(provider_, setup_.suites.front(), share_group_, TLS1_3_PROTOCOL_VERSION);
  note_key_objects(report_, "ephemeral key (key share)", share_.key.get());
  ch_.has_key_share = true;
  ch_.key_shares = {KeyShare{share_group_, share_.public_value}};
  ch_.psk_modes = {psk_mode::psk_dhe_ke};
  // With --cert we can answer a CertificateRequest after the handshake too.
  ch_.post_handshake_auth = setup_.credential != nullptr;
  ch_bytes_ = hello_with_binders();
  conn_.records().set_plaintext_version(0x0301);
  conn_.send_handshake(ch_bytes_);
  conn_.records().set_plaintext_version(kTls12);
  transcript_.add(ch_bytes_);
  log_ << ">> ClientHello: TLS 1.3" << (setup_.offers_tls12 ? " and TLS 1.2" : "") << ", " << ch_.cipher_suites.size()
       << " suite(s) starting with " << suite_display_name(ch_.cipher_suites[0]) << ", groups " << group_names(groups)
       << ", key share " << group_name(share_group_) << " (SslCreateEphemeralKey)"
       << (ticket_ != nullptr ? ", PSK ticket offered (binder by SslExpandBinderKey + SslComputeFinishedHash)" : "")
       << "\n";
}

// The ClientHello bytes; with a ticket, its binder over the hello up to the
// binders (RFC 8446 §4.2.11.2), through the token.
Bytes Tls13Client::hello_with_binders() {
  if (ticket_ == nullptr) {
    ch_.psks.clear();
    return make_handshake(ht::client_hello, build_client_hello(ch_));
  }
  const std::size_t n = Transcript13::hash_bytes_of(provider_, ticket_->suite);
  const auto age = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - ticket_->received).count());
  ch_.psks = {PskOffer{ticket_->identity, age + ticket_->age_add, Bytes(n, 0)}};
  Bytes hello = make_handshake(ht::client_hello, build_client_hello(ch_));
  const std::size_t partial = hello.size() - binders_bytes(ch_);
  const SslObject binder_hash =
      transcript_.fork_with(ticket_->suite, ByteView(hello).subspan(0, partial));
  const SslObject early = schedule13::early_secret(provider_, ticket_->psk.get(), ticket_->suite);
  const SslObject binder_key = schedule13::resumption_binder_key(provider_, early.get());
  note_key_objects(report_, "early secret (for the PSK binder)", early.get());
  note_key_objects(report_, "resumption binder key", binder_key.get());
  ch_.psks[0].binder = schedule13::finished(provider_, binder_key.get(), binder_hash.get(), n);
  return make_handshake(ht::client_hello, build_client_hello(ch_));
}

void Tls13Client::resend_after_retry(const ServerHello& hrr, const HandshakeMessage& m) {
  if (hrr.selected_version != kTls13) {
    throw TlsFailure(AlertDescription::illegal_parameter, "a HelloRetryRequest without TLS 1.3 in supported_versions");
  }
  if (!contains(setup_.suites, hrr.cipher_suite)) {
    throw TlsFailure(AlertDescription::illegal_parameter,
                     "the HelloRetryRequest names " + suite_display_name(hrr.cipher_suite) + ", which we did not offer");
  }
  if (hrr.session_id != ch_.session_id) {
    throw TlsFailure(AlertDescription::illegal_parameter, "the HelloRetryRequest does not echo our session id");
  }
  if (!hrr.hrr_group || !contains(setup_.groups, *hrr.hrr_group) || *hrr.hrr_group == share_group_) {
    throw TlsFailure(AlertDescription::illegal_parameter,
                     "the HelloRetryRequest asks for a group we did not offer or already sent a share for");
  }
  retried_ = true;
  report_.hello_retry = true;
  conn_.records().use_tls13();  // TLS 1.3 it is: the server's compatibility ChangeCipherSpec may follow
  suite_ = hrr.cipher_suite;
  transcript_.collapse_to_message_hash(suite_);
  transcript_.add(m.bytes);
  log_ << "<< HelloRetryRequest: " << suite_display_name(suite_) << ", wants a key share for "
       << group_name(*hrr.hrr_group) << "\n";
  share_group_ = *hrr.hrr_group;
  share_ = create_ecdhe(provider_, suite_, share_group_, TLS1_3_PROTOCOL_VERSION);
  note_key_objects(report_, "ephemeral key (key share after HelloRetryRequest)", share_.key.get());
  ch_.key_shares = {KeyShare{share_group_, share_.public_value}};
  ch_.cookie = hrr.cookie;
  if (ticket_ != nullptr && provider_.hash13(ticket_->suite) != provider_.hash13(suite_)) ticket_ = nullptr;
  ch_bytes_ = hello_with_binders();
  send_compat_change_cipher_spec();
  conn_.send_handshake(ch_bytes_);
  transcript_.add(ch_bytes_);
  log_ << ">> ClientHello (again): key share " << group_name(share_group_) << "\n";
}

void Tls13Client::on_server_hello(const ServerHello& sh, const HandshakeMessage& m) {
  if (!contains(setup_.suites, sh.cipher_suite) || (retried_ && sh.cipher_suite != suite_)) {
    throw TlsFailure(AlertDescription::illegal_parameter,
                     "the server chose " + suite_display_name(sh.cipher_suite) + ", which we did not offer");
  }
  if (sh.session_id != ch_.session_id) {
    throw TlsFailure(AlertDescription::illegal_parameter, "the ServerHello does not echo our session id");
  }
  if (sh.compression_method != 0) throw TlsFailure(AlertDescription::illegal_parameter, "the server chose compression");
  for (std::uint16_t type : sh.extensions_seen) {
    if (type != extension::supported_versions && type != extension::key_share && type != extension::pre_shared_key) {
      throw TlsFailure(AlertDescription::unsupported_extension,
                       "the TLS 1.3 ServerHello carries extension " + std::to_string(type));
    }
  }
  if (!sh.key_share || sh.key_share->group != share_group_) {
    throw TlsFailure(AlertDescription::illegal_parameter, "the server's key share is not for " + group_name(share_group_));
  }
  if (sh.selected_psk) {
    if (ticket_ == nullptr || *sh.selected_psk != 0) {
      throw TlsFailure(AlertDescription::illegal_parameter, "the server selected a PSK we did not offer");
    }
    resumed_ = true;
    note_key_objects(report_, "ticket PSK (from the first connection)", ticket_->psk.get());
  }
  suite_ = sh.cipher_suite;
  conn_.records().use_tls13();
  if (!transcript_.started()) transcript_.start(suite_);
  transcript_.add(m.bytes);
  report_.protocol = kTls13;
  report_.suite = suite_;
  report_.resumed = resumed_;
  report_.key_exchange = "ECDHE " + group_name(share_group_) + (resumed_ ? " with the ticket's PSK (psk_dhe_ke)" : "");
  const SslObject server_share = import_peer_key(provider_, ecc_blob_type(share_group_),
                                                 ecc_public_blob(share_group_, sh.key_share->key_exchange),
                                                 "the server's key share");
  early_ = schedule13::early_secret(provider_, resumed_ ? ticket_->psk.get() : 0, suite_);
  handshake_secret_ = schedule13::handshake_secret(provider_, share_.key.get(), server_share.get(), early_.get());
  schedule13::TrafficSecrets hs = schedule13::traffic_secrets(provider_, handshake_secret_.get(), transcript_.handle());
  client_hs_ = std::move(hs.client);
  server_hs_ = std::move(hs.server);
  note_key_objects(report_, "early secret", early_.get());
  note_key_objects(report_, "handshake secret", handshake_secret_.get());
  note_key_objects(report_, "client handshake traffic secret", client_hs_.get());
  note_key_objects(report_, "server handshake traffic secret", server_hs_.get());
  SslObject read = schedule13::write_key(provider_, server_hs_.get());
  SslObject write = schedule13::write_key(provider_, client_hs_.get());
  note_key_objects(report_, "handshake read key", read.get());
  note_key_objects(report_, "handshake write key", write.get());
  conn_.at_key_change();
  conn_.records().install_read_key(std::move(read), suite_);
  conn_.records().install_write_key(std::move(write), suite_);
  log_ << "<< ServerHello: TLS 1.3, " << suite_display_name(suite_) << ", key share " << group_name(share_group_)
       << (resumed_ ? ", PSK accepted" : "") << "; handshake traffic keys on the token (SslExtractHandshakeKey, "
       << "SslExpandTrafficKeys, SslExpandWriteKey)\n";
}

void Tls13Client::receive_encrypted_extensions() {
  const HandshakeMessage m = expect(ht::encrypted_extensions);
  const EncryptedExtensions ee = parse_encrypted_extensions(m.body());
  for (std::uint16_t type : ee.extensions_seen) {
    const bool ok = type == extension::server_name || type == extension::supported_groups;
    if (!ok && type != extension::early_data) {
      // Anything else is an extension we did not offer (RFC 8446 §4.2).
      throw TlsFailure(AlertDescription::unsupported_extension,
                       "EncryptedExtensions carries extension " + std::to_string(type));
    }
  }
  transcript_.add(m.bytes);
  log_ << "<< EncryptedExtensions\n";
}

void Tls13Client::receive_certificate_and_verify() {
  HandshakeMessage m = conn_.receive_handshake();
  if (m.type == ht::certificate_request) {
    certificate_request_ = parse_certificate_request13(m.body());
    if (!certificate_request_->context.empty()) {
      throw TlsFailure(AlertDescription::illegal_parameter, "the CertificateRequest in the handshake has a context");
    }
    transcript_.add(m.bytes);
    log_ << "<< " << certificate_request_title(certificate_request_->authorities) << ": "
         << (setup_.credential != nullptr ? "we answer with the certificate of " + setup_.credential->cert_file
                                          : std::string("no --cert, so we answer with an empty Certificate"))
         << "\n";
    m = conn_.receive_handshake();
  }
  if (m.type != ht::certificate) {
    throw TlsFailure(AlertDescription::unexpected_message, "expected Certificate, received " + handshake_type_name(m.type));
  }
  const Certificate13 certificate = parse_certificate13(m.body());
  if (!certificate.context.empty()) {
    throw TlsFailure(AlertDescription::illegal_parameter, "the server's Certificate has a request context");
  }
  cert_ = PeerCertificate::verify(certificate.chain, setup_.options.cafile, setup_.name);
  transcript_.add(m.bytes);
  report_.peer_certificate = cert_->subject() + " (" + cert_->key_description() + ")";
  log_ << "<< Certificate: " << report_.peer_certificate << ", chain of " << certificate.chain.size()
       << " verified against " << setup_.options.cafile << " for '" << setup_.name << "'\n";

  const HandshakeMessage v = expect(ht::certificate_verify);
  const CertificateVerify cv = parse_certificate_verify(v.body());
  check_certificate_verify13(*cert_, ch_.signature_algorithms, cv, Signer::server, transcript_.host_hash());
  transcript_.add(v.bytes);
  report_.authentication = "server CertificateVerify " + signature_scheme_name(cv.scheme) +
                           " (verified with OpenSSL against the certificate)";
  log_ << "<< CertificateVerify: " << signature_scheme_name(cv.scheme) << " verified\n";
}

void Tls13Client::receive_finished() {
  const std::size_t n = transcript_.hash_bytes();
  const Bytes expected = schedule13::finished(provider_, server_hs_.get(), transcript_.handle(), n);
  const HandshakeMessage m = expect(ht::finished);
  const Bytes received = parse_finished13(m.body(), n);
  if (CRYPTO_memcmp(received.data(), expected.data(), n) != 0) {
    throw TlsFailure(AlertDescription::decrypt_error, "the server Finished does not match SslComputeFinishedHash");
  }
  transcript_.add(m.bytes);
  conn_.at_key_change();
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
  log_ << "<< Finished (verified with SslComputeFinishedHash); application traffic secrets on the token\n";
}

// RFC 8446 D.4: one ChangeCipherSpec right before our second flight (the
// second ClientHello, or else our Finished). Not after the first ClientHello:
// a TLS 1.2 server would take it for the real one.
void Tls13Client::send_compat_change_cipher_spec() {
  if (compat_ccs_sent_) return;
  conn_.send_compat_change_cipher_spec();
  compat_ccs_sent_ = true;
  log_ << ">> ChangeCipherSpec (middlebox compatibility)\n";
}

void Tls13Client::send_finished() {
  send_compat_change_cipher_spec();
  if (certificate_request_) {
    answer_certificate_request13(provider_, setup_.credential, *certificate_request_, conn_, transcript_, report_, log_);
  }
  const std::size_t n = transcript_.hash_bytes();
  const Bytes fin = make_handshake(ht::finished, schedule13::finished(provider_, client_hs_.get(), transcript_.handle(), n));
  conn_.send_handshake(fin);
  transcript_.add(fin);
  resumption_ = schedule13::resumption_master(provider_, master_.get(), transcript_.handle());
  note_key_objects(report_, "resumption master secret", resumption_.get());
  SslObject read = schedule13::write_key(provider_, server_ap_.get());
  SslObject write = schedule13::write_key(provider_, client_ap_.get());
  note_key_objects(report_, "application read key", read.get());
  note_key_objects(report_, "application write key", write.get());
  conn_.records().install_read_key(std::move(read), suite_);
  conn_.records().install_write_key(std::move(write), suite_);
  report_.exporter = hex(schedule13::export_keying_material(provider_, exporter_.get(), schedule13::kExporterLabel, 32));
  log_ << ">> Finished (SslComputeFinishedHash); application keys installed\n";
  log_ << "== exporter \"" << schedule13::kExporterLabel << "\" (32 bytes, SslExportKeyingMaterial): " << report_.exporter
       << "\n";
}

void Tls13Client::send_key_update(bool request) {
  conn_.send_handshake(make_handshake(ht::key_update, build_key_update(request)));
  client_ap_ = schedule13::next_generation(provider_, client_ap_.get());
  SslObject write = schedule13::write_key(provider_, client_ap_.get());
  note_key_objects(report_, "client application traffic secret after a KeyUpdate", client_ap_.get());
  note_key_objects(report_, "application write key after a KeyUpdate", write.get());
  conn_.records().install_write_key(std::move(write), suite_);
  ++report_.key_updates_sent;
  log_ << ">> KeyUpdate(" << (request ? "update_requested" : "update_not_requested")
       << "); write key moved on (SslExpandNextGenTrafficKey, SslExpandWriteKey)\n";
}

void Tls13Client::await_ticket(std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (save_ != nullptr && !save_->ticket13 && !conn_.peer_closed()) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    if (auto data = conn_.receive_application_data(left)) {
      log_ << "<< application data: " << data->size() << " bytes: \"" << printable(*data) << "\"\n";
    } else {
      break;
    }
  }
}

// RFC 8446 §4.6.2: Certificate, CertificateVerify and Finished over the
// handshake transcript plus this request; the Finished key comes from our
// current application traffic secret (§4.4). Each request has its own fork.
void Tls13Client::answer_post_handshake_request(const HandshakeMessage& m) {
  if (!ch_.post_handshake_auth) {
    throw TlsFailure(AlertDescription::unexpected_message,
                     "a CertificateRequest after the handshake, which we did not offer (no --cert, so no "
                     "post_handshake_auth)");
  }
  const CertificateRequest13 request = parse_certificate_request13(m.body());
  Transcript13 transcript = transcript_.fork();
  transcript.add(m.bytes);
  log_ << "<< " << certificate_request_title(request.authorities)
       << " after the handshake: we answer with the certificate of " << setup_.credential->cert_file << "\n";
  answer_certificate_request13(provider_, setup_.credential, request, conn_, transcript, report_, log_);
  const std::size_t n = transcript.hash_bytes();
  conn_.send_handshake(
      make_handshake(ht::finished, schedule13::finished(provider_, client_ap_.get(), transcript.handle(), n)));
  report_.client_authentication += " (post-handshake authentication)";
  log_ << ">> Finished (post-handshake authentication; SslComputeFinishedHash on the client application traffic "
          "secret)\n";
}

void Tls13Client::on_post_handshake(const HandshakeMessage& m) {
  if (m.type == ht::certificate_request) {
    answer_post_handshake_request(m);
    return;
  }
  if (m.type == ht::new_session_ticket) {
    const NewSessionTicket13 t = parse_new_session_ticket13(m.body());
    log_ << "<< NewSessionTicket (" << t.ticket.size() << "-byte ticket, lifetime " << t.lifetime << " s)\n";
    if (save_ != nullptr && !save_->ticket13 && t.lifetime > 0) {
      Tls13Ticket kept;
      kept.identity = t.ticket;
      kept.psk = schedule13::ticket_psk(provider_, resumption_.get(), t.nonce);
      kept.suite = suite_;
      kept.age_add = t.age_add;
      kept.lifetime = t.lifetime;
      kept.received = std::chrono::steady_clock::now();
      save_->ticket13 = std::move(kept);
      log_ << "== resumption PSK of the ticket made on the token (SslExpandResumptionMasterKey, SslExpandPreSharedKey)\n";
    }
    return;
  }
  if (m.type == ht::key_update) {
    const bool requested = parse_key_update(m.body());
    server_ap_ = schedule13::next_generation(provider_, server_ap_.get());
    SslObject read = schedule13::write_key(provider_, server_ap_.get());
    note_key_objects(report_, "server application traffic secret after a KeyUpdate", server_ap_.get());
    note_key_objects(report_, "application read key after a KeyUpdate", read.get());
    conn_.records().install_read_key(std::move(read), suite_);
    ++report_.key_updates_received;
    log_ << "<< KeyUpdate(" << (requested ? "update_requested" : "update_not_requested")
         << "); read key moved on (SslExpandNextGenTrafficKey, SslExpandWriteKey)\n";
    if (requested) send_key_update(false);
    return;
  }
  throw TlsFailure(AlertDescription::unexpected_message, handshake_type_name(m.type) + " arrived after the handshake");
}

HandshakeMessage Tls13Client::expect(std::uint8_t type) {
  HandshakeMessage m = conn_.receive_handshake();
  if (m.type != type) {
    throw TlsFailure(AlertDescription::unexpected_message,
                     "expected " + handshake_type_name(type) + ", received " + handshake_type_name(m.type));
  }
  return m;
}

}  // namespace sslp11::tls
