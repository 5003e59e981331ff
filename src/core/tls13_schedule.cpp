#include "core/tls13_schedule.h"

#include <cstdio>
#include <string>

#include "core/error.h"
#include "core/tls13_hkdf_label.h"
#include "core/tls13_labels.h"
#include "core/tls13_public_hash.h"
#include "log/logger.h"
#include "pkcs11/error.h"

namespace sslp11::core {

namespace {

using Kind = Tls13SecretKind;
using Use = tls13_templates::Use;

[[noreturn]] void wrong_secret(std::string_view step, const Tls13Secret& got) {
  throw Error(Fault::invalid_parameter, std::string(step) + " cannot start from the " +
                                            std::string(tls13_secret_name(got.kind)));
}

void check_alive(std::string_view step, const Tls13Secret& s) {
  if (s.suite == nullptr || s.object.empty()) {
    throw Error(Fault::invalid_parameter, std::string(step) + " was given an empty TLS 1.3 secret");
  }
}

void check_transcript(const Tls13Secret& base, std::span<const std::uint8_t> transcript) {
  if (transcript.size() != base.suite->hash_bytes()) {
    throw Error(Fault::invalid_parameter, "a transcript hash of " + std::string(base.suite->name) + " has " +
                                              std::to_string(base.suite->hash_bytes()) + " bytes, not " +
                                              std::to_string(transcript.size()));
  }
}

}  // namespace

Tls13Schedule::Tls13Schedule(std::shared_ptr<p11::SessionPool> pool, const p11::Capabilities& caps,
                             DerivationPolicy policy)
    : pool_(std::move(pool)), caps_(caps), policy_(policy), path_(caps.tls13_derivation_path()) {
  switch (path_) {
    case p11::DerivationPath::unusable:
      throw Error(Fault::not_supported,
                  "the token has neither CKM_HKDF_DERIVE/CKM_HKDF_DATA nor HMAC-SHA256: no TLS 1.3 key schedule");
    case p11::DerivationPath::composed:
      if (policy_ == DerivationPolicy::native_only) {
        throw Error(Fault::not_supported,
                    "the token lacks CKM_HKDF_DERIVE/CKM_HKDF_DATA, so its TLS 1.3 key schedule would be composed "
                    "from HMAC with secrets passing through host memory, and the configuration says "
                    "derivation = native-only");
      }
      hkdf_ = make_composed_hkdf(pool_, caps_);
      break;
    case p11::DerivationPath::native:
      hkdf_ = make_native_hkdf(pool_);
      break;
  }
}

Tls13Schedule::~Tls13Schedule() = default;

const Tls13Suite& Tls13Schedule::suite(std::uint32_t protocol, std::uint32_t suite_id) const {
  char hex[16];
  if (protocol != kTls13Version) {
    std::snprintf(hex, sizeof hex, "0x%04X", static_cast<unsigned>(protocol));
    throw Error(Fault::invalid_parameter, std::string("the TLS 1.3 key schedule runs for protocol 0x0304, not ") + hex);
  }
  const Tls13Suite* s = find_tls13_suite(suite_id);
  if (s == nullptr) {
    std::snprintf(hex, sizeof hex, "0x%04X", static_cast<unsigned>(suite_id));
    throw Error(Fault::invalid_parameter, std::string("cipher suite ") + hex + " is not a TLS 1.3 suite");
  }
  if (auto why = tls13_suite_unavailable_reason(*s, caps_, policy_)) {
    throw Error(Fault::not_supported, std::string(s->name) + ": " + *why);
  }
  return *s;
}

Tls13Secret Tls13Schedule::early_secret(const Tls13Suite& suite, const Tls13Secret* psk) const {
  if (psk != nullptr) {
    check_alive("the early secret", *psk);
    if (psk->kind != Kind::psk) wrong_secret("the early secret", *psk);
    if (psk->suite->hash != suite.hash) {
      throw Error(Fault::invalid_parameter, "a PSK of " + std::string(psk->suite->name) + " cannot key " +
                                                std::string(suite.name) + ": their hashes differ (RFC 8446 §4.2.11)");
    }
  }
  const std::size_t n = suite.hash_bytes();
  return pool_->run([&](p11::Lease& lease) {
    return Tls13Secret{&suite, Kind::early, path_,
                       hkdf_->extract(lease, suite.hash, nullptr, psk != nullptr ? &psk->object : nullptr, 0,
                                      {Use::chain, CKK_GENERIC_SECRET, n})};
  });
}

Tls13Secret Tls13Schedule::handshake_secret(const Tls13Secret& early, const p11::Object& shared,
                                            std::size_t shared_bytes) const {
  check_alive("the handshake secret", early);
  if (early.kind != Kind::early) wrong_secret("the handshake secret", early);
  if (shared.empty()) throw Error(Fault::invalid_parameter, "the handshake secret needs the (EC)DHE secret");
  const Tls13Suite& suite = *early.suite;
  const std::size_t n = suite.hash_bytes();
  const PublicDigest empty = public_digest(suite.hash, {});
  const HkdfLabel label(n, tls13_labels::kDerived, empty.span());
  return pool_->run([&](p11::Lease& lease) {
    p11::Object salt = hkdf_->expand(lease, suite.hash, early.object, label.bytes(), {Use::chain, CKK_GENERIC_SECRET, n});
    Tls13Secret out{&suite, Kind::handshake, path_,
                    hkdf_->extract(lease, suite.hash, &salt, &shared, shared_bytes, {Use::chain, CKK_GENERIC_SECRET, n})};
    salt.reset(lease);
    return out;
  });
}

Tls13Secret Tls13Schedule::master_secret(const Tls13Secret& handshake) const {
  check_alive("the master secret", handshake);
  if (handshake.kind != Kind::handshake) wrong_secret("the master secret", handshake);
  const Tls13Suite& suite = *handshake.suite;
  const std::size_t n = suite.hash_bytes();
  const PublicDigest empty = public_digest(suite.hash, {});
  const HkdfLabel label(n, tls13_labels::kDerived, empty.span());
  return pool_->run([&](p11::Lease& lease) {
    p11::Object salt =
        hkdf_->expand(lease, suite.hash, handshake.object, label.bytes(), {Use::chain, CKK_GENERIC_SECRET, n});
    Tls13Secret out{&suite, Kind::master, path_,
                    hkdf_->extract(lease, suite.hash, &salt, nullptr, n, {Use::chain, CKK_GENERIC_SECRET, n})};
    salt.reset(lease);
    return out;
  });
}

Tls13Secret Tls13Schedule::traffic_secret(const Tls13Secret& base, Tls13Side side,
                                          std::span<const std::uint8_t> transcript) const {
  check_alive("a traffic secret", base);
  const bool client = side == Tls13Side::client;
  switch (base.kind) {
    case Kind::early:
      if (!client) {
        throw Error(Fault::invalid_parameter, "there is no server early traffic secret: 0-RTT data is the client's");
      }
      return derive_secret(base, tls13_labels::kClientEarlyTraffic, transcript, Kind::client_early_traffic);
    case Kind::handshake:
      return client ? derive_secret(base, tls13_labels::kClientHandshakeTraffic, transcript,
                                    Kind::client_handshake_traffic)
                    : derive_secret(base, tls13_labels::kServerHandshakeTraffic, transcript,
                                    Kind::server_handshake_traffic);
    case Kind::master:
      return client ? derive_secret(base, tls13_labels::kClientApplicationTraffic, transcript,
                                    Kind::client_application_traffic)
                    : derive_secret(base, tls13_labels::kServerApplicationTraffic, transcript,
                                    Kind::server_application_traffic);
    default:
      wrong_secret("a traffic secret", base);
  }
}

Tls13Secret Tls13Schedule::exporter_master(const Tls13Secret& base, std::span<const std::uint8_t> transcript) const {
  check_alive("an exporter master secret", base);
  if (base.kind == Kind::early) {
    return derive_secret(base, tls13_labels::kEarlyExporter, transcript, Kind::early_exporter_master);
  }
  if (base.kind == Kind::master) {
    return derive_secret(base, tls13_labels::kExporterMaster, transcript, Kind::exporter_master);
  }
  wrong_secret("an exporter master secret", base);
}

Tls13Secret Tls13Schedule::resumption_master(const Tls13Secret& master, std::span<const std::uint8_t> transcript) const {
  check_alive("the resumption master secret", master);
  if (master.kind != Kind::master) wrong_secret("the resumption master secret", master);
  return derive_secret(master, tls13_labels::kResumptionMaster, transcript, Kind::resumption_master);
}

Tls13Secret Tls13Schedule::binder_key(const Tls13Secret& early, Tls13Binder kind) const {
  check_alive("a binder key", early);
  if (early.kind != Kind::early) wrong_secret("a binder key", early);
  const PublicDigest empty = public_digest(early.suite->hash, {});
  return kind == Tls13Binder::external
             ? derive_secret(early, tls13_labels::kExternalBinder, empty.span(), Kind::external_binder)
             : derive_secret(early, tls13_labels::kResumptionBinder, empty.span(), Kind::resumption_binder);
}

Tls13Secret Tls13Schedule::pre_shared_key(const Tls13Secret& resumption_master,
                                          std::span<const std::uint8_t> ticket_nonce, bool wrappable) const {
  check_alive("a resumption PSK", resumption_master);
  if (resumption_master.kind != Kind::resumption_master) wrong_secret("a resumption PSK", resumption_master);
  if (wrappable) {
    try {
      Tls13Secret psk =
          expand_label(resumption_master, tls13_labels::kResumption, ticket_nonce, Kind::psk, Use::travelling_psk);
      psk.wrappable = true;
      return psk;
    } catch (const p11::Error& e) {
      // A token may derive no extractable key from a non-extractable base
      // (NSS softoken: CKR_KEY_FUNCTION_NOT_PERMITTED), and the resumption
      // master is one: the PSK then stays on its member, as on a lone token.
      if (e.rv() != CKR_KEY_FUNCTION_NOT_PERMITTED) throw;
      log::info("tls13", "the token derives no extractable PSK from the resumption master: this ticket resumes "
                         "only on the member that issued it");
    }
  }
  return expand_label(resumption_master, tls13_labels::kResumption, ticket_nonce, Kind::psk, Use::ikm);
}

Tls13Secret Tls13Schedule::next_traffic_secret(const Tls13Secret& traffic) const {
  check_alive("the next traffic secret", traffic);
  if (traffic.kind != Kind::client_application_traffic && traffic.kind != Kind::server_application_traffic) {
    wrong_secret("the next traffic secret (KeyUpdate)", traffic);
  }
  return expand_label(traffic, tls13_labels::kTrafficUpdate, {}, traffic.kind);
}

Tls13WriteKey Tls13Schedule::write_key(const Tls13Secret& traffic) const {
  check_alive("a write key", traffic);
  if (!is_traffic_secret(traffic.kind)) wrong_secret("a write key", traffic);
  const Tls13Suite& suite = *traffic.suite;
  const HkdfLabel key_label(suite.key_bytes, tls13_labels::kKey, {});
  const HkdfLabel iv_label(suite.iv_bytes, tls13_labels::kIv, {});
  Tls13WriteKey out;
  out.suite = &suite;
  out.path = path_;
  out.iv = p11::SecureBytes(suite.iv_bytes);
  pool_->run([&](p11::Lease& lease) {
    out.key = hkdf_->expand(lease, suite.hash, traffic.object, key_label.bytes(),
                            {Use::record, cipher_key_type(suite.cipher), suite.key_bytes});
    hkdf_->expand_data(lease, suite.hash, traffic.object, iv_label.bytes(), out.iv.span());
    return 0;
  });
  return out;
}

void Tls13Schedule::finished(const Tls13Secret& base, std::span<const std::uint8_t> transcript,
                             std::span<std::uint8_t> out) const {
  check_alive("a Finished", base);
  if (!is_traffic_secret(base.kind) && base.kind != Kind::external_binder && base.kind != Kind::resumption_binder) {
    wrong_secret("a Finished or binder", base);
  }
  check_transcript(base, transcript);
  const Tls13Suite& suite = *base.suite;
  const std::size_t n = suite.hash_bytes();
  if (out.size() != n) {
    throw Error(Fault::invalid_parameter, "a TLS 1.3 verify_data of " + std::string(suite.name) + " has " +
                                              std::to_string(n) + " bytes, not " + std::to_string(out.size()));
  }
  const HkdfLabel label(n, tls13_labels::kFinished, {});
  pool_->run([&](p11::Lease& lease) {
    p11::Object key =
        hkdf_->expand(lease, suite.hash, base.object, label.bytes(), {Use::finished, CKK_GENERIC_SECRET, n});
    CK_MECHANISM mech{hmac_mechanism(suite.hash), nullptr, 0};
    lease.api().C_SignInit(lease.handle(), mech, key.handle());
    const std::size_t got = lease.api().C_Sign(lease.handle(), transcript, out);
    key.reset(lease);
    if (got != n) throw Error(Fault::internal, "the token's HMAC returned an unexpected length");
    return 0;
  });
}

void Tls13Schedule::export_keying_material(const Tls13Secret& base, std::string_view label,
                                           std::span<const std::uint8_t> context, std::span<std::uint8_t> out) const {
  check_alive("an exporter", base);
  if (base.kind != Kind::exporter_master && base.kind != Kind::early_exporter_master) wrong_secret("an exporter", base);
  if (label.empty()) throw Error(Fault::invalid_parameter, "the exporter label is empty");
  for (const char c : label) {
    if (c < 0x20 || c > 0x7e) throw Error(Fault::invalid_parameter, "the exporter label has a byte outside printable ASCII");
  }
  const Tls13Suite& suite = *base.suite;
  const std::size_t n = suite.hash_bytes();
  if (out.empty() || out.size() > 255 * n) {
    throw Error(Fault::invalid_parameter, "a TLS 1.3 exporter of " + std::string(suite.name) + " gives 1.." +
                                              std::to_string(255 * n) + " bytes, not " + std::to_string(out.size()));
  }
  const PublicDigest empty = public_digest(suite.hash, {});
  const PublicDigest context_hash = public_digest(suite.hash, context);
  const HkdfLabel secret_label(n, label, empty.span());
  const HkdfLabel exporter_label(out.size(), tls13_labels::kExporter, context_hash.span());
  pool_->run([&](p11::Lease& lease) {
    p11::Object secret =
        hkdf_->expand(lease, suite.hash, base.object, secret_label.bytes(), {Use::chain, CKK_GENERIC_SECRET, n});
    hkdf_->expand_data(lease, suite.hash, secret, exporter_label.bytes(), out);
    secret.reset(lease);
    return 0;
  });
}

Tls13Secret Tls13Schedule::import_psk(const Tls13Suite& suite, std::span<const std::uint8_t> value) const {
  if (value.empty()) throw Error(Fault::invalid_parameter, "a PSK must not be empty");
  return pool_->run([&](p11::Lease& lease) {
    auto t = tls13_templates::created(path_, Use::ikm, CKK_GENERIC_SECRET, value);
    return Tls13Secret{&suite, Kind::psk, path_,
                       p11::Object(pool_, lease, lease.api().C_CreateObject(lease.handle(), t.span()))};
  });
}

Tls13Secret Tls13Schedule::derive_secret(const Tls13Secret& base, std::string_view label,
                                         std::span<const std::uint8_t> transcript, Tls13SecretKind kind) const {
  check_transcript(base, transcript);
  return expand_label(base, label, transcript, kind);
}

Tls13Secret Tls13Schedule::expand_label(const Tls13Secret& base, std::string_view label,
                                        std::span<const std::uint8_t> context, Tls13SecretKind kind, Use use) const {
  const Tls13Suite& suite = *base.suite;
  const std::size_t n = suite.hash_bytes();
  const HkdfLabel info(n, label, context);
  return pool_->run([&](p11::Lease& lease) {
    return Tls13Secret{&suite, kind, path_,
                       hkdf_->expand(lease, suite.hash, base.object, info.bytes(), {use, CKK_GENERIC_SECRET, n})};
  });
}

}  // namespace sslp11::core
