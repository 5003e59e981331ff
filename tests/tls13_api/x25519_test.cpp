// x25519 key shares (IANA group 29, RFC 7748) through the public API: listed
// by SslEnumEccCurves only where the token can generate x25519 key pairs
// (CKM_EC_MONTGOMERY_KEY_PAIR_GEN, or SoftHSMv2 2.6.1's Edwards generator
// given the X25519 OID; NSS softoken 3.87 has neither), the public value carried
// as SSL_ECCPUBLIC_BLOB, small-order peer values refused, and the TLS 1.2
// pre-master / TLS 1.3 shared secret equal to OpenSSL's X25519 -- checked by
// the Finished, records and exporter that come out of them.
#include <openssl/evp.h>

#include <cstring>
#include <string>

#include "tls13_api/tls13_api_support.h"
#include "support/oracle/openssl_call.h"
#include "support/oracle/tls_prf.h"

namespace sslp11::tls13api {
namespace {

constexpr DWORD kX25519 = 29;
constexpr DWORD kEcdheRsaAes128Gcm = 0xC02F;  // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256

// An OpenSSL X25519 key and its 32-byte public value.
oracle::Pkey x25519_generate() { return oracle::Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519")); }
Bytes x25519_public(EVP_PKEY* key) {
  Bytes u(32);
  std::size_t n = u.size();
  EXPECT_EQ(EVP_PKEY_get_raw_public_key(key, u.data(), &n), 1);
  return u;
}
oracle::Pkey x25519_peer(ByteView u) {
  return oracle::Pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, u.data(), u.size()));
}

Bytes ssl_ecc_blob(DWORD group, ByteView value) {
  SSL_ECCKEY_BLOB h{group, static_cast<ULONG>(value.size())};
  Bytes blob(sizeof h);
  std::memcpy(blob.data(), &h, sizeof h);
  blob.insert(blob.end(), value.begin(), value.end());
  return blob;
}

class X25519 : public ::testing::TestWithParam<TokenSpec> {
 protected:
  ProviderHandle provider_{GetParam()};
  NCRYPT_PROV_HANDLE p() const { return provider_.get(); }
  // SoftHSMv2 2.6.1 makes x25519 key pairs with CKM_EC_EDWARDS_KEY_PAIR_GEN from
  // the id-X25519 parameters; the NSS softoken 3.87 has neither generator.
  bool has_x25519() const { return !TestTokens::is_native(GetParam()); }

  bool enumerated() {
    DWORD count = 0;
    NCRYPT_SSL_ECC_CURVE* curves = nullptr;
    EXPECT_OK(SslEnumEccCurves(p(), &count, &curves, 0));
    bool found = false;
    for (DWORD i = 0; i < count; ++i) {
      if (curves[i].dwCurveType != kX25519) continue;
      found = true;
      EXPECT_EQ(test::ascii(curves[i].szCurveName, MSCRYPT_ECC_MAX_CURVE_NAME_LENGTH), "curve25519");
      EXPECT_STREQ(curves[i].szOID, "1.3.101.110");
      EXPECT_EQ(curves[i].dwPublicKeyLength, 255u);
    }
    SslFreeBuffer(curves);
    return found;
  }

  // Our key share and its u-coordinate (SslExportKey, SSL_ECCPUBLIC_BLOB).
  Bytes create(Handle& key, DWORD protocol, DWORD suite) {
    EXPECT_OK(SslCreateEphemeralKey(p(), key.out(), protocol, suite, kX25519, 0, nullptr, 0, 0));
    DWORD n = 0;
    EXPECT_OK(SslExportKey(p(), key.get(), SSL_ECCPUBLIC_BLOB, nullptr, 0, &n, 0));
    Bytes blob(n);
    EXPECT_OK(SslExportKey(p(), key.get(), SSL_ECCPUBLIC_BLOB, blob.data(), n, &n, 0));
    EXPECT_EQ(n, sizeof(SSL_ECCKEY_BLOB) + 32);
    SSL_ECCKEY_BLOB h{};
    std::memcpy(&h, blob.data(), sizeof h);
    EXPECT_EQ(h.dwCurveType, kX25519);
    EXPECT_EQ(h.cbKey, 32u);
    return Bytes(blob.begin() + sizeof h, blob.end());
  }

