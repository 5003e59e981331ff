// Peer certificate and ServerKeyExchange signature checks
// (src/tls/peer_verify.cpp), a client's certificate and CertificateVerify
// (certificate_verify13.cpp, client_auth12.cpp), the suite name table (suites.cpp) and the CNG
// blob layouts (key_exchange.cpp), against the test PKI and OpenSSL. No token.
#include <gtest/gtest.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdio>
#include <cstring>
#include <sstream>

#include <sslp11/sslprovider.h>

#include "tls/alerts.h"
#include "tls/certificate_verify13.h"
#include "tls/client_auth12.h"
#include "tls/key_exchange.h"
#include "tls/messages.h"
#include "tls/peer_verify.h"
#include "tls/suites.h"
#include "tls/support/pki.h"
#include "tls/pem_files.h"

namespace sslp11::tls {
namespace {

using tlstest::test_pki;

AlertDescription alert_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const TlsFailure& e) {
    return e.alert();
  }
  ADD_FAILURE() << "no TlsFailure";
  return AlertDescription::close_notify;
}

// OpenSSL signs as a TLS server would (the oracle).
Bytes openssl_sign(EVP_PKEY* key, const char* md, bool pss, ByteView data) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EXPECT_EQ(EVP_DigestSignInit_ex(ctx, &pctx, md, nullptr, nullptr, key, nullptr), 1);
  if (pss) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  std::size_t len = 0;
  EVP_DigestSign(ctx, nullptr, &len, data.data(), data.size());
  Bytes sig(len);
  EXPECT_EQ(EVP_DigestSign(ctx, sig.data(), &len, data.data(), data.size()), 1);
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  return sig;
}

TEST(PeerCertificateTest, VerifiesAgainstTheCaAndTheName) {
  const auto& pki = test_pki();
  const auto chain = read_certificates_pem(pki.rsa_cert);
  const PeerCertificate c = PeerCertificate::verify(chain, pki.ca, "localhost");
  EXPECT_TRUE(c.is_rsa());
  EXPECT_EQ(c.key_description(), "RSA-2048");
  EXPECT_NO_THROW(PeerCertificate::verify(chain, pki.ca, "127.0.0.1"));
  const PeerCertificate e = PeerCertificate::verify(read_certificates_pem(pki.ec_cert), pki.ca, "localhost");
  EXPECT_TRUE(e.is_ec());
  EXPECT_EQ(e.key_description(), "EC prime256v1");
}

TEST(PeerCertificateTest, FailuresMapToAlerts) {
  const auto& pki = test_pki();
  const auto chain = read_certificates_pem(pki.rsa_cert);
  EXPECT_EQ(alert_of([&] { PeerCertificate::verify(chain, pki.other_ca, "localhost"); }), AlertDescription::unknown_ca);
  EXPECT_EQ(alert_of([&] { PeerCertificate::verify(chain, pki.ca, "example.org"); }), AlertDescription::bad_certificate);
  EXPECT_EQ(alert_of([&] { PeerCertificate::verify(chain, pki.ca, "10.0.0.1"); }), AlertDescription::bad_certificate);
  EXPECT_EQ(alert_of([&] { PeerCertificate::verify({Bytes{0x30, 0x03, 1, 2, 3}}, pki.ca, "localhost"); }),
            AlertDescription::bad_certificate);
  EXPECT_EQ(alert_of([&] { PeerCertificate::verify({}, pki.ca, "localhost"); }), AlertDescription::bad_certificate);
  // The CA certificate itself is not a server certificate chain we trust for a name.
  EXPECT_EQ(alert_of([&] { PeerCertificate::verify(read_certificates_pem(pki.other_ca), pki.ca, "localhost"); }),
            AlertDescription::unknown_ca);
}

