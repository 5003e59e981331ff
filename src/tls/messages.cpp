#include "tls/messages.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <set>

#include "tls/alerts.h"
#include "tls/extension_block.h"

namespace sslp11::tls {

namespace {

void expect_empty_extension(ByteReader& data, const char* name) {
  if (!data.empty()) throw DecodeError(std::string(name) + " must be empty");
}

// RFC 5746: in an initial handshake renegotiated_connection is empty.
void read_initial_renegotiation_info(ByteReader& data) {
  ByteReader inner = data.vec8("renegotiation_info");
  if (!inner.empty()) {
    throw TlsFailure(AlertDescription::handshake_failure, "renegotiation_info is not empty in an initial handshake");
  }
}

KeyShare read_key_share(ByteReader& r) {
  KeyShare k;
  k.group = r.u16();
  ByteReader value = r.vec16("key_exchange");
  if (value.empty()) throw DecodeError("an empty key_exchange in key_share");
  k.key_exchange = copy(value.rest());
  return k;
}

void write_key_share(ByteWriter& w, const KeyShare& k) { w.u16(k.group).vec16(k.key_exchange); }

Bytes pre_shared_key_extension(const std::vector<PskOffer>& psks) {
  ByteWriter identities, binders;
  for (const PskOffer& p : psks) {
    identities.vec16(p.identity).u32(p.obfuscated_ticket_age);
    binders.vec8(p.binder);
  }
  ByteWriter d;
  d.vec16(identities.data()).vec16(binders.data());
  return d.take();
}

std::vector<PskOffer> read_pre_shared_key(ByteReader& data) {
  std::vector<PskOffer> out;
  ByteReader identities = data.vec16("PSK identities");
  while (!identities.empty()) {
    PskOffer p;
    ByteReader id = identities.vec16("PSK identity");
    if (id.empty()) throw DecodeError("an empty PSK identity");
    p.identity = copy(id.rest());
    p.obfuscated_ticket_age = identities.u32();
    out.push_back(std::move(p));
  }
  ByteReader binders = data.vec16("PSK binders");
  std::size_t i = 0;
  while (!binders.empty()) {
    ByteReader b = binders.vec8("PSK binder");
    if (b.remaining() < 32) throw DecodeError("a PSK binder shorter than 32 bytes");
    if (i >= out.size()) throw TlsFailure(AlertDescription::illegal_parameter, "more PSK binders than identities");
    out[i++].binder = copy(b.rest());
  }
  if (out.empty() || i != out.size()) {
    throw TlsFailure(AlertDescription::illegal_parameter, "pre_shared_key needs one binder per identity, at least one");
  }
  return out;
}

Bytes read_cookie(ByteReader& data) {
  ByteReader c = data.vec16("cookie");
  if (c.empty()) throw DecodeError("an empty cookie");
  return copy(c.rest());
}

Bytes read_ec_point_formats(ByteReader& data) {
  ByteReader formats = data.vec8("ec_point_formats");
  if (formats.empty()) throw DecodeError("ec_point_formats is empty");
  return copy(formats.rest());
}

Random read_random(ByteReader& r) {
  Random out;
  const ByteView b = r.bytes(out.size());
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

Bytes read_session_id(ByteReader& r) {
  ByteReader id = r.vec8("session_id");
  if (id.remaining() > 32) throw DecodeError("session_id is longer than 32 bytes");
  const ByteView b = id.rest();
  return Bytes(b.begin(), b.end());
}

}  // namespace

std::string handshake_type_name(std::uint8_t type) {
  switch (type) {
    case handshake_type::hello_request: return "HelloRequest";
    case handshake_type::client_hello: return "ClientHello";
    case handshake_type::server_hello: return "ServerHello";
    case handshake_type::new_session_ticket: return "NewSessionTicket";
    case handshake_type::end_of_early_data: return "EndOfEarlyData";
    case handshake_type::encrypted_extensions: return "EncryptedExtensions";
    case handshake_type::key_update: return "KeyUpdate";
    case handshake_type::message_hash: return "message_hash";
    case handshake_type::certificate: return "Certificate";
    case handshake_type::server_key_exchange: return "ServerKeyExchange";
    case handshake_type::certificate_request: return "CertificateRequest";
    case handshake_type::server_hello_done: return "ServerHelloDone";
    case handshake_type::certificate_verify: return "CertificateVerify";
    case handshake_type::client_key_exchange: return "ClientKeyExchange";
    case handshake_type::finished: return "Finished";
    default: return "handshake message " + std::to_string(type);
  }
}

std::string group_name(std::uint16_t group) {
  switch (group) {
    case named_group::secp256r1: return "P-256";
    case named_group::secp384r1: return "P-384";
    case named_group::secp521r1: return "P-521";
    case named_group::x25519: return "x25519";
    case named_group::ffdhe2048: return "ffdhe2048";
    case named_group::ffdhe3072: return "ffdhe3072";
    case named_group::ffdhe4096: return "ffdhe4096";
    default: return "group " + std::to_string(group);
  }
}

std::string group_names(const std::vector<std::uint16_t>& groups) {
  std::string s;
  for (std::uint16_t g : groups) s += (s.empty() ? "" : ", ") + group_name(g);
  return s.empty() ? "none" : s;
}

std::string signature_scheme_name(std::uint16_t scheme) {
  switch (scheme) {
    case signature_scheme::rsa_pkcs1_sha1: return "rsa_pkcs1_sha1";
    case signature_scheme::ecdsa_sha1: return "ecdsa_sha1";
    case signature_scheme::rsa_pkcs1_sha256: return "rsa_pkcs1_sha256";
    case signature_scheme::ecdsa_secp256r1_sha256: return "ecdsa_secp256r1_sha256";
    case signature_scheme::rsa_pkcs1_sha384: return "rsa_pkcs1_sha384";
    case signature_scheme::ecdsa_secp384r1_sha384: return "ecdsa_secp384r1_sha384";
    case signature_scheme::rsa_pkcs1_sha512: return "rsa_pkcs1_sha512";
    case signature_scheme::ecdsa_secp521r1_sha512: return "ecdsa_secp521r1_sha512";
    case signature_scheme::rsa_pss_rsae_sha256: return "rsa_pss_rsae_sha256";
    case signature_scheme::rsa_pss_rsae_sha384: return "rsa_pss_rsae_sha384";
    case signature_scheme::rsa_pss_rsae_sha512: return "rsa_pss_rsae_sha512";
    case signature_scheme::rsa_pss_pss_sha256: return "rsa_pss_pss_sha256";
    default: {
      char buf[24];
      std::snprintf(buf, sizeof buf, "scheme 0x%04x", scheme);
      return buf;
    }
  }
}

Bytes build_client_hello(const ClientHello& hello) {
  ByteWriter ext;
  if (hello.server_name) {
    ByteWriter entry;
    entry.u8(0).vec16(ByteView(reinterpret_cast<const std::uint8_t*>(hello.server_name->data()), hello.server_name->size()));
    ByteWriter list;
    list.vec16(entry.data());
    write_extension(ext, extension::server_name, list.data());
  }
  if (hello.has_supported_groups) {
    write_vec16_extension(ext, extension::supported_groups, u16_list_bytes(hello.supported_groups));
  }
  if (hello.has_ec_point_formats) {
    write_vec8_extension(ext, extension::ec_point_formats, hello.ec_point_formats);
  }
  if (hello.has_signature_algorithms) {
    write_vec16_extension(ext, extension::signature_algorithms, u16_list_bytes(hello.signature_algorithms));
  }
  if (hello.extended_master_secret) write_extension(ext, extension::extended_master_secret, {});
  if (hello.renegotiation_info) {
    const Bytes empty_renegotiated_connection{0};
    write_extension(ext, extension::renegotiation_info, empty_renegotiated_connection);
  }
  if (!hello.supported_versions.empty()) {
    write_vec8_extension(ext, extension::supported_versions, u16_list_bytes(hello.supported_versions));
  }
  if (hello.has_key_share) {
    ByteWriter shares;
    for (const KeyShare& k : hello.key_shares) write_key_share(shares, k);
    ByteWriter d;
    d.vec16(shares.data());
    write_extension(ext, extension::key_share, d.data());
  }
  if (!hello.psk_modes.empty()) {
    write_vec8_extension(ext, extension::psk_key_exchange_modes, hello.psk_modes);
  }
  if (hello.post_handshake_auth) write_extension(ext, extension::post_handshake_auth, {});
  if (hello.cookie) {
    write_vec16_extension(ext, extension::cookie, *hello.cookie);
  }
  if (!hello.psks.empty()) write_extension(ext, extension::pre_shared_key, pre_shared_key_extension(hello.psks));
  ByteWriter w;
  w.u16(hello.version).bytes(hello.random).vec8(hello.session_id).vec16(u16_list_bytes(hello.cipher_suites));
  w.vec8(hello.compression_methods);
  if (!ext.data().empty()) w.vec16(ext.data());
  return w.take();
}

ClientHello parse_client_hello(ByteView body) {
  ByteReader r(body, "ClientHello");
  ClientHello h;
  h.version = r.u16();
  h.random = read_random(r);
  h.session_id = read_session_id(r);
  h.cipher_suites = u16_list(r.vec16("cipher_suites"), "cipher_suites");
  ByteReader compression = r.vec8("compression_methods");
  if (compression.empty()) throw DecodeError("compression_methods is empty");
  const ByteView c = compression.rest();
  h.compression_methods.assign(c.begin(), c.end());
  h.renegotiation_info =
      std::find(h.cipher_suites.begin(), h.cipher_suites.end(), kRenegotiationScsv) != h.cipher_suites.end();
  for_each_extension(r, h.extensions_seen, [&h](std::uint16_t type, ByteReader& data) {
    switch (type) {
      case extension::server_name: {
        ByteReader list = data.vec16("server_name list");
        while (!list.empty()) {
          const std::uint8_t name_type = list.u8();
          ByteReader name = list.vec16("server name");
          if (name_type == 0 && !h.server_name) {
            const ByteView n = name.rest();
            if (n.empty()) throw DecodeError("empty host_name in server_name");
            h.server_name = std::string(n.begin(), n.end());
          }
        }
        break;
      }
      case extension::supported_groups:
        h.has_supported_groups = true;
        h.supported_groups = u16_list(data.vec16("supported_groups"), "supported_groups");
        break;
      case extension::ec_point_formats: {
        h.has_ec_point_formats = true;
        h.ec_point_formats = read_ec_point_formats(data);
        break;
      }
      case extension::signature_algorithms:
        h.has_signature_algorithms = true;
        h.signature_algorithms = u16_list(data.vec16("signature_algorithms"), "signature_algorithms");
        break;
      case extension::extended_master_secret:
        expect_empty_extension(data, "extended_master_secret");
        h.extended_master_secret = true;
        break;
      case extension::renegotiation_info:
        read_initial_renegotiation_info(data);
        h.renegotiation_info = true;
        break;
      case extension::supported_versions: {
        ByteReader list = data.vec8("supported_versions");
        if (list.empty() || list.remaining() % 2 != 0) throw DecodeError("supported_versions is malformed");
        while (!list.empty()) h.supported_versions.push_back(list.u16());
        break;
      }
      case extension::key_share: {
        h.has_key_share = true;
        ByteReader shares = data.vec16("client_shares");
        std::set<std::uint16_t> groups;
        while (!shares.empty()) {
          KeyShare k = read_key_share(shares);
          if (!groups.insert(k.group).second) {
            throw TlsFailure(AlertDescription::illegal_parameter, "key_share offers " + group_name(k.group) + " twice");
          }
          h.key_shares.push_back(std::move(k));
        }
        break;
      }
      case extension::psk_key_exchange_modes: {
        ByteReader modes = data.vec8("psk_key_exchange_modes");
        if (modes.empty()) throw DecodeError("psk_key_exchange_modes is empty");
        h.psk_modes = copy(modes.rest());
        break;
      }
      case extension::cookie:
        h.cookie = read_cookie(data);
        break;
      case extension::post_handshake_auth:
        expect_empty_extension(data, "post_handshake_auth");
        h.post_handshake_auth = true;
        break;
      case extension::pre_shared_key:
        h.psks = read_pre_shared_key(data);
        break;
      default:
        data.bytes(data.remaining());  // extensions we do not use are ignored
        break;
    }
  });
  // RFC 8446 §4.2.11: pre_shared_key must be the last extension.
  if (!h.psks.empty() && h.extensions_seen.back() != extension::pre_shared_key) {
    throw TlsFailure(AlertDescription::illegal_parameter, "pre_shared_key is not the last extension of the ClientHello");
  }
  return h;
}

std::size_t binders_bytes(const ClientHello& hello) {
  if (hello.psks.empty()) return 0;
  std::size_t n = 2;
  for (const PskOffer& p : hello.psks) n += 1 + p.binder.size();
  return n;
}

// SHA-256("HelloRetryRequest").
const Random kHelloRetryRandom{0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C,
                               0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB,
                               0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};
const std::array<std::uint8_t, 8> kDowngradeTls12{0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01};

bool is_hello_retry_request(const ServerHello& hello) { return hello.random == kHelloRetryRandom; }

bool has_downgrade_sentinel(const Random& random) {
  // Either sentinel (…01 for TLS 1.2, …00 for older): the first 7 bytes match.
  return std::equal(kDowngradeTls12.begin(), kDowngradeTls12.end() - 1, random.end() - 8) &&
         (random[31] == 0x00 || random[31] == 0x01);
}

Bytes build_server_hello(const ServerHello& hello) {
  ByteWriter ext;
  if (hello.server_name_ack) write_extension(ext, extension::server_name, {});
  if (hello.renegotiation_info) {
    const Bytes empty_renegotiated_connection{0};
    write_extension(ext, extension::renegotiation_info, empty_renegotiated_connection);
  }
  if (hello.extended_master_secret) write_extension(ext, extension::extended_master_secret, {});
  if (hello.has_ec_point_formats) {
    write_vec8_extension(ext, extension::ec_point_formats, hello.ec_point_formats);
  }
  if (hello.selected_version) {
    write_u16_extension(ext, extension::supported_versions, *hello.selected_version);
  }
  if (hello.key_share) {
    ByteWriter d;
    write_key_share(d, *hello.key_share);
    write_extension(ext, extension::key_share, d.data());
  } else if (hello.hrr_group) {
    write_u16_extension(ext, extension::key_share, *hello.hrr_group);
  }
  if (hello.selected_psk) {
    write_u16_extension(ext, extension::pre_shared_key, *hello.selected_psk);
  }
  if (hello.cookie) {
    write_vec16_extension(ext, extension::cookie, *hello.cookie);
  }
  ByteWriter w;
  w.u16(hello.version).bytes(hello.random).vec8(hello.session_id).u16(hello.cipher_suite).u8(hello.compression_method);
  if (!ext.data().empty()) w.vec16(ext.data());
  return w.take();
}

ServerHello parse_server_hello(ByteView body) {
  ByteReader r(body, "ServerHello");
  ServerHello h;
  h.version = r.u16();
  h.random = read_random(r);
  h.session_id = read_session_id(r);
  h.cipher_suite = r.u16();
  h.compression_method = r.u8();
  const bool hello_retry = is_hello_retry_request(h);
  for_each_extension(r, h.extensions_seen, [&h, hello_retry](std::uint16_t type, ByteReader& data) {
    switch (type) {
      case extension::server_name:
        expect_empty_extension(data, "server_name in ServerHello");
        h.server_name_ack = true;
        break;
      case extension::extended_master_secret:
        expect_empty_extension(data, "extended_master_secret");
        h.extended_master_secret = true;
        break;
      case extension::renegotiation_info:
        read_initial_renegotiation_info(data);
        h.renegotiation_info = true;
        break;
      case extension::ec_point_formats: {
        h.has_ec_point_formats = true;
        h.ec_point_formats = read_ec_point_formats(data);
        break;
      }
      case extension::supported_versions:
        h.selected_version = data.u16();
        break;
      case extension::key_share:
        if (hello_retry) {
          h.hrr_group = data.u16();
        } else {
          h.key_share = read_key_share(data);
        }
        break;
      case extension::pre_shared_key:
        h.selected_psk = data.u16();
        break;
      case extension::cookie:
        h.cookie = read_cookie(data);
        break;
      default:
        // The caller decides whether an extension it did not offer is an error.
        data.bytes(data.remaining());
        break;
    }
  });
  return h;
}

Bytes build_certificate(const std::vector<Bytes>& chain) {
  ByteWriter list;
  for (const Bytes& cert : chain) list.vec24(cert);
  ByteWriter w;
  w.vec24(list.data());
  return w.take();
}

std::vector<Bytes> parse_certificate(ByteView body, std::size_t max_certificates) {
  ByteReader r(body, "Certificate");
  ByteReader list = r.vec24("certificate_list");
  r.expect_end();
  std::vector<Bytes> chain;
  while (!list.empty()) {
    if (chain.size() == max_certificates) {
      throw TlsFailure(AlertDescription::bad_certificate,
                       "the certificate chain has more than " + std::to_string(max_certificates) + " certificates");
    }
    ByteReader cert = list.vec24("certificate");
    if (cert.empty()) throw DecodeError("an empty certificate in the chain");
    const ByteView c = cert.rest();
    chain.emplace_back(c.begin(), c.end());
  }
  return chain;
}

Bytes build_ecdhe_params(const EcdheParams& p) {
  ByteWriter w;
  w.u8(3 /* named_curve */).u16(p.group).vec8(p.point);
  return w.take();
}

Bytes build_dhe_params(const DheParams& p) {
  ByteWriter w;
  w.vec16(p.p).vec16(p.g).vec16(p.ys);
  return w.take();
}

Bytes build_server_key_exchange(ByteView params, std::uint16_t scheme, ByteView signature) {
  ByteWriter w;
  w.bytes(params).u16(scheme).vec16(signature);
  return w.take();
}

ServerKeyExchange parse_server_key_exchange(ByteView body, KeyExchangeKind kind) {
  ByteReader r(body, "ServerKeyExchange");
  ServerKeyExchange ske;
  ske.kind = kind;
  const std::size_t before = r.remaining();
  if (kind == KeyExchangeKind::ecdhe) {
    const std::uint8_t curve_type = r.u8();
    if (curve_type != 3) {
      throw TlsFailure(AlertDescription::illegal_parameter,
                       "ServerKeyExchange uses curve type " + std::to_string(curve_type) + ", not named_curve");
    }
    ske.ecdhe.group = r.u16();
    ByteReader point = r.vec8("ECDH point");
    if (point.empty()) throw DecodeError("the ECDH point is empty");
    const ByteView pt = point.rest();
    ske.ecdhe.point.assign(pt.begin(), pt.end());
  } else if (kind == KeyExchangeKind::dhe) {
    for (Bytes* field : {&ske.dhe.p, &ske.dhe.g, &ske.dhe.ys}) {
      ByteReader v = r.vec16("DH parameter");
      if (v.empty()) throw DecodeError("an empty DH parameter");
      const ByteView b = v.rest();
      field->assign(b.begin(), b.end());
    }
  } else {
    throw TlsFailure(AlertDescription::unexpected_message, "RSA key exchange has no ServerKeyExchange");
  }
  const std::size_t params_len = before - r.remaining();
  ske.params.assign(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(params_len));
  ske.signature_scheme = r.u16();
  ByteReader sig = r.vec16("signature");
  if (sig.empty()) throw DecodeError("the ServerKeyExchange signature is empty");
  const ByteView s = sig.rest();
  ske.signature.assign(s.begin(), s.end());
  r.expect_end();
  return ske;
}

CertificateRequest parse_certificate_request(ByteView body) {
  ByteReader r(body, "CertificateRequest");
  CertificateRequest req;
  ByteReader types = r.vec8("certificate_types");
  if (types.empty()) throw DecodeError("certificate_types is empty");
  const ByteView t = types.rest();
  req.certificate_types.assign(t.begin(), t.end());
  req.signature_algorithms = u16_list(r.vec16("supported_signature_algorithms"), "supported_signature_algorithms");
  req.authorities = parse_authority_names(r.vec16("certificate_authorities"));
  r.expect_end();
  return req;
}

Bytes build_certificate_request(const CertificateRequest& request) {
  ByteWriter w;
  w.vec8(request.certificate_types).vec16(u16_list_bytes(request.signature_algorithms));
  w.vec16(build_authority_names(request.authorities));
  return w.take();
}

Bytes build_authority_names(const std::vector<Bytes>& names) {
  ByteWriter w;
  for (const Bytes& name : names) w.vec16(name);
  return w.take();
}

std::vector<Bytes> parse_authority_names(ByteReader list) {
  std::vector<Bytes> names;
  while (!list.empty()) {
    ByteReader name = list.vec16("distinguished name");
    if (name.empty()) throw DecodeError("a certificate authority's distinguished name is empty");
    names.push_back(copy(name.rest()));
  }
  return names;
}

void parse_server_hello_done(ByteView body) {
  if (!body.empty()) throw DecodeError("ServerHelloDone is not empty");
}

Bytes build_client_key_exchange(KeyExchangeKind kind, ByteView value) {
  ByteWriter w;
  if (kind == KeyExchangeKind::ecdhe) {
    w.vec8(value);
  } else {
    w.vec16(value);
  }
  return w.take();
}

Bytes parse_client_key_exchange(ByteView body, KeyExchangeKind kind) {
  ByteReader r(body, "ClientKeyExchange");
  ByteReader v = kind == KeyExchangeKind::ecdhe ? r.vec8("ECDH point") : r.vec16("exchange value");
  r.expect_end();
  if (v.empty()) throw DecodeError("the ClientKeyExchange value is empty");
  const ByteView b = v.rest();
  return Bytes(b.begin(), b.end());
}

Bytes parse_finished(ByteView body) {
  if (body.size() != kVerifyDataBytes) {
    throw DecodeError("Finished carries " + std::to_string(body.size()) + " bytes of verify_data, not 12");
  }
  return Bytes(body.begin(), body.end());
}

}  // namespace sslp11::tls