  SECURITY_STATUS import(Handle& key, ByteView u) {
    Bytes blob = ssl_ecc_blob(kX25519, u);
    return SslImportKey(p(), key.out(), SSL_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0);
  }
};

TEST_P(X25519, ListedOnlyWhereTheTokenHasIt) { EXPECT_EQ(enumerated(), has_x25519()); }

// NSS softoken: SslCreateEphemeralKey refuses x25519 for TLS 1.2 and 1.3
// with NTE_NOT_SUPPORTED and says which mechanism is missing.
TEST_P(X25519, WithoutTheMechanismTheRefusalNamesIt) {
  if (has_x25519()) GTEST_SKIP() << "the token has x25519";
  for (const auto& [protocol, suite] : {std::pair<DWORD, DWORD>{TLS1_2_PROTOCOL_VERSION, kEcdheRsaAes128Gcm},
                                        std::pair<DWORD, DWORD>{TLS1_3_PROTOCOL_VERSION, 0x1301}}) {
    Handle key;
    EXPECT_STATUS(NTE_NOT_SUPPORTED, SslCreateEphemeralKey(p(), key.out(), protocol, suite, kX25519, 0, nullptr, 0, 0));
    EXPECT_NE(test::last_error().find("CKM_EC_MONTGOMERY_KEY_PAIR_GEN"), std::string::npos) << test::last_error();
  }
  NCRYPT_SSL_CIPHER_SUITE info{};
  EXPECT_STATUS(NTE_NOT_SUPPORTED,
                SslLookupCipherSuiteInfo(p(), TLS1_2_PROTOCOL_VERSION, kEcdheRsaAes128Gcm, kX25519, &info, 0));
}

// The public value is the 32-byte u-coordinate (SSL_ECCPUBLIC_BLOB); CNG's
// ECCPUBLICBLOB (X and Y) has no form for it.
TEST_P(X25519, PublicValueTravelsAsSslEccPublicBlob) {
  if (!has_x25519()) GTEST_SKIP() << "the token has no x25519";
  Handle key;
  const Bytes u = create(key, TLS1_3_PROTOCOL_VERSION, 0x1301);
  ASSERT_EQ(u.size(), 32u);
  DWORD n = 0;
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslExportKey(p(), key.get(), BCRYPT_ECCPUBLIC_BLOB, nullptr, 0, &n, 0));
  EXPECT_NE(test::last_error().find("SSL_ECCPUBLIC_BLOB"), std::string::npos) << test::last_error();
  // Imported and exported again: the same bytes.
  Handle peer;
  ASSERT_OK(import(peer, u));
  Bytes blob(sizeof(SSL_ECCKEY_BLOB) + 32);
  ASSERT_OK(SslExportKey(p(), peer.get(), SSL_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), &n, 0));
  EXPECT_EQ(blob, ssl_ecc_blob(kX25519, u));
}

// The NIST curves travel in SSL_ECCPUBLIC_BLOB as their TLS value 04||X||Y
// (cbKey 65, 97, 133).
TEST_P(X25519, NistCurvesTravelAsSslEccPublicBlobToo) {
  struct Case {
    const oracle::CurveFacts& curve;
    DWORD type;
    std::size_t cb_key;
  };
  for (const Case& c : {Case{oracle::p256(), TLS_ECC_P256_CURVE_KEY_TYPE, 65},
                        Case{oracle::p384(), TLS_ECC_P384_CURVE_KEY_TYPE, 97},
                        Case{oracle::p521(), TLS_ECC_P521_CURVE_KEY_TYPE, 133}}) {
    SCOPED_TRACE(c.cb_key);
    const auto peer = oracle::ec_generate(c.curve);
    const Bytes point = oracle::ec_public_point(peer.get());
    ASSERT_EQ(point.size(), c.cb_key);
    Bytes blob = ssl_ecc_blob(c.type, point);
    SSL_ECCKEY_BLOB header{};
    std::memcpy(&header, blob.data(), sizeof header);
    EXPECT_EQ(header.cbKey, c.cb_key);
    Handle key;
    ASSERT_OK(SslImportKey(p(), key.out(), SSL_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0));
    Bytes out(blob.size());
    DWORD n = 0;
    ASSERT_OK(SslExportKey(p(), key.get(), SSL_ECCPUBLIC_BLOB, out.data(), static_cast<DWORD>(out.size()), &n, 0));
    EXPECT_EQ(out, blob);
    const std::size_t coordinate = (c.cb_key - 1) / 2;
    Bytes cng(sizeof(BCRYPT_ECCKEY_BLOB) + 2 * coordinate);
    ASSERT_OK(SslExportKey(p(), key.get(), BCRYPT_ECCPUBLIC_BLOB, cng.data(), static_cast<DWORD>(cng.size()), &n, 0));
    EXPECT_EQ(oracle::ecc_point_from_blob(c.curve, cng), point);
  }
}