TEST(PeerCertificateTest, ServerKeyExchangeSignatures) {
  const auto& pki = test_pki();
  const PeerCertificate rsa = PeerCertificate::verify(read_certificates_pem(pki.rsa_cert), pki.ca, "localhost");
  const PeerCertificate ec = PeerCertificate::verify(read_certificates_pem(pki.ec_cert), pki.ca, "localhost");
  PkeyPtr rsa_key = read_private_key_pem(pki.rsa_key);
  PkeyPtr ec_key = read_private_key_pem(pki.ec_key);
  const Bytes data(64 + 69, 0x5A);
  namespace ss = signature_scheme;

  EXPECT_NO_THROW(rsa.verify_signature(ss::rsa_pkcs1_sha256, data, openssl_sign(rsa_key.get(), "SHA256", false, data)));
  EXPECT_NO_THROW(rsa.verify_signature(ss::rsa_pss_rsae_sha384, data, openssl_sign(rsa_key.get(), "SHA384", true, data)));
  EXPECT_NO_THROW(ec.verify_signature(ss::ecdsa_secp256r1_sha256, data, openssl_sign(ec_key.get(), "SHA256", false, data)));

  Bytes bad = openssl_sign(rsa_key.get(), "SHA256", false, data);
  bad[10] ^= 1;
  EXPECT_EQ(alert_of([&] { rsa.verify_signature(ss::rsa_pkcs1_sha256, data, bad); }), AlertDescription::decrypt_error);
  Bytes other = data;
  other[0] ^= 1;
  EXPECT_EQ(alert_of([&] { ec.verify_signature(ss::ecdsa_secp256r1_sha256, other,
                                               openssl_sign(ec_key.get(), "SHA256", false, data)); }),
            AlertDescription::decrypt_error);
  // A scheme that does not fit the key, and one we never offer.
  EXPECT_EQ(alert_of([&] { ec.verify_signature(ss::rsa_pkcs1_sha256, data, bad); }), AlertDescription::illegal_parameter);
  EXPECT_EQ(alert_of([&] { rsa.verify_signature(0x0808, data, bad); }), AlertDescription::illegal_parameter);
}

// --verify-client: purpose clientAuth, no name; the CertificateVerify of
// either version verifies, and a flipped bit is decrypt_error.
TEST(PeerCertificateTest, ClientCertificateAndCertificateVerify) {
  const tlstest::TestPki& pki = test_pki();
  const PeerCertificate cert = PeerCertificate::verify_client(read_certificates_pem(pki.client_ec_cert), pki.ca);
  EXPECT_EQ(cert.subject(), "/CN=sslp11 test client EC");
  EXPECT_EQ(alert_of([&] { PeerCertificate::verify_client(read_certificates_pem(pki.stranger_cert), pki.ca); }),
            AlertDescription::unknown_ca);
  // A server certificate (serverAuth only) is no client certificate.
  EXPECT_EQ(alert_of([&] { PeerCertificate::verify_client(read_certificates_pem(pki.ec_cert), pki.ca); }),
            AlertDescription::bad_certificate);

  PkeyPtr key = read_private_key_pem(pki.client_ec_key);
  const Bytes transcript_hash(32, 0x5a);
  const Bytes content = certificate_verify_content(Signer::client, transcript_hash);
  CertificateVerify cv{signature_scheme::ecdsa_secp256r1_sha256, openssl_sign(key.get(), "SHA256", false, content)};
  const std::vector<std::uint16_t> offered = tls13_verifiable_schemes();
  EXPECT_NO_THROW(check_certificate_verify13(cert, offered, cv, Signer::client, transcript_hash));
  // Signed as a server would: the context string differs.
  EXPECT_EQ(alert_of([&] { check_certificate_verify13(cert, offered, cv, Signer::server, transcript_hash); }),
            AlertDescription::decrypt_error);
  cv.signature[cv.signature.size() / 2] ^= 1;
  EXPECT_EQ(alert_of([&] { check_certificate_verify13(cert, offered, cv, Signer::client, transcript_hash); }),
            AlertDescription::decrypt_error);

  const Bytes messages{1, 2, 3, 4, 5};
  ConnectionReport report;
  std::ostringstream log;
  CertificateVerify cv12{signature_scheme::ecdsa_secp256r1_sha256, openssl_sign(key.get(), "SHA256", false, messages)};
  EXPECT_NO_THROW(check_certificate_verify12(cert, build_certificate_verify(cv12), messages, pki.ca, report, log));
  EXPECT_NE(report.client_authentication.find("client authenticated: /CN=sslp11 test client EC"), std::string::npos);
  cv12.signature[cv12.signature.size() / 2] ^= 1;
  EXPECT_EQ(alert_of([&] { check_certificate_verify12(cert, build_certificate_verify(cv12), messages, pki.ca, report, log); }),
            AlertDescription::decrypt_error);
}

