#include "tls/messages13.h"

#include "tls/alerts.h"
#include "tls/extension_block.h"
#include "tls/messages.h"

namespace sslp11::tls {

namespace {

Bytes empty_extensions() { return Bytes{0, 0}; }

}  // namespace

Bytes build_encrypted_extensions(const EncryptedExtensions& ee) {
  ByteWriter ext;
  if (ee.server_name_ack) write_extension(ext, extension::server_name, {});
  if (!ee.supported_groups.empty()) {
    write_vec16_extension(ext, extension::supported_groups, u16_list_bytes(ee.supported_groups));
  }
  ByteWriter w;
  w.vec16(ext.data());
  return w.take();
}

EncryptedExtensions parse_encrypted_extensions(ByteView body) {
  ByteReader r(body, "EncryptedExtensions");
  EncryptedExtensions ee;
  for_each_extension(
      r, ee.extensions_seen,
      [&ee](std::uint16_t type, ByteReader& data) {
        switch (type) {
          case extension::server_name:
            if (!data.empty()) throw DecodeError("server_name in EncryptedExtensions must be empty");
            ee.server_name_ack = true;
            break;
          case extension::supported_groups:
            ee.supported_groups = u16_list(data.vec16("supported_groups"), "supported_groups");
            break;
          // RFC 8446 §4.2: these belong to the ServerHello or other messages.
          case extension::key_share:
          case extension::supported_versions:
          case extension::pre_shared_key:
          case extension::psk_key_exchange_modes:
          case extension::cookie:
          case extension::signature_algorithms:
            throw TlsFailure(AlertDescription::illegal_parameter,
                             "extension " + std::to_string(type) + " may not appear in EncryptedExtensions");
          default:
            data.bytes(data.remaining());  // the caller decides about extensions it did not offer
            break;
        }
      },
      Block::required);
  return ee;
}

Bytes build_certificate_request13(const CertificateRequest13& request) {
  ByteWriter algorithms;
  algorithms.vec16(u16_list_bytes(request.signature_algorithms));
  ByteWriter ext;
  write_extension(ext, extension::signature_algorithms, algorithms.data());
  if (!request.authorities.empty()) {
    ByteWriter authorities;
    authorities.vec16(build_authority_names(request.authorities));
    write_extension(ext, extension::certificate_authorities, authorities.data());
  }
  ByteWriter w;
  w.vec8(request.context).vec16(ext.data());
  return w.take();
}

CertificateRequest13 parse_certificate_request13(ByteView body) {
  ByteReader r(body, "CertificateRequest");
  CertificateRequest13 req;
  req.context = copy(r.vec8("certificate_request_context").rest());
  std::vector<std::uint16_t> seen;
  for_each_extension(
      r, seen,
      [&req](std::uint16_t type, ByteReader& data) {
        if (type == extension::signature_algorithms) {
          req.signature_algorithms = u16_list(data.vec16("signature_algorithms"), "signature_algorithms");
        } else if (type == extension::certificate_authorities) {
          req.authorities = parse_authority_names(data.vec16("certificate_authorities"));
          if (req.authorities.empty()) throw DecodeError("certificate_authorities is empty");
        } else {
          data.bytes(data.remaining());
        }
      },
      Block::required);
  if (req.signature_algorithms.empty()) {
    throw TlsFailure(AlertDescription::missing_extension, "CertificateRequest lacks signature_algorithms");
  }
  return req;
}

Bytes build_certificate13(const Certificate13& certificate) {
  ByteWriter list;
  for (const Bytes& cert : certificate.chain) list.vec24(cert).bytes(empty_extensions());
  ByteWriter w;
  w.vec8(certificate.context).vec24(list.data());
  return w.take();
}

Certificate13 parse_certificate13(ByteView body, std::size_t max_certificates) {
  ByteReader r(body, "Certificate");
  Certificate13 c;
  c.context = copy(r.vec8("certificate_request_context").rest());
  ByteReader list = r.vec24("certificate_list");
  r.expect_end();
  while (!list.empty()) {
    if (c.chain.size() == max_certificates) {
      throw TlsFailure(AlertDescription::bad_certificate,
                       "the certificate chain has more than " + std::to_string(max_certificates) + " certificates");
    }
    ByteReader cert = list.vec24("certificate");
    if (cert.empty()) throw DecodeError("an empty certificate in the chain");
    c.chain.push_back(copy(cert.rest()));
    list.vec16("certificate entry extensions");  // OCSP/SCT entries: not used
  }
  return c;
}

Bytes build_certificate_verify(const CertificateVerify& verify) {
  ByteWriter w;
  w.u16(verify.scheme).vec16(verify.signature);
  return w.take();
}

CertificateVerify parse_certificate_verify(ByteView body) {
  ByteReader r(body, "CertificateVerify");
  CertificateVerify v;
  v.scheme = r.u16();
  ByteReader sig = r.vec16("signature");
  if (sig.empty()) throw DecodeError("the CertificateVerify signature is empty");
  v.signature = copy(sig.rest());
  r.expect_end();
  return v;
}

Bytes certificate_verify_content(Signer signer, ByteView transcript_hash) {
  ByteWriter w;
  w.bytes(Bytes(64, 0x20));
  w.bytes(signer == Signer::server ? std::string_view("TLS 1.3, server CertificateVerify")
                                   : std::string_view("TLS 1.3, client CertificateVerify"));
  w.u8(0).bytes(transcript_hash);
  return w.take();
}

Bytes build_new_session_ticket13(const NewSessionTicket13& ticket) {
  ByteWriter ext;
  if (ticket.max_early_data) {
    ByteWriter d;
    d.u32(*ticket.max_early_data);
    write_extension(ext, extension::early_data, d.data());
  }
  ByteWriter w;
  w.u32(ticket.lifetime).u32(ticket.age_add).vec8(ticket.nonce).vec16(ticket.ticket).vec16(ext.data());
  return w.take();
}

NewSessionTicket13 parse_new_session_ticket13(ByteView body) {
  ByteReader r(body, "NewSessionTicket");
  NewSessionTicket13 t;
  t.lifetime = r.u32();
  if (t.lifetime > kMaxTicketLifetime) {
    throw TlsFailure(AlertDescription::illegal_parameter, "a ticket lifetime longer than 7 days");
  }
  t.age_add = r.u32();
  t.nonce = copy(r.vec8("ticket_nonce").rest());
  ByteReader ticket = r.vec16("ticket");
  if (ticket.empty()) throw DecodeError("an empty ticket");
  t.ticket = copy(ticket.rest());
  std::vector<std::uint16_t> seen;
  for_each_extension(
      r, seen,
      [&t](std::uint16_t type, ByteReader& data) {
        if (type == extension::early_data) {
          t.max_early_data = data.u32();
        } else {
          data.bytes(data.remaining());
        }
      },
      Block::required);
  return t;
}

Bytes build_key_update(bool request_update) { return Bytes{static_cast<std::uint8_t>(request_update ? 1 : 0)}; }

bool parse_key_update(ByteView body) {
  if (body.size() != 1) throw DecodeError("KeyUpdate must carry exactly one byte");
  if (body[0] > 1) {
    throw TlsFailure(AlertDescription::illegal_parameter,
                     "KeyUpdate.request_update is " + std::to_string(body[0]) + ", neither 0 nor 1");
  }
  return body[0] == 1;
}

Bytes parse_finished13(ByteView body, std::size_t hash_bytes) {
  if (body.size() != hash_bytes) {
    throw DecodeError("Finished carries " + std::to_string(body.size()) + " bytes of verify_data, not " +
                      std::to_string(hash_bytes));
  }
  return copy(body);
}

}  // namespace sslp11::tls
