#include "tls/client.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <ostream>

#include "tls/alerts.h"
#include "tls/client13.h"
#include "tls/client_auth12.h"
#include "tls/connection.h"
#include "tls/connection_run.h"
#include "tls/key_exchange.h"
#include "tls/messages.h"
#include "tls/peer_verify.h"
#include "tls/record_io.h"
#include "tls/suites.h"
#include "tls/transcript.h"

namespace sslp11::tls {

namespace {

namespace ht = handshake_type;

Random fresh_random() {
  Random r;
  if (RAND_bytes(r.data(), static_cast<int>(r.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  return r;
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

KeyExchangeKind kind_of(SuiteKx kx) {
  return kx == SuiteKx::ecdhe ? KeyExchangeKind::ecdhe : kx == SuiteKx::dhe ? KeyExchangeKind::dhe : KeyExchangeKind::rsa;
}

// The peer's verify_data against ours, in constant time.
void check_finished(ByteView received, ByteView expected) {
  if (received.size() != expected.size() || CRYPTO_memcmp(received.data(), expected.data(), expected.size()) != 0) {
    throw TlsFailure(AlertDescription::decrypt_error, "the server Finished does not match SslComputeFinishedHash");
  }
}

// One handshake from ClientHello to the server's Finished (reference §7.2,
// §7.3; abbreviated when the server resumes the offered session). Every
// method is one step; each throws TlsFailure / PeerAlert / TransportError /
// ProviderError / DecodeError, which Client::connect turns into alerts.
class ClientHandshake {
 public:
  ClientHandshake(const Provider& provider, const ClientOptions& options, const std::vector<std::uint32_t>& suites,
                  const std::vector<std::uint16_t>& groups, bool offers_dhe, const std::string& host,
                  ClientSession* resume, const TokenCredential* credential, Connection& conn, ConnectionReport& report,
                  std::ostream& log)
      : provider_(provider), options_(options), suites_(suites), groups_(groups), offers_dhe_(offers_dhe), host_(host),
        credential_(credential),
        resume_(resume != nullptr && resume->master && !resume->session_id.empty() ? resume : nullptr),
        conn_(conn), report_(report), log_(log), transcript_(provider) {}

  void run() {
    send_client_hello();
    receive_server_hello(expect(ht::server_hello));
    finish();
  }

  // The TLS 1.3 client sent `fallback.hello` and the server answered TLS 1.2.
  void run_from(const Tls12Fallback& fallback) {
    ch_ = fallback.hello;
    name_ = options_.server_name.value_or(host_);
    transcript_.add(fallback.hello_bytes);
    receive_server_hello(fallback.server_hello);
    finish();
  }

  // The TLS 1.2 part of a ClientHello (suites, groups, extensions), for the
  // TLS 1.3 client to extend.
  ClientHello tls12_hello() {
    fill_client_hello();
    return ch_;
  }

 private:
  void finish() {
    if (resumed_) {
      resume_session();
    } else {
      receive_certificate();
      if (kx_ != SuiteKx::rsa) receive_server_key_exchange();
      if (kx_ == SuiteKx::rsa) import_server_rsa_key();
      receive_server_hello_done();
      send_client_key_exchange();
      derive_master_key();
      if (client_auth_ && client_auth_->scheme) send_certificate_verify();
      derive_session_keys(master_.get());
      send_finished(master_.get());
      receive_finished(master_.get());
    }
    log_ << "== handshake complete: " << suite_display_name(suite_) << (resumed_ ? " (resumed)" : "") << "\n";
  }

 public:
  // What a later connection needs to resume this session.
  void save(ClientSession& session) {
    if (resumed_ || sh_.session_id.empty()) return;
    session.session_id = sh_.session_id;
    session.master = std::move(master_);
    session.suite = suite_;
    session.ems = sh_.extended_master_secret;
  }

 private:
  void send_client_hello() {
    fill_client_hello();
    const Bytes hello = make_handshake(ht::client_hello, build_client_hello(ch_));
    conn_.records().set_plaintext_version(0x0301);  // the record version interoperable clients use for ClientHello
    conn_.send_handshake(hello);
    conn_.records().set_plaintext_version(kTls12);
    transcript_.add(hello);  // buffered until the suite, and so the hash, is known
    log_ << ">> ClientHello: TLS 1.2, " << suites_.size() << " suite(s) starting with " << suite_display_name(suites_[0])
         << (ch_.supported_groups.empty() ? "" : ", groups " + group_names(ch_.supported_groups))
         << (ch_.server_name ? ", SNI " + *ch_.server_name : "") << ", EMS " << (options_.ems ? "offered" : "not offered")
         << (resume_ != nullptr ? ", resuming session " + hex(ch_.session_id).substr(0, 16) + "..." : "") << "\n";
  }

  void fill_client_hello() {
    ch_.random = fresh_random();
    if (resume_ != nullptr) ch_.session_id = resume_->session_id;
    for (std::uint32_t id : suites_) ch_.cipher_suites.push_back(static_cast<std::uint16_t>(id));
    name_ = options_.server_name.value_or(host_);
    if (options_.server_name || !is_ip_literal(host_)) ch_.server_name = name_;  // no IP literals in SNI (RFC 6066)
    std::vector<std::uint16_t> groups = groups_;
    if (offers_dhe_) groups.insert(groups.end(), {named_group::ffdhe2048, named_group::ffdhe3072});
    ch_.has_supported_groups = !groups.empty();
    ch_.supported_groups = groups;
    ch_.has_ec_point_formats = !groups_.empty();
    ch_.ec_point_formats = {0};  // uncompressed
    ch_.has_signature_algorithms = true;
    ch_.signature_algorithms = offered_signature_schemes();
    ch_.extended_master_secret = options_.ems;
    ch_.renegotiation_info = true;
  }

  void receive_server_hello(const HandshakeMessage& m) {
    sh_ = parse_server_hello(m.body());
    // A supported_versions extension in the answer means the server chose TLS 1.3 (or worse).
    const std::uint16_t chosen = sh_.selected_version.value_or(sh_.version);
    if (chosen != kTls12) {
      throw TlsFailure(AlertDescription::protocol_version,
                       "the server chose version 0x" +
                           hex(Bytes{static_cast<std::uint8_t>(chosen >> 8), static_cast<std::uint8_t>(chosen)}) +
                           "; we offered only TLS 1.2");
    }
    // RFC 8446 §4.1.3: we offered TLS 1.3, so a TLS 1.3-capable server must not answer 1.2.
    if (contains(ch_.supported_versions, kTls13) && has_downgrade_sentinel(sh_.random)) {
      throw TlsFailure(AlertDescription::illegal_parameter,
                       "the server answered TLS 1.2 with the TLS 1.3 downgrade sentinel in its random (RFC 8446 "
                       "§4.1.3): a downgrade attack or a broken server");
    }
    if (!contains(ch_.cipher_suites, sh_.cipher_suite)) {
      throw TlsFailure(AlertDescription::illegal_parameter,
                       "the server chose " + suite_display_name(sh_.cipher_suite) + ", which we did not offer");
    }
    if (sh_.compression_method != 0) throw TlsFailure(AlertDescription::illegal_parameter, "the server chose compression");
    for (std::uint16_t type : sh_.extensions_seen) {
      const bool offered = (type == extension::server_name && ch_.server_name) ||
                           (type == extension::ec_point_formats && ch_.has_ec_point_formats) ||
                           (type == extension::extended_master_secret && ch_.extended_master_secret) ||
                           type == extension::renegotiation_info;
      if (!offered) {
        throw TlsFailure(AlertDescription::unsupported_extension,
                         "the ServerHello carries extension " + std::to_string(type) + ", which we did not offer");
      }
    }
    suite_ = sh_.cipher_suite;
    kx_ = suite_kx(suite_);
    report_.suite = suite_;
    report_.ems = sh_.extended_master_secret;
    transcript_.start(suite_);
    transcript_.add(m.bytes);
    log_ << "<< ServerHello: " << suite_display_name(suite_) << ", EMS " << (sh_.extended_master_secret ? "on" : "off")
         << ", session id " << (sh_.session_id.empty() ? "none" : hex(sh_.session_id).substr(0, 16) + "...") << "\n";
    if (!sh_.renegotiation_info) log_ << "-- the server does not support secure renegotiation (RFC 5746); continuing\n";
    resumed_ = resume_ != nullptr && sh_.session_id == ch_.session_id;
    if (resume_ != nullptr && !resumed_) log_ << "-- the server did not resume the session: full handshake\n";
  }

  // RFC 5246 §7.3: new randoms, the kept master key, the server finishes first.
  void resume_session() {
    if (suite_ != resume_->suite) {
      throw TlsFailure(AlertDescription::illegal_parameter, "the resumed session had another cipher suite");
    }
    if (sh_.extended_master_secret != resume_->ems) {
      throw TlsFailure(AlertDescription::handshake_failure,  // RFC 7627 §5.3
                       "the server resumed a session with a different extended master secret state");
    }
    report_.resumed = true;
    note_key_objects(report_, "master key (kept from the first connection)", resume_->master.get());
    derive_session_keys(resume_->master.get());
    receive_finished(resume_->master.get());
    send_finished(resume_->master.get());
  }

  void receive_certificate() {
    const HandshakeMessage m = expect(ht::certificate);
    const std::vector<Bytes> chain = parse_certificate(m.body());
    cert_ = PeerCertificate::verify(chain, options_.cafile, name_);
    transcript_.add(m.bytes);
    const bool ecdsa_suite = suite_uses_ecdsa(suite_);
    if ((ecdsa_suite && !cert_->is_ec()) || (!ecdsa_suite && !cert_->is_rsa())) {
      throw TlsFailure(AlertDescription::unsupported_certificate,
                       "a " + cert_->key_description() + " certificate does not fit " + suite_display_name(suite_));
    }
    report_.peer_certificate = cert_->subject() + " (" + cert_->key_description() + ")";
    log_ << "<< Certificate: " << report_.peer_certificate << ", chain of " << chain.size() << " verified against "
         << options_.cafile << " for '" << name_ << "'\n";
  }

  void receive_server_key_exchange() {
    const HandshakeMessage m = expect(ht::server_key_exchange);
    ske_ = parse_server_key_exchange(m.body(), kind_of(kx_));
    if (!contains(ch_.signature_algorithms, ske_.signature_scheme)) {
      throw TlsFailure(AlertDescription::illegal_parameter,
                       "the server signed with " + signature_scheme_name(ske_.signature_scheme) + ", not offered");
    }
    ByteWriter signed_data;
    signed_data.bytes(ch_.random).bytes(sh_.random).bytes(ske_.params);
    cert_->verify_signature(ske_.signature_scheme, signed_data.data(), ske_.signature);
    transcript_.add(m.bytes);
    if (kx_ == SuiteKx::ecdhe) {
      if (!contains(groups_, ske_.ecdhe.group)) {
        throw TlsFailure(AlertDescription::illegal_parameter,
                         "the server chose " + group_name(ske_.ecdhe.group) + ", which we did not offer");
      }
      server_key_ = import_peer_key(provider_, ecc_blob_type(ske_.ecdhe.group),
                                    ecc_public_blob(ske_.ecdhe.group, ske_.ecdhe.point), "the server's ECDH point");
      report_.key_exchange = "ECDHE " + group_name(ske_.ecdhe.group);
    } else {
      std::size_t bits = ske_.dhe.p.size() * 8;
      for (std::size_t i = 0; i < ske_.dhe.p.size() && ske_.dhe.p[i] == 0; ++i) bits -= 8;
      if (bits < 2048) {
        throw TlsFailure(AlertDescription::insufficient_security,
                         "the server's DH group has " + std::to_string(bits) + " bits; sslp11 requires 2048 or more");
      }
      server_key_ = import_peer_key(provider_, BCRYPT_DH_PUBLIC_BLOB, dh_public_blob(ske_.dhe.p, ske_.dhe.g, ske_.dhe.ys),
                                    "the server's DH value");
      const std::optional<std::uint16_t> named = ffdhe_group_of(ske_.dhe.p);
      report_.key_exchange =
          "DHE " + std::to_string(bits) + "-bit group" + (named ? " (" + group_name(*named) + ")" : "");
    }
    report_.authentication = "server signature " + signature_scheme_name(ske_.signature_scheme) +
                             " (verified with OpenSSL against the certificate)";
    log_ << "<< ServerKeyExchange: " << report_.key_exchange << ", " << signature_scheme_name(ske_.signature_scheme)
         << " signature verified; imported with SslImportKey\n";
  }

  void import_server_rsa_key() {
    server_key_ = import_peer_key(provider_, BCRYPT_RSAPUBLIC_BLOB, cert_->rsa_public_blob(), "the server's RSA key");
    report_.key_exchange = "RSA (" + cert_->key_description() + " certificate key, imported with SslImportKey)";
    report_.authentication = "implicit (only the certificate's key can decrypt the pre-master)";
  }

  // Optionally a CertificateRequest first: answered with --cert's
  // certificate when it fits (client_auth12.h), else declined with an empty
  // Certificate (RFC 5246 §7.4.6), leaving it to the server whether to go on.
  void receive_server_hello_done() {
    HandshakeMessage m = conn_.receive_handshake();
    if (m.type == ht::certificate_request) {
      const CertificateRequest req = parse_certificate_request(m.body());
      transcript_.add(m.bytes);
      client_auth_ = ClientAuth12::plan(credential_, req, log_);
      m = conn_.receive_handshake();
    }
    if (m.type != ht::server_hello_done) {
      throw TlsFailure(AlertDescription::unexpected_message,
                       "expected ServerHelloDone, received " + handshake_type_name(m.type));
    }
    parse_server_hello_done(m.body());
    transcript_.add(m.bytes);
    log_ << "<< ServerHelloDone\n";
  }

  void send_client_key_exchange() {
    if (client_auth_) {
      const Bytes certificate = client_auth_->certificate_message();
      conn_.send_handshake(certificate);
      transcript_.add(certificate);
      if (client_auth_->scheme) {
        log_ << ">> Certificate (" << credential_->chain.size() << " certificate(s) of " << credential_->cert_file << ")\n";
      } else {
        log_ << ">> Certificate (empty: no client certificate)\n";
        report_.client_authentication = "requested by the server; none sent";
      }
    }
    Bytes value;
    if (kx_ == SuiteKx::ecdhe) {
      eph_ = create_ecdhe(provider_, suite_, ske_.ecdhe.group);
      note_key_objects(report_, "ephemeral key", eph_.key.get());
      value = eph_.public_value;
      log_ << "== ephemeral " << group_name(ske_.ecdhe.group) << " key pair made on the token (SslCreateEphemeralKey)\n";
    } else if (kx_ == SuiteKx::dhe) {
      eph_ = create_dhe(provider_, suite_, ske_.dhe.p, ske_.dhe.g);
      note_key_objects(report_, "ephemeral key", eph_.key.get());
      value = eph_.public_value;
      log_ << "== ephemeral DH key pair made on the token (SslCreateEphemeralKey)\n";
    } else {
      value = encrypted_premaster();
    }
    const Bytes cke = make_handshake(ht::client_key_exchange, build_client_key_exchange(kind_of(kx_), value));
    conn_.send_handshake(cke);
    transcript_.add(cke);
    log_ << ">> ClientKeyExchange (" << value.size() << " bytes)\n";
  }

  // RSA key exchange (§7.3): with EMS the pre-master comes first and the
  // master key after the session hash; without, both in one call.
  Bytes encrypted_premaster() {
    Bytes out;
    DWORD size = 0;
    if (sh_.extended_master_secret) {
      ParameterList version;
      version.add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, kTls12);
      check(SslGeneratePreMasterKey(provider_.get(), server_key_.get(), premaster_.out(), TLS1_2_PROTOCOL_VERSION,
                                    suite_, version.get(), nullptr, 0, &size, NCRYPT_SSL_CLIENT_FLAG),
            "SslGeneratePreMasterKey (size)");
      out.resize(size);
      check(SslGeneratePreMasterKey(provider_.get(), server_key_.get(), premaster_.out(), TLS1_2_PROTOCOL_VERSION,
                                    suite_, version.get(), out.data(), size, &size, NCRYPT_SSL_CLIENT_FLAG),
            "SslGeneratePreMasterKey");
      note_key_objects(report_, "pre-master key", premaster_.get());
      log_ << "== pre-master made on the token and encrypted to the server key (SslGeneratePreMasterKey)\n";
    } else {
      ParameterList params = master_parameters(ch_.random, sh_.random, false, {}, kTls12);
      check(SslGenerateMasterKey(provider_.get(), 0, server_key_.get(), master_.out(), TLS1_2_PROTOCOL_VERSION, suite_,
                                 params.get(), nullptr, 0, &size, NCRYPT_SSL_CLIENT_FLAG),
            "SslGenerateMasterKey (size)");
      out.resize(size);
      check(SslGenerateMasterKey(provider_.get(), 0, server_key_.get(), master_.out(), TLS1_2_PROTOCOL_VERSION, suite_,
                                 params.get(), out.data(), size, &size, NCRYPT_SSL_CLIENT_FLAG),
            "SslGenerateMasterKey");
      log_ << "== pre-master and master key made on the token, pre-master encrypted to the server key "
              "(SslGenerateMasterKey)\n";
    }
    out.resize(size);
    return out;
  }

  void derive_master_key() {
    if (!master_) {  // not already made with the RSA pre-master
      const bool ems = sh_.extended_master_secret;
      Bytes session_hash;
      if (ems) {
        session_hash = transcript_.session_hash();
        log_ << "== session hash through ClientKeyExchange (SslComputeSessionHash): " << hex(session_hash).substr(0, 16)
             << "...\n";
      }
      ParameterList params = master_parameters(ch_.random, sh_.random, ems, session_hash,
                                               ems ? std::optional<std::uint16_t>(kTls12) : std::nullopt);
      const NCRYPT_KEY_HANDLE own = kx_ == SuiteKx::rsa ? premaster_.get() : eph_.key.get();
      check(SslGenerateMasterKey(provider_.get(), own, server_key_.get(), master_.out(), TLS1_2_PROTOCOL_VERSION, suite_,
                                 params.get(), nullptr, 0, nullptr, NCRYPT_SSL_CLIENT_FLAG),
            "SslGenerateMasterKey");
      log_ << "== master key derived on the token (SslGenerateMasterKey" << (ems ? ", EMS" : "") << ")\n";
    }
    note_key_objects(report_, "master key", master_.get());
  }

  void derive_session_keys(NCRYPT_KEY_HANDLE master) {
    SslObject read, write;
    ParameterList params = randoms(ch_.random, sh_.random);
    check(SslGenerateSessionKeys(provider_.get(), master, read.out(), write.out(), params.get(), 0),
          "SslGenerateSessionKeys");
    note_key_objects(report_, "read key", read.get());
    note_key_objects(report_, "write key", write.get());
    conn_.records().set_pending_keys(std::move(read), std::move(write), suite_);
    log_ << "== session keys derived on the token (SslGenerateSessionKeys" << (resumed_ ? " with the kept master key" : "")
         << ")\n";
  }

  // Right after ClientKeyExchange (RFC 5246 §7.4.8), signed on the token.
  void send_certificate_verify() {
    const Bytes verify = client_auth_->certificate_verify_message(provider_, transcript_, master_.get(), report_, log_);
    conn_.send_handshake(verify);
    transcript_.add(verify);
  }

  void send_finished(NCRYPT_KEY_HANDLE master) {
    conn_.send_change_cipher_spec();
    const Bytes mine = make_handshake(ht::finished, transcript_.finished(master, NCRYPT_SSL_CLIENT_FLAG));
    transcript_.add(mine);
    conn_.send_handshake(mine);
    log_ << ">> ChangeCipherSpec, Finished (SslComputeFinishedHash, SslEncryptPacket)\n";
  }

  void receive_finished(NCRYPT_KEY_HANDLE master) {
    conn_.receive_change_cipher_spec();
    const HandshakeMessage fin = expect(ht::finished);
    // The expected value covers the transcript up to, not including, this message.
    check_finished(parse_finished(fin.body()), transcript_.finished(master, NCRYPT_SSL_SERVER_FLAG));
    transcript_.add(fin.bytes);
    log_ << "<< ChangeCipherSpec, Finished (SslDecryptPacket; verified with SslComputeFinishedHash"
         << (resumed_ ? "; the server finishes first when resuming" : "") << ")\n";
  }

  HandshakeMessage expect(std::uint8_t type) {
    HandshakeMessage m = conn_.receive_handshake();
    if (m.type != type) {
      throw TlsFailure(AlertDescription::unexpected_message,
                       "expected " + handshake_type_name(type) + ", received " + handshake_type_name(m.type));
    }
    return m;
  }

  const Provider& provider_;
  const ClientOptions& options_;
  const std::vector<std::uint32_t>& suites_;
  const std::vector<std::uint16_t>& groups_;
  bool offers_dhe_;
  const std::string& host_;
  const TokenCredential* credential_;  // --cert, or null
  ClientSession* resume_;
  Connection& conn_;
  ConnectionReport& report_;
  std::ostream& log_;
  Transcript transcript_;

  std::string name_;
  ClientHello ch_;
  ServerHello sh_;
  std::uint32_t suite_ = 0;
  SuiteKx kx_ = SuiteKx::rsa;
  bool resumed_ = false;
  std::optional<ClientAuth12> client_auth_;  // the server sent a CertificateRequest
  std::optional<PeerCertificate> cert_;
  ServerKeyExchange ske_;
  SslObject server_key_;
  Ephemeral eph_;
  SslObject premaster_;
  SslObject master_;
};

}  // namespace

Client::Client(const Provider& provider, ClientOptions options, std::ostream& log)
    : provider_(provider), options_(std::move(options)), log_(log) {
  host_ = split_host_port(options_.connect).first;
}

void Client::prepare() {
  if (options_.cert_file) {
    credential_ = TokenCredential::open(provider_, *options_.cert_file, options_.import_key, "client", log_);
  }
  std::string missing;
  bool any_ecdhe = false;
  for (std::uint32_t id : options_.suites) {
    std::string why;
    if (is_tls13_suite(id)) {
      if (provider_.runs13(id, &why)) {
        suites13_.push_back(id);
      } else {
        log_ << "-- cannot offer " << suite_display_name(id) << ": " << why << "\n";
        missing += (missing.empty() ? "" : "; ") + suite_display_name(id) + ": " + why;
      }
      continue;
    }
    if (provider_.lookup(id, &why) && suite_kx(id) == SuiteKx::ecdhe) {
      // Offer only curves that work for every ECDHE suite offered.
      std::string left_out;
      std::vector<std::uint16_t> usable = usable_groups(provider_, id, &left_out);
      if (!left_out.empty()) log_ << "-- " << left_out << "\n";
      if (any_ecdhe) std::erase_if(usable, [&](std::uint16_t g) { return !contains(groups_, g); });
      if (usable.empty()) {
        why = "no curve of the token suits it together with the other suites";
      } else {
        groups_ = usable;
        any_ecdhe = true;
      }
    }
    if (!why.empty()) {
      log_ << "-- cannot offer " << suite_display_name(id) << ": " << why << "\n";
      missing += (missing.empty() ? "" : "; ") + suite_display_name(id) + ": " + why;
      continue;
    }
    if (suite_kx(id) == SuiteKx::dhe) offers_dhe_ = true;
    suites_.push_back(id);
  }
  // --groups: the ECDHE curves offered, in that order.
  if (!options_.groups.empty()) {
    std::vector<std::uint16_t> chosen;
    for (std::uint16_t g : options_.groups) {
      if (contains(groups_, g)) {
        chosen.push_back(g);
      } else if (any_ecdhe) {
        log_ << "-- not offering " << group_name(g) << " for TLS 1.2 ECDHE: the token cannot run the offered suites on it\n";
      }
    }
    groups_ = chosen;
    // No curve left: an ECDHE suite offered without one would leave the
    // choice to the server, on a curve we cannot use.
    if (any_ecdhe && groups_.empty()) {
      std::erase_if(suites_, [](std::uint32_t id) { return suite_kx(id) == SuiteKx::ecdhe; });
      log_ << "-- no TLS 1.2 ECDHE curve of --groups: ECDHE suites not offered\n";
      missing += std::string(missing.empty() ? "" : "; ") + "TLS 1.2 ECDHE: no curve of --groups the token can use";
    }
  }
  if (!suites13_.empty()) {
    groups13_ = tls13_key_share_groups(provider_, options_.groups, log_, "offering");
    if (groups13_.empty()) {
      log_ << "-- no TLS 1.3 key-share group: TLS 1.3 not offered\n";
      missing += std::string(missing.empty() ? "" : "; ") + "TLS 1.3: no key-share group the token lists (--groups)";
      suites13_.clear();
    }
  }
  if (suites_.empty() && suites13_.empty()) {
    throw std::runtime_error("none of the requested cipher suites can run on token '" + provider_.token_label() +
                             "': " + missing);
  }
}

ConnectionReport Client::connect(ClientSession* resume, ClientSession* save) {
  ConnectionReport report;
  report.account = options_.account;
  report.peer = options_.connect;
  log_ << "-- connecting to " << options_.connect << "\n";
  std::optional<Socket> socket;
  try {
    socket.emplace(Socket::connect(options_.connect, options_.timeout));
  } catch (const std::exception& e) {
    report.failure = e.what();
    log_ << "!! " << report.failure << "\n";
    return report;
  }
  Connection conn(*socket, provider_, Connection::Role::client, log_);
  return run_connection(conn, report, log_, "the server", [&] {
    ClientHandshake handshake(provider_, options_, suites_, groups_, offers_dhe_, host_, resume,
                              credential_ ? &*credential_ : nullptr, conn, report, log_);
    // A TLS 1.2 connection, whether chosen or fallen back to, ends the same way.
    const auto finish_tls12 = [&] {
      exchange_data(conn, report);
      if (save != nullptr) handshake.save(*save);
    };
    if (suites13_.empty()) {
      handshake.run();
      return finish_tls12();
    }
    const std::string name = options_.server_name.value_or(host_);
    const Client13Setup setup{provider_, options_, suites13_, groups13_, name, !suites_.empty(),
                              credential_ ? &*credential_ : nullptr};
    Tls13Client tls13(setup, conn, report, log_, resume, save);
    ClientHello base;
    if (!suites_.empty()) {
      base = handshake.tls12_hello();
    } else if (options_.server_name || !is_ip_literal(host_)) {
      base.server_name = name;
    }
    if (const std::optional<Tls12Fallback> fallback = tls13.handshake(std::move(base))) {
      handshake.run_from(*fallback);
      return finish_tls12();
    }
    exchange_data(conn, report);
    if (options_.key_update) {
      tls13.send_key_update(true);
      exchange_data(conn, report);
    }
    if (save != nullptr) tls13.await_ticket(options_.reply_wait);
  });
}

void Client::exchange_data(Connection& conn, ConnectionReport& report) {
  if (!options_.send) return;
  const std::string text = *options_.send + "\n";
  const ByteView data(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  conn.send_application_data(data);
  log_ << ">> application data: " << data.size() << " bytes: \"" << printable(data) << "\"\n";
  auto wait = options_.reply_wait;
  while (auto reply = conn.receive_application_data(wait)) {
    log_ << "<< application data: " << reply->size() << " bytes: \"" << printable(*reply) << "\"\n";
    if (report.received.size() < 65536) report.received.insert(report.received.end(), reply->begin(), reply->end());
    if (!report.received.empty() && report.received.back() == '\n') break;  // a whole reply line
    wait = options_.reply_idle;
  }
  if (report.received.empty() && !conn.peer_closed()) {
    log_ << "-- no reply within " << options_.reply_wait.count() << " ms\n";
  }
}

}  // namespace sslp11::tls