TEST(PeerCertificateTest, RsaPublicBlobLayout) {
  const auto& pki = test_pki();
  const PeerCertificate rsa = PeerCertificate::verify(read_certificates_pem(pki.rsa_cert), pki.ca, "localhost");
  const Bytes blob = rsa.rsa_public_blob();
  BCRYPT_RSAKEY_BLOB h;
  ASSERT_GE(blob.size(), sizeof h);
  std::memcpy(&h, blob.data(), sizeof h);
  EXPECT_EQ(h.Magic, static_cast<ULONG>(BCRYPT_RSAPUBLIC_MAGIC));
  EXPECT_EQ(h.BitLength, 2048u);
  EXPECT_EQ(h.cbModulus, 256u);
  EXPECT_EQ(blob.size(), sizeof h + h.cbPublicExp + h.cbModulus);
  EXPECT_EQ(Bytes(blob.begin() + sizeof h, blob.begin() + sizeof h + h.cbPublicExp), (Bytes{1, 0, 1}));
}

TEST(SuiteNamesTest, BothNamingsAndErrors) {
  EXPECT_EQ(find_suite_id("ECDHE-RSA-AES128-GCM-SHA256"), 0xC02Fu);
  EXPECT_EQ(find_suite_id("tls_ecdhe_rsa_with_aes_128_gcm_sha256"), 0xC02Fu);
  EXPECT_EQ(find_suite_id("AES128-GCM-SHA256"), 0x009Cu);
  EXPECT_EQ(find_suite_id("nonsense"), std::nullopt);
  EXPECT_EQ(iana_suite_name(0xC02F), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  EXPECT_STREQ(openssl_suite_name(0xC02F), "ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_EQ(parse_suite_list("AES128-GCM-SHA256,TLS_RSA_WITH_AES_128_GCM_SHA256,DHE-RSA-AES128-GCM-SHA256"),
            (std::vector<std::uint32_t>{0x009C, 0x009E}));
  EXPECT_THROW(parse_suite_list("AES128-GCM-SHA256,RC4-MD5"), std::invalid_argument);
  EXPECT_THROW(parse_suite_list(","), std::invalid_argument);
  EXPECT_EQ(suite_kx(0xC02B), SuiteKx::ecdhe);
  EXPECT_EQ(suite_kx(0x009E), SuiteKx::dhe);
  EXPECT_EQ(suite_kx(0x009C), SuiteKx::rsa);
  EXPECT_TRUE(suite_uses_ecdsa(0xC02B));
  EXPECT_FALSE(suite_uses_ecdsa(0xC02F));
}

// The prime of an RFC 7919 group as OpenSSL knows it ("ffdhe3072").
Bytes openssl_ffdhe_prime(const std::string& name) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
  EVP_PKEY* params = nullptr;
  BIGNUM* p = nullptr;
  Bytes out;
  if (EVP_PKEY_paramgen_init(ctx) == 1 && EVP_PKEY_CTX_set_group_name(ctx, name.c_str()) == 1 &&
      EVP_PKEY_paramgen(ctx, &params) == 1 && EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &p) == 1) {
    out.resize(static_cast<std::size_t>(BN_num_bytes(p)));
    BN_bn2bin(p, out.data());
  }
  BN_free(p);
  EVP_PKEY_free(params);
  EVP_PKEY_CTX_free(ctx);
  return out;
}

TEST(SuiteNamesTest, FfdhePrimesMatchOpenSsl) {
  ASSERT_EQ(ffdhe_groups(),
            (std::vector<std::uint16_t>{named_group::ffdhe2048, named_group::ffdhe3072, named_group::ffdhe4096}));
  for (std::uint16_t g : ffdhe_groups()) {
    const Bytes expected = openssl_ffdhe_prime(group_name(g));
    ASSERT_EQ(expected.size() * 8, group_bits(g)) << group_name(g);
    EXPECT_EQ(*ffdhe_prime(g), expected) << group_name(g);
    EXPECT_EQ(ffdhe_group_of(expected), g) << group_name(g);
  }
  EXPECT_EQ(ffdhe_prime(260), nullptr);  // ffdhe8192: not served
  EXPECT_EQ(ffdhe_group_of(openssl_ffdhe_prime("ffdhe6144")), std::nullopt);
}

