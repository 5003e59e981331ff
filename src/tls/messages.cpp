#include "tls/messages.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <set>

#include "tls/alerts.h"

namespace sslp11::tls {

namespace {

std::vector<std::uint16_t> u16_list(ByteReader r, const char* what) {
  if (r.remaining() == 0 || r.remaining() % 2 != 0) {
    throw DecodeError(std::string(what) + " must be a non-empty list of 16-bit values");
  }
  std::vector<std::uint16_t> out;
  while (!r.empty()) out.push_back(r.u16());
  return out;
}

Bytes u16_list_bytes(const std::vector<std::uint16_t>& values) {
  ByteWriter w;
  for (std::uint16_t v : values) w.u16(v);
  return w.take();
}

// Walks an extensions block: each extension once, its data as its own reader.
void for_each_extension(ByteReader& message, std::vector<std::uint16_t>& seen,
                        const std::function<void(std::uint16_t, ByteReader&)>& on_extension) {
  if (message.empty()) return;  // extensions are optional
  ByteReader block = message.vec16("extensions");
  std::set<std::uint16_t> types;
  while (!block.empty()) {
    const std::uint16_t type = block.u16();
    ByteReader data = block.vec16("extension " + std::to_string(type));
    if (!types.insert(type).second) {
      throw TlsFailure(AlertDescription::illegal_parameter, "extension " + std::to_string(type) + " appears twice");
    }
    seen.push_back(type);
    on_extension(type, data);
    data.expect_end();
  }
  message.expect_end();
}

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

void write_extension(ByteWriter& w, std::uint16_t type, ByteView data) { w.u16(type).vec16(data); }

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
    ByteWriter d;
    d.vec16(u16_list_bytes(hello.supported_groups));
    write_extension(ext, extension::supported_groups, d.data());
  }
  if (hello.has_ec_point_formats) {
    ByteWriter d;
    d.vec8(hello.ec_point_formats);
    write_extension(ext, extension::ec_point_formats, d.data());
  }
  if (hello.has_signature_algorithms) {
    ByteWriter d;
    d.vec16(u16_list_bytes(hello.signature_algorithms));
    write_extension(ext, extension::signature_algorithms, d.data());
  }
  if (hello.extended_master_secret) write_extension(ext, extension::extended_master_secret, {});
  if (hello.renegotiation_info) {
    const Bytes empty_renegotiated_connection{0};
    write_extension(ext, extension::renegotiation_info, empty_renegotiated_connection);
  }
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
        ByteReader formats = data.vec8("ec_point_formats");
        if (formats.empty()) throw DecodeError("ec_point_formats is empty");
        const ByteView f = formats.rest();
        h.ec_point_formats.assign(f.begin(), f.end());
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
      default:
        data.bytes(data.remaining());  // extensions we do not use are ignored
        break;
    }
  });
  return h;
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
    ByteWriter d;
    d.vec8(hello.ec_point_formats);
    write_extension(ext, extension::ec_point_formats, d.data());
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
  for_each_extension(r, h.extensions_seen, [&h](std::uint16_t type, ByteReader& data) {
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
        ByteReader formats = data.vec8("ec_point_formats");
        if (formats.empty()) throw DecodeError("ec_point_formats is empty");
        const ByteView f = formats.rest();
        h.ec_point_formats.assign(f.begin(), f.end());
        break;
      }
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
  ByteReader authorities = r.vec16("certificate_authorities");
  while (!authorities.empty()) {
    authorities.vec16("distinguished name");
    ++req.authorities;
  }
  r.expect_end();
  return req;
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
