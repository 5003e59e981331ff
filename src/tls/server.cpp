#include "tls/server.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <ostream>

#include "tls/alerts.h"
#include "tls/client_auth.h"
#include "tls/client_auth12.h"
#include "tls/connection.h"
#include "tls/connection_run.h"
#include "tls/key_exchange.h"
#include "tls/messages.h"
#include "tls/pem_files.h"
#include "tls/peer_verify.h"
#include "tls/server13.h"
#include "tls/suites.h"
#include "tls/token_credential.h"
#include "tls/token_signing.h"
#include "tls/transcript.h"

namespace sslp11::tls {

namespace {

namespace ht = handshake_type;

constexpr std::size_t kSessionCacheSize = 64;

template <std::size_t N>
std::array<std::uint8_t, N> random_bytes() {
  std::array<std::uint8_t, N> r;
  if (RAND_bytes(r.data(), static_cast<int>(N)) != 1) throw std::runtime_error("RAND_bytes failed");
  return r;
}

void check_finished(ByteView received, ByteView expected) {
  if (received.size() != expected.size() || CRYPTO_memcmp(received.data(), expected.data(), expected.size()) != 0) {
    throw TlsFailure(AlertDescription::decrypt_error, "the client Finished does not match SslComputeFinishedHash");
  }
}

// One handshake from ClientHello to our Finished (reference §7.4; the
// abbreviated form when the client offers a session we still hold). Every
// method is one step; each throws TlsFailure / PeerAlert / TransportError /
// ProviderError / DecodeError, which Server::serve turns into alerts.
class ServerHandshake {
 public:
  struct Setup {
    const Provider& provider;
    const ServerOptions& options;
    const TokenCredential& credential;
    const std::vector<std::uint32_t>& suites;  // runnable, in preference order
    const std::vector<Bytes>& client_ca_names;  // --verify-client's CAs, named in the CertificateRequest
  };

  ServerHandshake(const Setup& setup, std::map<Bytes, CachedSession>& cache, Connection& conn,
                  ConnectionReport& report, std::ostream& log)
      : setup_(setup), provider_(setup.provider), cache_(cache), conn_(conn), report_(report), log_(log),
        transcript_(setup.provider) {}

  // `first`: the ClientHello already read. `tls13_capable`: we serve TLS 1.3
  // too, so a TLS 1.2 ServerHello carries the downgrade sentinel (RFC 8446 §4.1.3).
  void run(const HandshakeMessage& first, bool tls13_capable) {
    downgrade_sentinel_ = tls13_capable;
    receive_client_hello(first);
    choose();
    send_server_hello();
    if (cached_ != nullptr) {
      derive_session_keys(cached_->master.get());
      send_finished(cached_->master.get());
      receive_finished(cached_->master.get());
    } else {
      // --verify-client (client_auth12.h): CertificateRequest, then the
      // client's Certificate before and its CertificateVerify after its key exchange.
      const std::optional<std::string>& client_ca = setup_.options.client_cafile;
      send_certificate();
      if (kx_ != SuiteKx::rsa) send_server_key_exchange();
      if (client_ca) {
        send(certificate_request12_message(setup_.client_ca_names));
        log_ << ">> CertificateRequest (a client certificate is required)\n";
      }
      send_server_hello_done();
      if (client_ca) {
        const HandshakeMessage m = expect(ht::certificate);
        client_cert_ = verify_client_certificate12(m.body(), *client_ca, log_);
        transcript_.add(m.bytes);
      }
      receive_client_key_exchange();
      derive_master_key();
      if (client_ca) {
        const HandshakeMessage v = expect(ht::certificate_verify);
        check_certificate_verify12(*client_cert_, v.body(), transcript_.messages(), *client_ca, report_, log_);
        transcript_.add(v.bytes);
      }
      derive_session_keys(master_.get());
      receive_finished(master_.get());
      send_finished(master_.get());
      remember_session();
    }
    log_ << "== handshake complete: " << suite_display_name(suite_) << (cached_ != nullptr ? " (resumed)" : "")
         << std::endl;
  }