// Wrong lengths and the small-order values (RFC 7748 §6.1: the shared secret
// would be all zeros) are NTE_BAD_DATA at import; OpenSSL agrees that each of
// those values gives no shared secret.
TEST_P(X25519, BadPeerValuesAreRefused) {
  Handle key;
  for (std::size_t size : {std::size_t{31}, std::size_t{33}, std::size_t{65}}) {
    EXPECT_STATUS(NTE_BAD_DATA, import(key, Bytes(size, 0x09)));
  }
  Bytes p_minus_1(32, 0xff);
  p_minus_1[0] = 0xec;
  p_minus_1[31] = 0x7f;
  Bytes p_value = p_minus_1, p_plus_1 = p_minus_1;
  p_value[0] = 0xed;
  p_plus_1[0] = 0xee;
  Bytes one(32, 0);
  one[0] = 1;
  const Bytes order8 = oracle::from_hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
  std::vector<Bytes> small = {Bytes(32, 0), one, order8,
                              oracle::from_hex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
                              p_minus_1, p_value, p_plus_1};
  Bytes high_bit = order8;  // the unused top bit set: the same point
  high_bit[31] |= 0x80;
  small.push_back(high_bit);
  const auto own = x25519_generate();
  for (const Bytes& u : small) {
    SCOPED_TRACE(oracle::hex(u));
    EXPECT_STATUS(NTE_BAD_DATA, import(key, u));
    EXPECT_NE(test::last_error().find("all zeros"), std::string::npos) << test::last_error();
    // OpenSSL's X25519 refuses to derive with it (its output is all zeros).
    oracle::PkeyCtx ctx(EVP_PKEY_CTX_new(own.get(), nullptr));
    const auto peer = x25519_peer(u);
    ASSERT_EQ(EVP_PKEY_derive_init(ctx.get()), 1);
    ASSERT_EQ(EVP_PKEY_derive_set_peer(ctx.get(), peer.get()), 1);
    Bytes z(32);
    std::size_t n = z.size();
    EXPECT_NE(EVP_PKEY_derive(ctx.get(), z.data(), &n), 1);
  }
  // An ordinary value is accepted.
  EXPECT_OK(import(key, x25519_public(own.get())));
}