// RFC 7919 §4, the server's side.
TEST(SuiteNamesTest, ChooseFfdheGroup) {
  using V = std::vector<std::uint16_t>;
  // No supported_groups, or no FFDHE group in it: ffdhe2048 as before RFC 7919.
  EXPECT_EQ(choose_ffdhe_group(V{}), named_group::ffdhe2048);
  EXPECT_EQ(choose_ffdhe_group(V{23, 24}), named_group::ffdhe2048);
  // The client's order decides, among the groups we serve.
  EXPECT_EQ(choose_ffdhe_group(V{23, 257}), named_group::ffdhe3072);
  EXPECT_EQ(choose_ffdhe_group(V{258, 256}), named_group::ffdhe4096);
  EXPECT_EQ(choose_ffdhe_group(V{260, 259, 257}), named_group::ffdhe3072);
  // FFDHE groups offered (even unknown ones, 256..511), none of ours: no DHE.
  EXPECT_EQ(choose_ffdhe_group(V{260}), std::nullopt);
  EXPECT_EQ(choose_ffdhe_group(V{23, 511}), std::nullopt);
  EXPECT_TRUE(is_ffdhe(256));
  EXPECT_TRUE(is_ffdhe(511));
  EXPECT_FALSE(is_ffdhe(512));
  EXPECT_FALSE(is_ffdhe(29));
}

TEST(KeyBlobsTest, EccPublicBlob) {
  Bytes point{0x04};
  point.insert(point.end(), 64, 0x11);
  const Bytes blob = ecc_public_blob(named_group::secp256r1, point);
  BCRYPT_ECCKEY_BLOB h;
  std::memcpy(&h, blob.data(), sizeof h);
  EXPECT_EQ(h.dwMagic, static_cast<ULONG>(BCRYPT_ECDH_PUBLIC_P256_MAGIC));
  EXPECT_EQ(h.cbKey, 32u);
  EXPECT_EQ(blob.size(), sizeof h + 64);
  EXPECT_EQ(alert_of([&] { ecc_public_blob(named_group::secp384r1, point); }), AlertDescription::illegal_parameter);
  point[0] = 0x02;  // compressed form
  EXPECT_EQ(alert_of([&] { ecc_public_blob(named_group::secp256r1, point); }), AlertDescription::illegal_parameter);
}

TEST(KeyBlobsTest, DhBlobsPadToThePrime) {
  const Bytes p(256, 0xFF);
  const Bytes blob = dh_public_blob(p, Bytes{2}, Bytes{0, 0, 5});
  BCRYPT_DH_KEY_BLOB h;
  std::memcpy(&h, blob.data(), sizeof h);
  EXPECT_EQ(h.dwMagic, static_cast<ULONG>(BCRYPT_DH_PUBLIC_MAGIC));
  EXPECT_EQ(h.cbKey, 256u);
  ASSERT_EQ(blob.size(), sizeof h + 3 * 256);
  EXPECT_EQ(blob[sizeof h + 2 * 256 - 1], 2);  // g, right-aligned
  EXPECT_EQ(blob.back(), 5);                  // y, right-aligned
  EXPECT_EQ(alert_of([&] { dh_public_blob(p, Bytes{2}, Bytes(257, 1)); }), AlertDescription::illegal_parameter);
  const Bytes params = dh_parameters_blob(p, Bytes{2});
  BCRYPT_DH_PARAMETER_HEADER ph;
  std::memcpy(&ph, params.data(), sizeof ph);
  EXPECT_EQ(ph.cbLength, params.size());
  EXPECT_EQ(ph.dwMagic, static_cast<ULONG>(BCRYPT_DH_PARAMETERS_MAGIC));
  EXPECT_EQ(ph.cbKeyLength, 256u);
}

}  // namespace
}  // namespace sslp11::tls