 private:
  void receive_client_hello(const HandshakeMessage& m) {
    ch_ = parse_client_hello(m.body());
    log_ << "<< ClientHello: version 0x"
         << hex(Bytes{static_cast<std::uint8_t>(ch_.version >> 8), static_cast<std::uint8_t>(ch_.version)}) << ", "
         << ch_.cipher_suites.size() << " suites" << (ch_.server_name ? ", SNI " + *ch_.server_name : "") << ", EMS "
         << (ch_.extended_master_secret ? "offered" : "not offered")
         << (ch_.session_id.empty() ? "" : ", session id " + hex(ch_.session_id).substr(0, 16) + "...") << "\n";
    if (ch_.version < kTls12) {
      throw TlsFailure(AlertDescription::protocol_version, "the client offers at most TLS 1." +
                                                               std::to_string((ch_.version & 0xFF) - 1) +
                                                               "; sslp11-tls speaks TLS 1.2 and TLS 1.3");
    }
    if (!contains(ch_.compression_methods, 0)) {
      throw TlsFailure(AlertDescription::illegal_parameter, "the client does not offer null compression");
    }
    transcript_.add(m.bytes);  // buffered until the suite, and so the hash, is chosen
  }

  // A session to resume, else our first suite the client offers and the token
  // can run with a group the client offers (a curve for ECDHE, an FFDHE group
  // for DHE).
  void choose() {
    ems_ = ch_.extended_master_secret && setup_.options.ems;
    const auto cached = ch_.session_id.empty() ? cache_.end() : cache_.find(ch_.session_id);
    // RFC 7627 §5.3: a session resumes only with the EMS state it was made with.
    if (cached != cache_.end() && contains(ch_.cipher_suites, cached->second.suite) && cached->second.ems == ems_) {
      cached_ = &cached->second;
      suite_ = cached_->suite;
    } else {
      for (std::uint32_t id : setup_.suites) {
        if (!contains(ch_.cipher_suites, id)) continue;
        const std::optional<std::uint16_t> group = group_for(id);
        if (!group) continue;
        group_ = *group;
        suite_ = id;
        break;
      }
    }
    if (suite_ == 0) {
      // RFC 7919 §4: FFDHE groups offered, none of them ours, and no other
      // suite acceptable: insufficient_security.
      const bool ffdhe_refused = std::any_of(setup_.suites.begin(), setup_.suites.end(), [&](std::uint32_t id) {
        return suite_kx(id) == SuiteKx::dhe && contains(ch_.cipher_suites, id);
      }) && !choose_ffdhe_group(ch_.supported_groups);
      throw TlsFailure(ffdhe_refused ? AlertDescription::insufficient_security : AlertDescription::handshake_failure,
                       "no cipher suite in common with the client on token '" + provider_.token_label() +
                           "': " + why_nothing_in_common());
    }
    kx_ = suite_kx(suite_);
    report_.suite = suite_;
    report_.ems = ems_;
    report_.resumed = cached_ != nullptr;
  }