// TLS 1.2 ECDHE on x25519: the master secret from the 32-byte X25519 output
// (RFC 8422 §5.11) equals OpenSSL's, seen through both Finished messages.
TEST_P(X25519, Tls12PreMasterIsOpenSslsX25519) {
  if (!has_x25519()) GTEST_SKIP() << "the token has no x25519";
  Handle own;
  const Bytes our_u = create(own, TLS1_2_PROTOCOL_VERSION, kEcdheRsaAes128Gcm);
  const auto peer = x25519_generate();
  Handle peer_public;
  ASSERT_OK(import(peer_public, x25519_public(peer.get())));
  const Bytes z = oracle::ecdh(peer.get(), x25519_peer(our_u).get());
  ASSERT_EQ(z.size(), 32u);

  const Bytes client_random = oracle::random_bytes(32), server_random = oracle::random_bytes(32);
  test::ParamList params;
  params.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random.data(), 32)
      .add(NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random.data(), 32);
  for (DWORD side : {DWORD{NCRYPT_SSL_CLIENT_FLAG}, DWORD{NCRYPT_SSL_SERVER_FLAG}}) {
    Handle master, hash;
    ASSERT_OK(SslGenerateMasterKey(p(), own.get(), peer_public.get(), master.out(), TLS1_2_PROTOCOL_VERSION,
                                   kEcdheRsaAes128Gcm, params.desc(), nullptr, 0, nullptr, side));
    const Bytes expected_master = oracle::master_secret(*oracle::find_suite_facts(kEcdheRsaAes128Gcm), z,
                                                        client_random, server_random);
    ASSERT_OK(SslCreateHandshakeHash(p(), hash.out(), TLS1_2_PROTOCOL_VERSION, kEcdheRsaAes128Gcm, 0));
    Bytes transcript = oracle::random_bytes(300);
    ASSERT_OK(SslHashHandshake(p(), hash.get(), transcript.data(), static_cast<DWORD>(transcript.size()), 0));
    for (DWORD finished_side : {DWORD{NCRYPT_SSL_CLIENT_FLAG}, DWORD{NCRYPT_SSL_SERVER_FLAG}}) {
      Bytes verify(12);
      ASSERT_OK(SslComputeFinishedHash(p(), master.get(), hash.get(), verify.data(), 12, finished_side));
      const char* label = finished_side == NCRYPT_SSL_CLIENT_FLAG ? "client finished" : "server finished";
      EXPECT_EQ(oracle::hex(verify),
                oracle::hex(oracle::tls12_prf(oracle::Hash::sha256, expected_master, label,
                                              oracle::digest(oracle::Hash::sha256, transcript), 12)));
    }
  }
}

// TLS 1.3 on x25519: every secret of the 1-RTT schedule from the X25519
// shared secret (RFC 8446 §7.4.2) equals OpenSSL's schedule from its own.
TEST_P(X25519, Tls13SharedSecretIsOpenSslsX25519) {
  if (!has_x25519()) GTEST_SKIP() << "the token has no x25519";
  for (const auto* suite : runnable_suites(p())) {
    SCOPED_TRACE(suite->name);
    Handle own;
    const Bytes our_u = create(own, TLS1_3_PROTOCOL_VERSION, suite->id);
    const auto peer = x25519_generate();
    Handle peer_public;
    ASSERT_OK(import(peer_public, x25519_public(peer.get())));
    const Bytes z = oracle::ecdh(peer.get(), x25519_peer(our_u).get());

    const Bytes hellos = oracle::random_bytes(200);
    const HandshakeScript script = random_script();
    Transcript th = make_transcript(p(), *suite);
    th.add(p(), hellos);
    ApiSchedule api;
    run_api_schedule(p(), *suite, own.get(), peer_public.get(), th, script, api);
    ASSERT_FALSE(HasFatalFailure()) << test::last_error();
    const OracleSchedule o = oracle_schedule(*suite, z, hellos, script);
    EXPECT_TRUE(same_write_key(p(), api.c_hs_key.get(), *suite, oracle_write_key(*suite, o.c_hs)));
    EXPECT_TRUE(same_write_key(p(), api.s_ap_key.get(), *suite, oracle_write_key(*suite, o.s_ap)));
    EXPECT_EQ(oracle::hex(api_export(p(), api.exporter.get(), "EXPORTER-sslp11 x25519", nullptr, 32)),
              oracle::hex(oracle::tls13_export(suite->prf, o.exporter, "EXPORTER-sslp11 x25519", {}, 32)));
  }
}

// A P-256 share with an x25519 peer: refused, not derived.
TEST_P(X25519, SharesOnDifferentCurvesDoNotMix) {
  if (!has_x25519()) GTEST_SKIP() << "the token has no x25519";
  const auto* suite = runnable_suites(p()).front();
  const KeyShare ours = make_key_share(p(), *suite, oracle::p256());
  const auto peer = x25519_generate();
  Handle peer_public, early, hs;
  ASSERT_OK(import(peer_public, x25519_public(peer.get())));
  ASSERT_OK(SslExtractEarlyKey(p(), 0, early.out(), TLS1_3_PROTOCOL_VERSION, suite->id, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslExtractHandshakeKey(p(), ours.key.get(), peer_public.get(), early.get(), hs.out(), nullptr, 0));
}

INSTANTIATE_TEST_SUITE_P(Tokens, X25519, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::tls13api
