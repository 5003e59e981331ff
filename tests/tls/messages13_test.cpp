// TLS 1.3 message builders and parsers (src/tls/messages13.cpp and the
// TLS 1.3 hello extensions in messages.cpp) with crafted bytes: round trips,
// every truncation, trailing bytes, and well-formed but illegal content.
// The HelloRetryRequest random and the CertificateVerify content are checked
// against their definitions (SHA-256 by OpenSSL; RFC 8446 §4.4.3's layout).
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <cstdint>
#include <string>

#include "tls/alerts.h"
#include "tls/messages.h"
#include "tls/messages13.h"

namespace sslp11::tls {
namespace {

ClientHello tls13_client_hello() {
  ClientHello h;
  h.random.fill(0x11);
  h.session_id = Bytes(32, 0x22);  // middlebox compatibility mode
  h.cipher_suites = {0x1301, 0x1302, 0xC02F};
  h.has_supported_groups = true;
  h.supported_groups = {23, 24};
  h.has_signature_algorithms = true;
  h.signature_algorithms = {0x0403, 0x0804};
  h.supported_versions = {kTls13, kTls12};
  h.has_key_share = true;
  h.key_shares = {{23, Bytes(65, 0x04)}};
  h.psk_modes = {psk_mode::psk_dhe_ke};
  h.cookie = Bytes{1, 2, 3};
  h.post_handshake_auth = true;
  h.psks = {{Bytes{9, 9, 9}, 0x01020304, Bytes(32, 0x33)}, {Bytes{8}, 5, Bytes(48, 0x44)}};
  return h;
}

// `valid_cut`: a hello without its (optional) extension block is a valid hello.
template <class Parse>
void expect_every_truncation_fails(const Bytes& body, Parse parse, std::size_t valid_cut = SIZE_MAX) {
  for (std::size_t n = 0; n < body.size(); ++n) {
    if (n == valid_cut) continue;
    const ByteView cut(body.data(), n);
    EXPECT_ANY_THROW(parse(cut)) << "a body cut to " << n << " of " << body.size() << " bytes was accepted";
  }
  Bytes longer = body;
  longer.push_back(0);
  EXPECT_ANY_THROW(parse(ByteView(longer))) << "a trailing byte was accepted";
}

TEST(Tls13Hello, ClientHelloRoundTripsEveryExtension) {
  const ClientHello sent = tls13_client_hello();
  const Bytes body = build_client_hello(sent);
  const ClientHello got = parse_client_hello(body);
  EXPECT_EQ(got.supported_versions, sent.supported_versions);
  ASSERT_TRUE(got.has_key_share);
  ASSERT_EQ(got.key_shares.size(), 1u);
  EXPECT_EQ(got.key_shares[0].group, 23);
  EXPECT_EQ(got.key_shares[0].key_exchange, sent.key_shares[0].key_exchange);
  EXPECT_EQ(got.psk_modes, sent.psk_modes);
  EXPECT_EQ(got.cookie, sent.cookie);
  EXPECT_TRUE(got.post_handshake_auth);
  ClientHello without_pha = sent;
  without_pha.post_handshake_auth = false;
  EXPECT_FALSE(parse_client_hello(build_client_hello(without_pha)).post_handshake_auth);
  ASSERT_EQ(got.psks.size(), 2u);
  EXPECT_EQ(got.psks[0].identity, sent.psks[0].identity);
  EXPECT_EQ(got.psks[0].obfuscated_ticket_age, 0x01020304u);
  EXPECT_EQ(got.psks[1].binder, sent.psks[1].binder);
  EXPECT_EQ(got.extensions_seen.back(), extension::pre_shared_key);
  EXPECT_EQ(got.session_id, sent.session_id);
}

TEST(Tls13Hello, BindersAreTheTailOfTheClientHello) {
  const ClientHello h = tls13_client_hello();
  const Bytes body = build_client_hello(h);
  const std::size_t n = binders_bytes(h);
  EXPECT_EQ(n, 2u + 1 + 32 + 1 + 48);
  // The binder list starts right after the identities: its length prefix
  // says how many bytes follow, and they run to the end of the body.
  ASSERT_GT(body.size(), n);
  const std::size_t start = body.size() - n;
  EXPECT_EQ(static_cast<std::size_t>(be16(&body[start])), n - 2);
  EXPECT_EQ(body[start + 2], 32);
  EXPECT_EQ(binders_bytes(ClientHello{}), 0u);
}

// Where a hello's extension block starts: after the compression method(s).
std::size_t extensions_offset(const Bytes& hello, bool client) {
  ByteReader r(hello, "hello");
  r.u16();
  r.bytes(32);
  r.vec8("session_id");
  if (client) {
    r.vec16("cipher_suites");
    r.vec8("compression_methods");
  } else {
    r.u16();
    r.u8();
  }
  return hello.size() - r.remaining();
}

TEST(Tls13Hello, ClientHelloTruncationsFail) {
  const Bytes body = build_client_hello(tls13_client_hello());
  expect_every_truncation_fails(body, [](ByteView b) { return parse_client_hello(b); }, extensions_offset(body, true));
}

TEST(Tls13Hello, PreSharedKeyMustBeLast) {
  // A hello whose last extension is a cookie, with the PSK extension spliced
  // in before it.
  ClientHello h = tls13_client_hello();
  ClientHello no_psk = h;
  no_psk.psks.clear();
  no_psk.cookie = Bytes{7};
  const Bytes base = build_client_hello(no_psk);
  ByteWriter psk_ext;
  {
    ByteWriter ids, binders;
    for (const PskOffer& p : h.psks) {
      ids.vec16(p.identity).u32(p.obfuscated_ticket_age);
      binders.vec8(p.binder);
    }
    ByteWriter d;
    d.vec16(ids.data()).vec16(binders.data());
    psk_ext.u16(extension::pre_shared_key).vec16(d.data());
  }
  const Bytes cookie_ext{0x00, 0x2C, 0x00, 0x03, 0x00, 0x01, 0x07};
  ASSERT_GE(base.size(), cookie_ext.size());
  ASSERT_TRUE(std::equal(cookie_ext.begin(), cookie_ext.end(), base.end() - static_cast<std::ptrdiff_t>(cookie_ext.size())));
  Bytes spliced(base.begin(), base.end() - static_cast<std::ptrdiff_t>(cookie_ext.size()));
  spliced.insert(spliced.end(), psk_ext.data().begin(), psk_ext.data().end());
  spliced.insert(spliced.end(), cookie_ext.begin(), cookie_ext.end());
  // Fix the extensions block length: it follows the compression methods.
  const std::size_t block_at = extensions_offset(base, true);
  const std::size_t new_len = spliced.size() - block_at - 2;
  spliced[block_at] = static_cast<std::uint8_t>(new_len >> 8);
  spliced[block_at + 1] = static_cast<std::uint8_t>(new_len);
  try {
    parse_client_hello(spliced);
    FAIL() << "a pre_shared_key before another extension was accepted";
  } catch (const TlsFailure& e) {
    EXPECT_EQ(e.alert(), AlertDescription::illegal_parameter);
  }
}

TEST(Tls13Hello, BinderCountMustMatchIdentities) {
  ClientHello h = tls13_client_hello();
  h.cookie.reset();
  h.psks[1].binder.clear();  // builds a zero-length second binder: too short
  EXPECT_ANY_THROW(parse_client_hello(build_client_hello(h)));
}

TEST(Tls13Hello, DuplicateKeyShareGroupIsIllegal) {
  ClientHello h = tls13_client_hello();
  h.key_shares.push_back(h.key_shares[0]);
  try {
    parse_client_hello(build_client_hello(h));
    FAIL() << "two shares of one group were accepted";
  } catch (const TlsFailure& e) {
    EXPECT_EQ(e.alert(), AlertDescription::illegal_parameter);
  }
}

TEST(Tls13Hello, ServerHelloAndHelloRetryRequestRoundTrip) {
  ServerHello sh;
  sh.random.fill(5);
  sh.session_id = Bytes(32, 0x22);
  sh.cipher_suite = 0x1301;
  sh.selected_version = kTls13;
  sh.key_share = KeyShare{23, Bytes(65, 4)};
  sh.selected_psk = 0;
  const ServerHello got = parse_server_hello(build_server_hello(sh));
  EXPECT_EQ(got.selected_version, kTls13);
  ASSERT_TRUE(got.key_share);
  EXPECT_EQ(got.key_share->key_exchange, sh.key_share->key_exchange);
  EXPECT_EQ(got.selected_psk, 0);
  EXPECT_FALSE(is_hello_retry_request(got));

  ServerHello hrr;
  hrr.random = kHelloRetryRandom;
  hrr.cipher_suite = 0x1302;
  hrr.selected_version = kTls13;
  hrr.hrr_group = 24;
  hrr.cookie = Bytes{1, 2};
  const ServerHello parsed = parse_server_hello(build_server_hello(hrr));
  EXPECT_TRUE(is_hello_retry_request(parsed));
  EXPECT_EQ(parsed.hrr_group, 24);
  EXPECT_FALSE(parsed.key_share);
  EXPECT_EQ(parsed.cookie, hrr.cookie);
  const Bytes body = build_server_hello(sh);
  expect_every_truncation_fails(body, [](ByteView b) { return parse_server_hello(b); }, extensions_offset(body, false));
}

TEST(Tls13Hello, HelloRetryRandomIsSha256OfItsName) {
  const std::string name = "HelloRetryRequest";
  Random digest{};
  SHA256(reinterpret_cast<const unsigned char*>(name.data()), name.size(), digest.data());
  EXPECT_EQ(digest, kHelloRetryRandom);
}

TEST(Tls13Hello, DowngradeSentinel) {
  Random r{};
  r.fill(0x55);
  EXPECT_FALSE(has_downgrade_sentinel(r));
  std::copy(kDowngradeTls12.begin(), kDowngradeTls12.end(), r.end() - 8);
  EXPECT_TRUE(has_downgrade_sentinel(r));
  EXPECT_EQ(std::string(r.end() - 8, r.end() - 1), "DOWNGRD");
  r[31] = 0;
  EXPECT_TRUE(has_downgrade_sentinel(r));
  r[31] = 2;
  EXPECT_FALSE(has_downgrade_sentinel(r));
}

TEST(Tls13Messages, EncryptedExtensionsRoundTripAndRefuseHelloExtensions) {
  EncryptedExtensions ee;
  ee.server_name_ack = true;
  ee.supported_groups = {24, 23};
  const Bytes body = build_encrypted_extensions(ee);
  const EncryptedExtensions got = parse_encrypted_extensions(body);
  EXPECT_TRUE(got.server_name_ack);
  EXPECT_EQ(got.supported_groups, ee.supported_groups);
  expect_every_truncation_fails(body, [](ByteView b) { return parse_encrypted_extensions(b); });
  const Bytes with_key_share{0x00, 0x06, 0x00, 0x33, 0x00, 0x02, 0x00, 0x17};
  try {
    parse_encrypted_extensions(with_key_share);
    FAIL() << "key_share in EncryptedExtensions was accepted";
  } catch (const TlsFailure& e) {
    EXPECT_EQ(e.alert(), AlertDescription::illegal_parameter);
  }
}

TEST(Tls13Messages, CertificateRoundTripAndLimits) {
  Certificate13 c;
  c.chain = {Bytes(300, 0x30), Bytes(200, 0x31)};
  const Bytes body = build_certificate13(c);
  const Certificate13 got = parse_certificate13(body);
  EXPECT_TRUE(got.context.empty());
  EXPECT_EQ(got.chain, c.chain);
  expect_every_truncation_fails(body, [](ByteView b) { return parse_certificate13(b); });
  try {
    parse_certificate13(body, 1);
    FAIL() << "a chain over the limit was accepted";
  } catch (const TlsFailure& e) {
    EXPECT_EQ(e.alert(), AlertDescription::bad_certificate);
  }
}

TEST(Tls13Messages, CertificateRequestNeedsSignatureAlgorithms) {
  CertificateRequest13 req{Bytes{}, {0x0804, 0x0403}, {}};
  const CertificateRequest13 got = parse_certificate_request13(build_certificate_request13(req));
  EXPECT_EQ(got.signature_algorithms, req.signature_algorithms);
  const Bytes without{0x00, 0x00, 0x00};  // empty context, empty extensions
  try {
    parse_certificate_request13(without);
    FAIL() << "a CertificateRequest without signature_algorithms was accepted";
  } catch (const TlsFailure& e) {
    EXPECT_EQ(e.alert(), AlertDescription::missing_extension);
  }
}

// certificate_authorities (RFC 8446 §4.2.4): written only when there are
// names, read back, and an empty list refused.
TEST(Tls13Messages, CertificateRequestCarriesCertificateAuthorities) {
  const CertificateRequest13 without_names{Bytes{}, {0x0403}, {}};
  EXPECT_EQ(build_certificate_request13(without_names), (Bytes{0, 0, 8, 0, 13, 0, 4, 0, 2, 4, 3}));
  const CertificateRequest13 req{Bytes{}, {0x0403}, {Bytes{0x30, 0}, Bytes{0x30, 1, 7}}};
  const Bytes body = build_certificate_request13(req);
  EXPECT_EQ(body, (Bytes{0, 0, 23, 0, 13, 0, 4, 0, 2, 4, 3, 0, 47, 0, 11, 0, 9, 0, 2, 0x30, 0, 0, 3, 0x30, 1, 7}));
  EXPECT_EQ(parse_certificate_request13(body).authorities, req.authorities);
  const Bytes empty_list{0, 0, 14, 0, 13, 0, 4, 0, 2, 4, 3, 0, 47, 0, 2, 0, 0};
  EXPECT_THROW(parse_certificate_request13(empty_list), DecodeError);
}

TEST(Tls13Messages, CertificateVerifyContentFollowsRfc8446) {
  const Bytes hash(32, 0xAA);
  const Bytes content = certificate_verify_content(Signer::server, hash);
  const std::string context = "TLS 1.3, server CertificateVerify";
  ASSERT_EQ(content.size(), 64 + context.size() + 1 + hash.size());
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(content[i], 0x20);
  EXPECT_EQ(std::string(content.begin() + 64, content.begin() + 64 + static_cast<std::ptrdiff_t>(context.size())), context);
  EXPECT_EQ(content[64 + context.size()], 0);
  EXPECT_NE(certificate_verify_content(Signer::client, hash), content);

  const CertificateVerify cv{0x0804, Bytes(256, 7)};
  const Bytes body = build_certificate_verify(cv);
  const CertificateVerify got = parse_certificate_verify(body);
  EXPECT_EQ(got.scheme, 0x0804);
  EXPECT_EQ(got.signature, cv.signature);
  expect_every_truncation_fails(body, [](ByteView b) { return parse_certificate_verify(b); });
}

TEST(Tls13Messages, NewSessionTicketRoundTripAndLifetimeLimit) {
  NewSessionTicket13 t;
  t.lifetime = 7200;
  t.age_add = 0xDEADBEEF;
  t.nonce = Bytes{0, 1};
  t.ticket = Bytes(100, 0x5A);
  t.max_early_data = 0;
  const Bytes body = build_new_session_ticket13(t);
  const NewSessionTicket13 got = parse_new_session_ticket13(body);
  EXPECT_EQ(got.lifetime, 7200u);
  EXPECT_EQ(got.age_add, 0xDEADBEEFu);
  EXPECT_EQ(got.nonce, t.nonce);
  EXPECT_EQ(got.ticket, t.ticket);
  EXPECT_EQ(got.max_early_data, 0u);
  expect_every_truncation_fails(body, [](ByteView b) { return parse_new_session_ticket13(b); });
  t.lifetime = kMaxTicketLifetime + 1;
  EXPECT_THROW(parse_new_session_ticket13(build_new_session_ticket13(t)), TlsFailure);
}

TEST(Tls13Messages, KeyUpdateAndFinished) {
  EXPECT_TRUE(parse_key_update(build_key_update(true)));
  EXPECT_FALSE(parse_key_update(build_key_update(false)));
  EXPECT_THROW(parse_key_update(Bytes{2}), TlsFailure);
  EXPECT_THROW(parse_key_update(Bytes{}), DecodeError);
  EXPECT_THROW(parse_key_update(Bytes{0, 0}), DecodeError);
  EXPECT_EQ(parse_finished13(Bytes(48, 1), 48).size(), 48u);
  EXPECT_THROW(parse_finished13(Bytes(32, 1), 48), DecodeError);
}

}  // namespace
}  // namespace sslp11::tls
