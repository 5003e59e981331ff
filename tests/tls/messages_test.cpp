// Handshake message builders and parsers (src/tls/messages.cpp) with crafted
// bytes: round trips, every truncation, trailing bytes, lengths that point
// past the end, and illegal-but-well-formed content. No token involved.
#include <gtest/gtest.h>

#include "tls/alerts.h"
#include "tls/messages.h"

namespace sslp11::tls {
namespace {

ClientHello full_client_hello() {
  ClientHello h;
  for (std::size_t i = 0; i < h.random.size(); ++i) h.random[i] = static_cast<std::uint8_t>(i);
  h.session_id = Bytes(32, 0xAB);
  h.cipher_suites = {0xC02F, 0x009C};
  h.server_name = "localhost";
  h.has_supported_groups = true;
  h.supported_groups = {23, 24};
  h.has_ec_point_formats = true;
  h.ec_point_formats = {0};
  h.has_signature_algorithms = true;
  h.signature_algorithms = {0x0403, 0x0804, 0x0401};
  h.extended_master_secret = true;
  h.renegotiation_info = true;
  return h;
}

ServerHello full_server_hello() {
  ServerHello h;
  h.random.fill(7);
  h.session_id = Bytes(32, 1);
  h.cipher_suite = 0xC02F;
  h.extended_master_secret = true;
  h.renegotiation_info = true;
  h.has_ec_point_formats = true;
  h.ec_point_formats = {0};
  return h;
}

// Every proper prefix of a valid body must be refused as truncated, except
// `complete_without_extensions`: a hello cut right before its extensions
// block is a valid hello without extensions.
template <class Parse>
void expect_every_prefix_rejected(const Bytes& body, Parse parse, std::size_t complete_without_extensions = 0) {
  for (std::size_t n = 0; n < body.size(); ++n) {
    if (n != 0 && n == complete_without_extensions) {
      EXPECT_NO_THROW(parse(ByteView(body.data(), n)));
      continue;
    }
    const ByteView prefix(body.data(), n);
    EXPECT_THROW(parse(prefix), DecodeError) << "prefix of " << n << " of " << body.size() << " bytes";
  }
}

TEST(ClientHelloTest, RoundTripsEveryField) {
  const ClientHello h = full_client_hello();
  const ClientHello p = parse_client_hello(build_client_hello(h));
  EXPECT_EQ(p.version, kTls12);
  EXPECT_EQ(p.random, h.random);
  EXPECT_EQ(p.session_id, h.session_id);
  EXPECT_EQ(p.cipher_suites, h.cipher_suites);
  EXPECT_EQ(p.compression_methods, Bytes{0});
  EXPECT_EQ(p.server_name, h.server_name);
  EXPECT_EQ(p.supported_groups, h.supported_groups);
  EXPECT_EQ(p.ec_point_formats, h.ec_point_formats);
  EXPECT_EQ(p.signature_algorithms, h.signature_algorithms);
  EXPECT_TRUE(p.extended_master_secret);
  EXPECT_TRUE(p.renegotiation_info);
  EXPECT_EQ(p.extensions_seen.size(), 6u);
}

TEST(ClientHelloTest, KnownBytes) {
  ClientHello h;
  h.random.fill(0);
  h.cipher_suites = {0x009C};
  h.extended_master_secret = true;
  Bytes expected{0x03, 0x03};
  expected.insert(expected.end(), 32, 0);
  expected.insert(expected.end(), {0x00, 0x00, 0x02, 0x00, 0x9C, 0x01, 0x00, 0x00, 0x04, 0x00, 0x17, 0x00, 0x00});
  EXPECT_EQ(build_client_hello(h), expected);
}

TEST(ClientHelloTest, EveryTruncationIsADecodeError) {
  const Bytes body = build_client_hello(full_client_hello());
  // version, random, session_id, 2 suites, 1 compression method
  const std::size_t without_extensions = 2 + 32 + 1 + 32 + 2 + 4 + 1 + 1;
  expect_every_prefix_rejected(body, [](ByteView b) { parse_client_hello(b); }, without_extensions);
}

TEST(ClientHelloTest, TrailingBytesAreADecodeError) {
  Bytes body = build_client_hello(full_client_hello());
  body.push_back(0);
  EXPECT_THROW(parse_client_hello(body), DecodeError);
}

TEST(ClientHelloTest, NoExtensionsAtAllIsFine) {
  ClientHello h;
  h.cipher_suites = {0x002F, kRenegotiationScsv};
  const ClientHello p = parse_client_hello(build_client_hello(h));
  EXPECT_TRUE(p.extensions_seen.empty());
  EXPECT_TRUE(p.renegotiation_info) << "the SCSV signals secure renegotiation";
  EXPECT_FALSE(p.has_supported_groups);
}

TEST(ClientHelloTest, MalformedListsAreDecodeErrors) {
  ClientHello h = full_client_hello();
  Bytes body = build_client_hello(h);
  // The cipher_suites length sits after version(2) random(32) session_id(1+32).
  const std::size_t at = 2 + 32 + 1 + 32;
  Bytes odd = body;
  odd[at + 1] = 3;  // odd length: not a list of 16-bit values
  EXPECT_THROW(parse_client_hello(odd), DecodeError);
  Bytes past_end = body;
  past_end[at] = 0xFF;  // points far past the end
  EXPECT_THROW(parse_client_hello(past_end), DecodeError);
  Bytes long_id = body;
  long_id[34] = 33;  // session_id longer than 32
  EXPECT_THROW(parse_client_hello(long_id), DecodeError);
}

TEST(ClientHelloTest, DuplicateExtensionIsIllegal) {
  ClientHello h;
  h.cipher_suites = {0x009C};
  Bytes body = build_client_hello(h);
  // Append an extensions block with extended_master_secret twice.
  body.insert(body.end(), {0x00, 0x08, 0x00, 0x17, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00});
  try {
    parse_client_hello(body);
    FAIL() << "accepted a duplicate extension";
  } catch (const TlsFailure& e) {
    EXPECT_EQ(e.alert(), AlertDescription::illegal_parameter);
  }
}

TEST(ClientHelloTest, NonEmptyRenegotiationInfoFailsTheHandshake) {
  ClientHello h;
  h.cipher_suites = {0x009C};
  Bytes body = build_client_hello(h);
  body.insert(body.end(), {0x00, 0x06, 0xFF, 0x01, 0x00, 0x02, 0x01, 0xAA});
  try {
    parse_client_hello(body);
    FAIL() << "accepted renegotiation_info with data in an initial handshake";
  } catch (const TlsFailure& e) {
    EXPECT_EQ(e.alert(), AlertDescription::handshake_failure);
  }
}

TEST(ClientHelloTest, ExtensionWithDataWhereNoneIsAllowed) {
  ClientHello h;
  h.cipher_suites = {0x009C};
  Bytes body = build_client_hello(h);
  body.insert(body.end(), {0x00, 0x05, 0x00, 0x17, 0x00, 0x01, 0x00});  // EMS with one byte
  EXPECT_THROW(parse_client_hello(body), DecodeError);
}

TEST(ClientHelloTest, UnknownExtensionsAreSkipped) {
  ClientHello h;
  h.cipher_suites = {0x009C};
  Bytes body = build_client_hello(h);
  body.insert(body.end(), {0x00, 0x07, 0x12, 0x34, 0x00, 0x03, 0x01, 0x02, 0x03});
  const ClientHello p = parse_client_hello(body);
  EXPECT_EQ(p.extensions_seen, std::vector<std::uint16_t>{0x1234});
}

TEST(ServerHelloTest, RoundTripAndTruncation) {
  const Bytes body = build_server_hello(full_server_hello());
  const ServerHello p = parse_server_hello(body);
  EXPECT_EQ(p.cipher_suite, 0xC02F);
  EXPECT_EQ(p.session_id, Bytes(32, 1));
  EXPECT_TRUE(p.extended_master_secret);
  EXPECT_TRUE(p.renegotiation_info);
  EXPECT_TRUE(p.has_ec_point_formats);
  // version, random, session_id, suite, compression
  expect_every_prefix_rejected(body, [](ByteView b) { parse_server_hello(b); }, 2 + 32 + 1 + 32 + 2 + 1);
}

TEST(ServerHelloTest, WithoutExtensions) {
  ServerHello h;
  h.cipher_suite = 0x009C;
  const ServerHello p = parse_server_hello(build_server_hello(h));
  EXPECT_FALSE(p.extended_master_secret);
  EXPECT_TRUE(p.extensions_seen.empty());
}

TEST(CertificateTest, RoundTripAndLimits) {
  const std::vector<Bytes> chain{Bytes(300, 1), Bytes(5, 2)};
  const Bytes body = build_certificate(chain);
  EXPECT_EQ(parse_certificate(body), chain);
  expect_every_prefix_rejected(body, [](ByteView b) { parse_certificate(b); });
  EXPECT_TRUE(parse_certificate(build_certificate({})).empty());
  EXPECT_THROW(parse_certificate(build_certificate({Bytes{}})), DecodeError) << "an empty certificate";
  EXPECT_THROW(parse_certificate(build_certificate(std::vector<Bytes>(3, Bytes{1})), 2), TlsFailure);
  Bytes inner_too_long = body;
  inner_too_long[5] = 0xFF;  // first certificate claims more than the list holds
  EXPECT_THROW(parse_certificate(inner_too_long), DecodeError);
}

TEST(ServerKeyExchangeTest, EcdheKeepsTheSignedParams) {
  EcdheParams ec{23, Bytes(65, 4)};
  const Bytes params = build_ecdhe_params(ec);
  const Bytes body = build_server_key_exchange(params, 0x0804, Bytes(256, 9));
  const ServerKeyExchange ske = parse_server_key_exchange(body, KeyExchangeKind::ecdhe);
  EXPECT_EQ(ske.params, params);
  EXPECT_EQ(ske.ecdhe.group, 23);
  EXPECT_EQ(ske.ecdhe.point, ec.point);
  EXPECT_EQ(ske.signature_scheme, 0x0804);
  EXPECT_EQ(ske.signature, Bytes(256, 9));
  expect_every_prefix_rejected(body, [](ByteView b) { parse_server_key_exchange(b, KeyExchangeKind::ecdhe); });
}

TEST(ServerKeyExchangeTest, ExplicitCurvesAreRefused) {
  Bytes body = build_server_key_exchange(build_ecdhe_params({23, Bytes(65, 4)}), 0x0403, Bytes(70, 1));
  body[0] = 1;  // explicit_prime
  EXPECT_THROW(parse_server_key_exchange(body, KeyExchangeKind::ecdhe), TlsFailure);
}

TEST(ServerKeyExchangeTest, Dhe) {
  DheParams dh{Bytes(256, 0xFF), Bytes{2}, Bytes(256, 3)};
  const Bytes params = build_dhe_params(dh);
  const Bytes body = build_server_key_exchange(params, 0x0401, Bytes(256, 5));
  const ServerKeyExchange ske = parse_server_key_exchange(body, KeyExchangeKind::dhe);
  EXPECT_EQ(ske.params, params);
  EXPECT_EQ(ske.dhe.p, dh.p);
  EXPECT_EQ(ske.dhe.g, dh.g);
  EXPECT_EQ(ske.dhe.ys, dh.ys);
  expect_every_prefix_rejected(body, [](ByteView b) { parse_server_key_exchange(b, KeyExchangeKind::dhe); });
}

TEST(ClientKeyExchangeTest, LengthPrefixesPerKeyExchange) {
  EXPECT_EQ(build_client_key_exchange(KeyExchangeKind::ecdhe, Bytes{1, 2}), (Bytes{2, 1, 2}));
  EXPECT_EQ(build_client_key_exchange(KeyExchangeKind::rsa, Bytes{1, 2}), (Bytes{0, 2, 1, 2}));
  EXPECT_EQ(parse_client_key_exchange(Bytes{0, 2, 1, 2}, KeyExchangeKind::dhe), (Bytes{1, 2}));
  EXPECT_THROW(parse_client_key_exchange(Bytes{0, 2, 1, 2, 3}, KeyExchangeKind::rsa), DecodeError);
  EXPECT_THROW(parse_client_key_exchange(Bytes{0, 3, 1, 2}, KeyExchangeKind::rsa), DecodeError);
  EXPECT_THROW(parse_client_key_exchange(Bytes{0}, KeyExchangeKind::ecdhe), DecodeError);
  EXPECT_THROW(parse_client_key_exchange(Bytes{}, KeyExchangeKind::ecdhe), DecodeError);
}

TEST(FinishedTest, ExactlyTwelveBytes) {
  EXPECT_EQ(parse_finished(Bytes(12, 1)).size(), 12u);
  EXPECT_THROW(parse_finished(Bytes(11, 1)), DecodeError);
  EXPECT_THROW(parse_finished(Bytes(13, 1)), DecodeError);
}

TEST(CertificateRequestTest, ParsesAndRejectsGarbage) {
  const Bytes body{1, 1, 0, 4, 4, 1, 4, 3, 0, 5, 0, 3, 0x30, 1, 0};
  const CertificateRequest r = parse_certificate_request(body);
  EXPECT_EQ(r.certificate_types, Bytes{1});
  EXPECT_EQ(r.signature_algorithms, (std::vector<std::uint16_t>{0x0401, 0x0403}));
  EXPECT_EQ(r.authorities, std::vector<Bytes>{(Bytes{0x30, 1, 0})});
  expect_every_prefix_rejected(body, [](ByteView b) { parse_certificate_request(b); });
  // An empty DistinguishedName is malformed (RFC 5246 §7.4.4: <1..2^16-1>).
  EXPECT_THROW(parse_certificate_request(Bytes{1, 1, 0, 2, 4, 1, 0, 2, 0, 0}), DecodeError);
}

TEST(CertificateRequestTest, BuildsTheCertificateAuthoritiesItIsGiven) {
  const CertificateRequest request{{1, 64}, {0x0401}, {Bytes{0x30, 0}, Bytes{0x30, 3, 1, 2, 3}}};
  const Bytes body = build_certificate_request(request);
  EXPECT_EQ(body, (Bytes{2, 1, 64, 0, 2, 4, 1, 0, 11, 0, 2, 0x30, 0, 0, 5, 0x30, 3, 1, 2, 3}));
  EXPECT_EQ(parse_certificate_request(body).authorities, request.authorities);
  EXPECT_EQ(build_certificate_request({{1}, {0x0401}, {}}), (Bytes{1, 1, 0, 2, 4, 1, 0, 0}));
}

TEST(ServerHelloDoneTest, MustBeEmpty) {
  EXPECT_NO_THROW(parse_server_hello_done({}));
  EXPECT_THROW(parse_server_hello_done(Bytes{0}), DecodeError);
}

TEST(AlertTest, Parse) {
  const Alert a = parse_alert(Bytes{2, 20});
  EXPECT_EQ(a.level, AlertLevel::fatal);
  EXPECT_EQ(a.description, AlertDescription::bad_record_mac);
  EXPECT_EQ(encode_alert(a), (Bytes{2, 20}));
  EXPECT_THROW(parse_alert(Bytes{2}), DecodeError);
  EXPECT_THROW(parse_alert(Bytes{2, 20, 0}), DecodeError);
  EXPECT_THROW(parse_alert(Bytes{3, 20}), DecodeError);
  EXPECT_EQ(alert_name(51), "decrypt_error");
  EXPECT_EQ(alert_name(200), "alert 200");
}

}  // namespace
}  // namespace sslp11::tls