  // The key-exchange group for `id` (0 for RSA key exchange); nullopt when
  // the client offers none we can use with it.
  std::optional<std::uint16_t> group_for(std::uint32_t id) const {
    switch (suite_kx(id)) {
      case SuiteKx::rsa:
        return 0;
      case SuiteKx::dhe:
        return choose_ffdhe_group(ch_.supported_groups);
      case SuiteKx::ecdhe: {
        // A curve the token can finish this suite on (SslLookupCipherSuiteInfo per curve).
        const std::vector<std::uint16_t> usable = usable_groups(provider_, id);
        // No supported_groups extension: any curve will do (RFC 4492 §4).
        const std::vector<std::uint16_t>& theirs = ch_.has_supported_groups ? ch_.supported_groups : usable;
        for (std::uint16_t g : theirs)
          if (contains(usable, g)) return g;
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  // For each suite the client offers: why we cannot use it. The provider's
  // reason names what the token lacks (SslLookupCipherSuiteInfo's failure).
  std::string why_nothing_in_common() const {
    std::string reasons;
    std::size_t unknown = 0;
    for (std::uint16_t offered : ch_.cipher_suites) {
      if (offered == kRenegotiationScsv) continue;
      if (!iana_suite_name(offered)) {
        ++unknown;
        continue;
      }
      std::string why;
      if (!provider_.lookup(offered, &why)) {
      } else if (contains(setup_.suites, offered) && suite_kx(offered) == SuiteKx::dhe) {
        std::vector<std::uint16_t> offered_ffdhe;
        std::copy_if(ch_.supported_groups.begin(), ch_.supported_groups.end(), std::back_inserter(offered_ffdhe),
                     is_ffdhe);
        why = "no FFDHE group in common (the client offers " + group_names(offered_ffdhe) + "; sslp11-tls serves " +
              group_names(ffdhe_groups()) + ")";
      } else if (contains(setup_.suites, offered)) {
        why = "no curve in common (the client offers " +
              (ch_.has_supported_groups ? group_names(ch_.supported_groups) : std::string("any")) +
              "; the token can finish it on " + group_names(usable_groups(provider_, offered)) + ")";
      } else if (contains(setup_.options.suites, offered)) {
        why = std::string("it needs ") + (suite_uses_ecdsa(offered) ? "an ECDSA" : "an RSA") + " certificate key";
      } else {
        why = "not enabled with --suite";
      }
      reasons += (reasons.empty() ? "" : "; ") + suite_display_name(offered) + ": " + why;
    }
    if (unknown > 0) {
      reasons += (reasons.empty() ? "" : "; ") + std::to_string(unknown) + " suite(s) sslp11 does not implement";
    }
    return reasons;
  }

  void send_server_hello() {
    sh_.random = random_bytes<32>();
    if (downgrade_sentinel_) std::copy(kDowngradeTls12.begin(), kDowngradeTls12.end(), sh_.random.end() - 8);
    if (cached_ != nullptr) {
      sh_.session_id = ch_.session_id;
    } else {
      const auto id = random_bytes<32>();
      sh_.session_id.assign(id.begin(), id.end());
    }
    sh_.cipher_suite = static_cast<std::uint16_t>(suite_);
    sh_.extended_master_secret = ems_;
    sh_.renegotiation_info = ch_.renegotiation_info;
    sh_.has_ec_point_formats = kx_ == SuiteKx::ecdhe && ch_.has_ec_point_formats;
    sh_.ec_point_formats = {0};
    transcript_.start(suite_);
    send(make_handshake(ht::server_hello, build_server_hello(sh_)));
    log_ << ">> ServerHello: " << suite_display_name(suite_) << ", EMS " << (ems_ ? "on" : "off")
         << (cached_ != nullptr ? ", resuming the session" : "") << "\n";
  }

  void send_certificate() {
    send(make_handshake(ht::certificate, build_certificate(setup_.credential.chain)));
    log_ << ">> Certificate (" << setup_.credential.chain.size() << " certificate(s))\n";
  }

  // The (EC)DH parameters, with our ephemeral key made on the token, signed
  // by the token's private key through SslSignHash.
  void send_server_key_exchange() {
    Bytes params;
    if (kx_ == SuiteKx::ecdhe) {
      eph_ = create_ecdhe(provider_, suite_, group_);
      params = build_ecdhe_params({group_, eph_.public_value});
      report_.key_exchange = "ECDHE " + group_name(group_);
    } else {
      eph_ = create_dhe(provider_, suite_, dh_prime(), kGenerator);
      params = build_dhe_params({dh_prime(), kGenerator, eph_.public_value});
      report_.key_exchange = "DHE " + group_name(group_);
    }
    note_key_objects(report_, "ephemeral key", eph_.key.get());
    const std::uint16_t scheme = choose_signature_scheme();
    ByteWriter signed_data;
    signed_data.bytes(ch_.random).bytes(sh_.random).bytes(params);
    const Bytes signature = sign(scheme, signed_data.data());
    send(make_handshake(ht::server_key_exchange, build_server_key_exchange(params, scheme, signature)));
    report_.authentication =
        "ServerKeyExchange signed " + signature_scheme_name(scheme) + " by the token's private key (SslSignHash)";
    log_ << ">> ServerKeyExchange: " << report_.key_exchange << ", ephemeral key made on the token "
         << "(SslCreateEphemeralKey), signed " << signature_scheme_name(scheme) << " with SslSignHash\n";
  }

  std::uint16_t choose_signature_scheme() const {
    // Without signature_algorithms the client accepts SHA-1 only (RFC 5246 §7.4.1.4.1).
    if (!ch_.has_signature_algorithms) return setup_.credential.ec_key ? signature_scheme::ecdsa_sha1 : signature_scheme::rsa_pkcs1_sha1;
    for (std::uint16_t s : signing_schemes(setup_.credential.ec_key))
      if (contains(ch_.signature_algorithms, s)) return s;
    throw TlsFailure(AlertDescription::handshake_failure, std::string("the client accepts no signature scheme an ") +
                                                              (setup_.credential.ec_key ? "ECDSA" : "RSA") + " key can make");
  }

  Bytes sign(std::uint16_t scheme, ByteView data) const {
    return sign_on_token(provider_, setup_.credential.private_key.get(), scheme, data);
  }

  void send_server_hello_done() {
    send(make_handshake(ht::server_hello_done, {}));
    log_ << ">> ServerHelloDone\n";
    if (kx_ == SuiteKx::rsa) {
      report_.key_exchange = "RSA (pre-master decrypted by the token's private key, SslImportMasterKey)";
      report_.authentication = "implicit (the token's RSA key decrypts the pre-master)";
    }
  }

  void receive_client_key_exchange() {
    const HandshakeMessage m = conn_.receive_handshake();
    if (m.type != ht::client_key_exchange) {
      throw TlsFailure(AlertDescription::unexpected_message,
                       "expected ClientKeyExchange, received " + handshake_type_name(m.type) +
                           (m.type == ht::certificate ? " (no certificate was requested)" : ""));
    }
    client_value_ = parse_client_key_exchange(m.body(), kx_ == SuiteKx::ecdhe ? KeyExchangeKind::ecdhe
                                                        : kx_ == SuiteKx::dhe  ? KeyExchangeKind::dhe
                                                                               : KeyExchangeKind::rsa);
    transcript_.add(m.bytes);
    log_ << "<< ClientKeyExchange (" << client_value_.size() << " bytes)\n";
  }

  void derive_master_key() {
    Bytes session_hash;
    if (ems_) {
      session_hash = transcript_.session_hash();
      log_ << "== session hash through ClientKeyExchange (SslComputeSessionHash)\n";
    }
    if (kx_ == SuiteKx::rsa) {
      ParameterList params = master_parameters(ch_.random, sh_.random, ems_, session_hash, ch_.version);
      check(SslImportMasterKey(provider_.get(), setup_.credential.private_key.get(), master_.out(), TLS1_2_PROTOCOL_VERSION, suite_,
                               params.get(), client_value_.data(), static_cast<DWORD>(client_value_.size()),
                               NCRYPT_SSL_SERVER_FLAG),
            "SslImportMasterKey");
      log_ << "== pre-master decrypted and master key derived on the token (SslImportMasterKey)\n";
    } else {
      const SslObject client_key =
          kx_ == SuiteKx::ecdhe
              ? import_peer_key(provider_, ecc_blob_type(group_), ecc_public_blob(group_, client_value_),
                                "the client's ECDH point")
              : import_peer_key(provider_, BCRYPT_DH_PUBLIC_BLOB,
                                dh_public_blob(dh_prime(), kGenerator, client_value_), "the client's DH value");
      ParameterList params = master_parameters(ch_.random, sh_.random, ems_, session_hash,
                                               ems_ ? std::optional<std::uint16_t>(kTls12) : std::nullopt);
      check(SslGenerateMasterKey(provider_.get(), eph_.key.get(), client_key.get(), master_.out(),
                                 TLS1_2_PROTOCOL_VERSION, suite_, params.get(), nullptr, 0, nullptr,
                                 NCRYPT_SSL_SERVER_FLAG),
            "SslGenerateMasterKey");
      log_ << "== master key derived on the token (SslGenerateMasterKey" << (ems_ ? ", EMS" : "") << ")\n";
    }
    note_key_objects(report_, "master key", master_.get());
  }

  void derive_session_keys(NCRYPT_KEY_HANDLE master) {
    if (cached_ != nullptr) note_key_objects(report_, "master key (kept from an earlier connection)", master);
    SslObject read, write;
    ParameterList params = randoms(ch_.random, sh_.random);
    check(SslGenerateSessionKeys(provider_.get(), master, read.out(), write.out(), params.get(), 0),
          "SslGenerateSessionKeys");
    note_key_objects(report_, "read key", read.get());
    note_key_objects(report_, "write key", write.get());
    conn_.records().set_pending_keys(std::move(read), std::move(write), suite_);
    log_ << "== session keys derived on the token (SslGenerateSessionKeys"
         << (cached_ != nullptr ? " with the kept master key" : "") << ")\n";
  }

  void receive_finished(NCRYPT_KEY_HANDLE master) {
    conn_.receive_change_cipher_spec();
    const HandshakeMessage fin = expect(ht::finished);
    // The expected value covers the transcript up to, not including, this message.
    check_finished(parse_finished(fin.body()), transcript_.finished(master, NCRYPT_SSL_CLIENT_FLAG));
    transcript_.add(fin.bytes);
    log_ << "<< ChangeCipherSpec, Finished (SslDecryptPacket; verified with SslComputeFinishedHash)\n";
  }

  void send_finished(NCRYPT_KEY_HANDLE master) {
    conn_.send_change_cipher_spec();
    send(make_handshake(ht::finished, transcript_.finished(master, NCRYPT_SSL_SERVER_FLAG)));
    log_ << ">> ChangeCipherSpec, Finished (SslComputeFinishedHash, SslEncryptPacket"
         << (cached_ != nullptr ? "; the server finishes first when resuming" : "") << ")\n";
  }

  void remember_session() {
    if (cache_.size() >= kSessionCacheSize) cache_.erase(cache_.begin());
    cache_[sh_.session_id] = CachedSession{std::move(master_), suite_, ems_};
  }

  void send(const Bytes& message) {
    conn_.send_handshake(message);
    transcript_.add(message);
  }

  HandshakeMessage expect(std::uint8_t type) {
    HandshakeMessage m = conn_.receive_handshake();
    if (m.type != type) {
      throw TlsFailure(AlertDescription::unexpected_message,
                       "expected " + handshake_type_name(type) + ", received " + handshake_type_name(m.type));
    }
    return m;
  }

  // The prime of the FFDHE group chosen for a DHE suite.
  const Bytes& dh_prime() const { return *ffdhe_prime(group_); }

  inline static const Bytes kGenerator{2};  // of every RFC 7919 group

  const Setup& setup_;
  const Provider& provider_;
  std::map<Bytes, CachedSession>& cache_;
  Connection& conn_;
  ConnectionReport& report_;
  std::ostream& log_;
  Transcript transcript_;

  ClientHello ch_;
  ServerHello sh_;
  bool downgrade_sentinel_ = false;
  bool ems_ = false;
  CachedSession* cached_ = nullptr;
  std::uint32_t suite_ = 0;
  SuiteKx kx_ = SuiteKx::rsa;
  std::uint16_t group_ = 0;  // ECDHE: the curve; DHE: the FFDHE group
  Ephemeral eph_;
  Bytes client_value_;
  SslObject master_;
  std::optional<PeerCertificate> client_cert_;  // --verify-client: the verified client certificate
};

}  // namespace

Server::Server(const Provider& provider, ServerOptions options, std::ostream& log)
    : provider_(provider), options_(std::move(options)), log_(log) {}

Server::~Server() = default;

void Server::prepare() {
  credential_ = TokenCredential::open(provider_, options_.cert_file, options_.import_key, "server", log_);
  if (options_.client_cafile) client_ca_names_ = certificate_authority_names(*options_.client_cafile, log_);

  std::vector<std::uint32_t> for_key;
  for (const SuiteInfo& s : provider_.suites(credential_.private_key.get())) for_key.push_back(s.id);
  std::string missing;
  for (std::uint32_t id : options_.suites) {
    std::string why;
    if (is_tls13_suite(id)) {
      // Any certificate key signs TLS 1.3 (ECDSA, or RSA-PSS).
      if (provider_.runs13(id, &why)) {
        suites13_.push_back(id);
        continue;
      }
    } else if (!provider_.lookup(id, &why)) {
    } else if (!contains(for_key, id)) {
      why = std::string("it needs ") + (suite_uses_ecdsa(id) ? "an ECDSA" : "an RSA") + " certificate key";
    } else if (suite_kx(id) == SuiteKx::ecdhe && usable_groups(provider_, id).empty()) {
      why = "no curve of the token suits it";
    } else {
      suites_.push_back(id);
      continue;
    }
    log_ << "-- not serving " << suite_display_name(id) << ": " << why << "\n";
    missing += (missing.empty() ? "" : "; ") + suite_display_name(id) + ": " + why;
  }
  if (!suites13_.empty()) {
    groups13_ = tls13_key_share_groups(provider_, options_.groups, log_, "serving");
    if (groups13_.empty()) {
      log_ << "-- no TLS 1.3 key-share group: not serving TLS 1.3\n";
      missing += std::string(missing.empty() ? "" : "; ") + "TLS 1.3: no key-share group the token lists (--groups)";
      suites13_.clear();
    }
  }
  if (suites_.empty() && suites13_.empty()) {
    throw std::runtime_error("none of the requested cipher suites can be served: " + missing);
  }
}

int Server::run() {
  Listener listener(options_.listen);
  const auto [host, port] = split_host_port(options_.listen);
  log_ << "-- listening on " << host << ":" << listener.port() << std::endl;
  int status = 0;
  for (;;) {
    std::optional<Socket> socket = listener.accept(options_.once ? options_.accept_wait : std::chrono::hours(24),
                                                   options_.timeout);
    if (!socket) {
      if (options_.once) {
        log_ << "!! no client connected within " << options_.accept_wait.count() << " ms\n";
        return 1;
      }
      continue;
    }
    const ConnectionReport report = serve(*socket);
    print_account(log_, provider_, {report});
    log_.flush();
    if (!report.ok) status = 1;
    if (options_.once) return status;
  }
}

ConnectionReport Server::serve(Socket& socket) {
  ConnectionReport report;
  report.peer = socket.peer();
  log_ << "-- connection from " << report.peer << "\n";
  Connection conn(socket, provider_, Connection::Role::server, log_);
  return run_connection(conn, report, log_, "the client", [&] {
    const HandshakeMessage first = conn.receive_handshake();
    if (first.type != ht::client_hello) {
      throw TlsFailure(AlertDescription::unexpected_message,
                       "expected ClientHello, received " + handshake_type_name(first.type));
    }
    const ClientHello hello = parse_client_hello(first.body());
    const bool tls13 = !suites13_.empty() && contains(hello.supported_versions, kTls13) &&
                       std::any_of(suites13_.begin(), suites13_.end(),
                                   [&](std::uint32_t id) { return contains(hello.cipher_suites, id); });
    if (tls13) {
      log_ << "<< ClientHello: TLS 1.3 offered, " << hello.cipher_suites.size() << " suites, groups "
           << group_names(hello.supported_groups) << (hello.psks.empty() ? "" : ", a PSK offered") << "\n";
      const Server13Setup setup{provider_, options_, credential_, suites13_, groups13_, client_ca_names_};
      Tls13Server handshake(setup, tickets13_, conn, report, log_);
      handshake.handshake(hello, first);
      echo(conn, report, [&] {
        if (options_.key_update) handshake.send_key_update(true);
        handshake.request_client_certificate();
      });
      handshake.check_client_authenticated();
      return;
    }
    if (suites_.empty()) {
      throw TlsFailure(AlertDescription::protocol_version, "the client does not offer TLS 1.3 with a suite we serve, "
                                                           "and no TLS 1.2 suite is enabled");
    }
    const ServerHandshake::Setup setup{provider_, options_, credential_, suites_, client_ca_names_};
    ServerHandshake handshake(setup, cache_, conn, report, log_);
    handshake.run(first, !suites13_.empty());
    echo(conn, report);
  });
}

void Server::echo(Connection& conn, ConnectionReport& report, const std::function<void()>& after_first_reply) {
  bool first = true;
  while (auto data = conn.receive_application_data(options_.idle)) {
    log_ << "<< application data: " << data->size() << " bytes: \"" << printable(*data) << "\"" << std::endl;
    if (report.received.size() < 65536) report.received.insert(report.received.end(), data->begin(), data->end());
    conn.send_application_data(*data);
    log_ << ">> application data: " << data->size() << " bytes (echo)" << std::endl;
    if (first && after_first_reply) after_first_reply();
    first = false;
  }
  if (conn.peer_closed()) {
    log_ << "<< close_notify\n";
  } else {
    log_ << "-- no data for " << options_.idle.count() << " ms; closing\n";
  }
}

}  // namespace sslp11::tls
