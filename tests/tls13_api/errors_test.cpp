// The TLS 1.3 Ssl* functions' refusals (reference §2.I, §5, §6.5), on both
// test tokens: wrong handle kinds, another provider's secrets, freed handles,
// bad flags, NULL outputs, wrong protocol or suite, tampered records (every
// byte of header, ciphertext and tag), short buffers, exporter misuse, and
// derivation = native-only on a token that can only compose TLS 1.3.
#include "tls13_api/tls13_api_support.h"

namespace sslp11::tls13api {
namespace {

using test::kForgedHandle;

constexpr DWORD kTls13 = TLS1_3_PROTOCOL_VERSION;
constexpr DWORD kAes128 = 0x1301;

class Tls13ApiErrors : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    suite_ = oracle::find_tls13_suite_facts(kAes128);
    share_ = make_key_share(p(), *suite_, oracle::p256());
    peer_ = oracle::ec_generate(oracle::p256());
    peer_public_ = import_point(p(), oracle::p256(), oracle::ec_public_point(peer_.get()));
    th_ = make_transcript(p(), *suite_);
    th_.add(p(), oracle::random_bytes(64));
    ASSERT_OK(SslExtractEarlyKey(p(), 0, early_.out(), kTls13, kAes128, nullptr, 0));
    ASSERT_OK(SslExtractHandshakeKey(p(), share_.key.get(), peer_public_.get(), early_.get(), hs_.out(), nullptr, 0));
    ASSERT_OK(SslExpandTrafficKeys(p(), hs_.get(), th_.hash.get(), c_hs_.out(), s_hs_.out(), nullptr, 0));
    ASSERT_OK(SslExtractMasterKey(p(), hs_.get(), master_.out(), nullptr, 0));
    ASSERT_OK(SslExpandTrafficKeys(p(), master_.get(), th_.hash.get(), c_ap_.out(), nullptr, nullptr, 0));
    ASSERT_OK(SslExpandWriteKey(p(), c_ap_.get(), write_key_.out(), nullptr, 0));
    ASSERT_OK(SslExpandExporterMasterKey(p(), master_.get(), th_.hash.get(), exporter_.out(), nullptr, 0));
    ASSERT_OK(SslExpandResumptionMasterKey(p(), master_.get(), th_.hash.get(), resumption_.out(), nullptr, 0));
  }
  NCRYPT_PROV_HANDLE p() const { return provider_.get(); }

  ProviderHandle provider_{GetParam()};
  const oracle::SuiteFacts* suite_ = nullptr;
  KeyShare share_;
  oracle::Pkey peer_;
  Handle peer_public_;
  Transcript th_;
  Handle early_, hs_, c_hs_, s_hs_, master_, c_ap_, write_key_, exporter_, resumption_;
};

TEST_P(Tls13ApiErrors, WrongProtocolOrSuite) {
  Handle h;
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslExtractEarlyKey(p(), 0, h.out(), TLS1_2_PROTOCOL_VERSION, kAes128, nullptr, 0));
  // A suite that is not TLS 1.3's: NTE_NOT_SUPPORTED, as an unknown TLS 1.2 suite is.
  EXPECT_STATUS(NTE_NOT_SUPPORTED,
                SslExtractEarlyKey(p(), 0, h.out(), kTls13, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, nullptr, 0));
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslCreateHandshakeHash(p(), h.out(), kTls13, 0x1304, 0));
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslCreateEphemeralKey(p(), h.out(), kTls13, 0x00FF, 23, 0, nullptr, 0, 0));
  NCRYPT_SSL_CIPHER_SUITE info{};
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslLookupCipherSuiteInfo(p(), kTls13, 0xC02F, 0, &info, 0));
  NCRYPT_SSL_CIPHER_LENGTHS lengths{};
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslLookupCipherLengths(p(), kTls13, 0xC02F, 0, &lengths, sizeof lengths, 0));
  // A TLS 1.2 transcript hash is not a TLS 1.3 one.
  Handle tls12_hash;
  ASSERT_OK(SslCreateHandshakeHash(p(), tls12_hash.out(), TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExpandTrafficKeys(p(), hs_.get(), tls12_hash.get(), h.out(), nullptr, nullptr, 0));
  // A SHA-384 transcript for a SHA-256 suite's secret.
  Handle sha384;
  ASSERT_OK(SslCreateHandshakeHash(p(), sha384.out(), kTls13, 0x1302, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExpandTrafficKeys(p(), hs_.get(), sha384.get(), h.out(), nullptr, nullptr, 0));
  // A PSK of a SHA-256 suite cannot start a SHA-384 suite's schedule (RFC 8446 §4.2.11).
  Handle psk;
  ASSERT_OK(SslExpandPreSharedKey(p(), resumption_.get(), nullptr, 0, psk.out(), nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExtractEarlyKey(p(), psk.get(), h.out(), kTls13, 0x1302, nullptr, 0));
}

TEST_P(Tls13ApiErrors, WrongHandleKindsAreInvalidHandle) {
  Handle h, h2;
  // Each step given a secret of the wrong stage, a TLS 1.2-kind handle, a hash, the provider, a forged value.
  for (NCRYPT_KEY_HANDLE wrong : {early_.get(), c_hs_.get(), write_key_.get(), share_.key.get(),
                                  static_cast<NCRYPT_KEY_HANDLE>(th_.hash.get()), static_cast<NCRYPT_KEY_HANDLE>(p()),
                                  static_cast<NCRYPT_KEY_HANDLE>(kForgedHandle)}) {
    EXPECT_STATUS(NTE_INVALID_HANDLE, SslExtractMasterKey(p(), wrong, h.out(), nullptr, 0));
    EXPECT_STATUS(NTE_INVALID_HANDLE, SslExpandResumptionMasterKey(p(), wrong, th_.hash.get(), h.out(), nullptr, 0));
    EXPECT_STATUS(NTE_INVALID_HANDLE, SslExpandPreSharedKey(p(), wrong, nullptr, 0, h.out(), nullptr, 0));
    EXPECT_STATUS(NTE_INVALID_HANDLE, SslExpandNextGenTrafficKey(p(), wrong, h.out(), nullptr, 0));
  }
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExtractEarlyKey(p(), early_.get(), h.out(), kTls13, kAes128, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExtractHandshakeKey(p(), share_.key.get(), peer_public_.get(), hs_.get(),
                                                            h.out(), nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExtractHandshakeKey(p(), peer_public_.get(), share_.key.get(), early_.get(),
                                                            h.out(), nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExpandTrafficKeys(p(), c_hs_.get(), th_.hash.get(), h.out(), h2.out(), nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExpandTrafficKeys(p(), master_.get(), early_.get(), h.out(), h2.out(), nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExpandWriteKey(p(), master_.get(), h.out(), nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExpandWriteKey(p(), write_key_.get(), h.out(), nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExpandExporterMasterKey(p(), hs_.get(), th_.hash.get(), h.out(), nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExpandBinderKey(p(), master_.get(), h.out(), nullptr, NCRYPT_SSL_RESUMPTION_PSK_FLAG));
  // Handshake traffic secrets do not KeyUpdate; secrets are not record keys.
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExpandNextGenTrafficKey(p(), c_hs_.get(), h.out(), nullptr, 0));
  Bytes record;
  EXPECT_STATUS(NTE_INVALID_HANDLE, api_seal(p(), c_ap_.get(), 0, inner_plaintext(Bytes(5, 1), 23), record));
  // Finished on a master secret, exporter on a traffic secret.
  Bytes vd(32);
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeFinishedHash(p(), master_.get(), th_.hash.get(), vd.data(), 32, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExportKeyingMaterial(p(), c_ap_.get(), const_cast<PCHAR>("EXPORTER-x"), nullptr,
                                                             0, nullptr, 0, vd.data(), 32, 0));
  EXPECT_EQ(h.get(), 0u);
}

TEST_P(Tls13ApiErrors, AnotherProvidersOrFreedSecretsAreInvalidHandle) {
  ProviderHandle other(GetParam());
  Handle h;
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExtractMasterKey(other.get(), hs_.get(), h.out(), nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExpandWriteKey(other.get(), c_ap_.get(), h.out(), nullptr, 0));
  Bytes record;
  EXPECT_STATUS(NTE_INVALID_HANDLE, api_seal(other.get(), write_key_.get(), 0, inner_plaintext(Bytes(5, 1), 23), record));
  // Another provider's transcript hash.
  Transcript foreign = make_transcript(other.get(), *suite_);
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExpandTrafficKeys(p(), master_.get(), foreign.hash.get(), h.out(), nullptr,
                                                          nullptr, 0));
  const NCRYPT_KEY_HANDLE dead = hs_.free_keep_value();
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExtractMasterKey(p(), dead, h.out(), nullptr, 0));
  const NCRYPT_KEY_HANDLE dead_key = write_key_.free_keep_value();
  EXPECT_STATUS(NTE_INVALID_HANDLE, api_seal(p(), dead_key, 0, inner_plaintext(Bytes(5, 1), 23), record));
  // What was derived from a freed secret lives on.
  Handle ap_key;
  EXPECT_OK(SslExpandWriteKey(p(), c_ap_.get(), ap_key.out(), nullptr, 0));
}

TEST_P(Tls13ApiErrors, BadFlagsAndNullOutputs) {
  Handle h, h2;
  EXPECT_STATUS(NTE_BAD_FLAGS, SslExtractEarlyKey(p(), 0, h.out(), kTls13, kAes128, nullptr, 1));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslExtractHandshakeKey(p(), share_.key.get(), peer_public_.get(), early_.get(), h.out(),
                                                       nullptr, NCRYPT_SSL_SERVER_FLAG));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslExtractMasterKey(p(), hs_.get(), h.out(), nullptr, 1));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslExpandTrafficKeys(p(), hs_.get(), th_.hash.get(), h.out(), h2.out(), nullptr, 1));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslExpandWriteKey(p(), c_ap_.get(), h.out(), nullptr, 1));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslExpandExporterMasterKey(p(), master_.get(), th_.hash.get(), h.out(), nullptr, 1));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslExpandResumptionMasterKey(p(), master_.get(), th_.hash.get(), h.out(), nullptr, 1));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslExpandPreSharedKey(p(), resumption_.get(), nullptr, 0, h.out(), nullptr, 1));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslExpandNextGenTrafficKey(p(), c_ap_.get(), h.out(), nullptr, 1));
  // Binder: exactly one of the two PSK flags.
  for (DWORD flags : {0u, 3u, 4u, 0x80000001u}) {
    EXPECT_STATUS(NTE_BAD_FLAGS, SslExpandBinderKey(p(), early_.get(), h.out(), nullptr, flags)) << flags;
  }
  Bytes vd(32);
  EXPECT_STATUS(NTE_BAD_FLAGS, SslComputeFinishedHash(p(), c_hs_.get(), th_.hash.get(), vd.data(), 32,
                                                       NCRYPT_SSL_CLIENT_FLAG));

  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExtractEarlyKey(p(), 0, nullptr, kTls13, kAes128, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExtractHandshakeKey(p(), share_.key.get(), peer_public_.get(), early_.get(),
                                                               nullptr, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExtractMasterKey(p(), hs_.get(), nullptr, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExpandTrafficKeys(p(), hs_.get(), th_.hash.get(), nullptr, nullptr, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExpandWriteKey(p(), c_ap_.get(), nullptr, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExpandExporterMasterKey(p(), master_.get(), th_.hash.get(), nullptr, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExpandResumptionMasterKey(p(), master_.get(), th_.hash.get(), nullptr, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExpandBinderKey(p(), early_.get(), nullptr, nullptr, NCRYPT_SSL_EXTERNAL_PSK_FLAG));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExpandPreSharedKey(p(), resumption_.get(), nullptr, 0, nullptr, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExpandPreSharedKey(p(), resumption_.get(), nullptr, 4, h.out(), nullptr, 0));
  Bytes long_nonce(256, 1);
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslExpandPreSharedKey(p(), resumption_.get(), long_nonce.data(), 256, h.out(), nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExpandNextGenTrafficKey(p(), c_ap_.get(), nullptr, nullptr, 0));
  // The early secret has no server traffic secret (0-RTT is the client's).
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExpandTrafficKeys(p(), early_.get(), th_.hash.get(), h.out(), h2.out(), nullptr, 0));
  EXPECT_EQ(h.get(), 0u);
  EXPECT_EQ(h2.get(), 0u);
  // A malformed parameter list.
  NCryptBufferDesc bad{NCRYPTBUFFER_VERSION, 1, nullptr};
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExtractMasterKey(p(), hs_.get(), h.out(), &bad, 0));
  // Finished: NULL output, short and long buffers.
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslComputeFinishedHash(p(), c_hs_.get(), th_.hash.get(), nullptr, 32, 0));
  EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, SslComputeFinishedHash(p(), c_hs_.get(), th_.hash.get(), vd.data(), 31, 0));
  vd.resize(48);
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslComputeFinishedHash(p(), c_hs_.get(), th_.hash.get(), vd.data(), 48, 0));
}

TEST_P(Tls13ApiErrors, ExporterMisuse) {
  Bytes out(32);
  Bytes randoms(64, 7);
  const auto exp = [&](const char* label, PBYTE r, DWORD cr, PBYTE ctx, WORD cctx) {
    return SslExportKeyingMaterial(p(), exporter_.get(), const_cast<PCHAR>(label), r, cr, ctx, cctx, out.data(),
                                   static_cast<DWORD>(out.size()), 0);
  };
  EXPECT_OK(exp("EXPORTER-ok", nullptr, 0, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, exp("EXPORTER-ok", randoms.data(), 64, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, exp("EXPORTER-ok", nullptr, 64, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, exp("EXPORTER-ok", nullptr, 0, nullptr, 3));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, exp("", nullptr, 0, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, exp("key expansion", nullptr, 0, nullptr, 0));  // TLS 1.2's reserved labels
  EXPECT_STATUS(NTE_INVALID_PARAMETER, exp("master secret", nullptr, 0, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, exp(nullptr, nullptr, 0, nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslExportKeyingMaterial(p(), exporter_.get(), const_cast<PCHAR>("EXPORTER-ok"), nullptr,
                                                       0, nullptr, 0, out.data(), 32, 1));
}

TEST_P(Tls13ApiErrors, TamperedRecordsAreRefusedWithNoPlaintext) {
  const Bytes inner = inner_plaintext(oracle::random_bytes(33), kApplicationData);
  Bytes record;
  ASSERT_OK(api_seal(p(), write_key_.get(), 5, inner, record));
  ASSERT_EQ(record.size(), 5 + inner.size() + 16);
  Bytes opened;
  ASSERT_OK(api_open(p(), write_key_.get(), 5, record, opened));
  ASSERT_EQ(opened, inner);
  for (std::size_t i = 0; i < record.size(); ++i) {
    for (std::uint8_t bit : {0x01, 0x80}) {
      Bytes bad = record;
      bad[i] ^= bit;
      Bytes out(bad.size(), 0xAA);
      DWORD n = 12345;
      const SECURITY_STATUS st = SslDecryptPacket(p(), write_key_.get(), bad.data(), static_cast<DWORD>(bad.size()),
                                                  out.data(), static_cast<DWORD>(out.size()), &n, 5, 0);
      EXPECT_TRUE(st == NTE_DECRYPTION_FAILURE || st == NTE_BAD_DATA)
          << "byte " << i << " bit " << int(bit) << ": " << test::status_name(st);
      EXPECT_EQ(out, Bytes(bad.size(), 0xAA)) << "plaintext written for a bad record (byte " << i << ")";
    }
  }
  // The wrong sequence number, a truncated record, an empty one.
  EXPECT_STATUS(NTE_DECRYPTION_FAILURE, api_open(p(), write_key_.get(), 6, record, opened));
  EXPECT_STATUS(NTE_BAD_DATA, api_open(p(), write_key_.get(), 5, Bytes(record.begin(), record.end() - 1), opened));
  Bytes tiny{23, 3, 3, 0, 16};
  tiny.resize(21, 0);
  EXPECT_STATUS(NTE_BAD_DATA, api_open(p(), write_key_.get(), 0, tiny, opened));  // no room for the content type
  // A TLS 1.2-style header (0x0304 in the version) is not a TLS 1.3 record.
  Bytes v13 = record;
  v13[2] = 4;
  EXPECT_STATUS(NTE_BAD_DATA, api_open(p(), write_key_.get(), 5, v13, opened));
}

TEST_P(Tls13ApiErrors, RecordSizesAndShortBuffers) {
  const Bytes inner = inner_plaintext(oracle::random_bytes(100), kApplicationData);
  DWORD n = 0;
  // Size query and a short buffer: NTE_BUFFER_TOO_SMALL with the size.
  EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, SslEncryptPacket(p(), write_key_.get(), const_cast<PBYTE>(inner.data()),
                                                        static_cast<DWORD>(inner.size()), nullptr, 0, &n, 0, 23, 0));
  EXPECT_EQ(n, 5 + inner.size() + 16);
  Bytes small(n - 1);
  EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, SslEncryptPacket(p(), write_key_.get(), const_cast<PBYTE>(inner.data()),
                                                        static_cast<DWORD>(inner.size()), small.data(),
                                                        static_cast<DWORD>(small.size()), &n, 0, 23, 0));
  Bytes record;
  ASSERT_OK(api_seal(p(), write_key_.get(), 0, inner, record));
  EXPECT_EQ(record[0], 23);
  EXPECT_EQ(record[1], 3);
  EXPECT_EQ(record[2], 3);
  Bytes out(inner.size() - 1);
  EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, SslDecryptPacket(p(), write_key_.get(), record.data(),
                                                        static_cast<DWORD>(record.size()), out.data(),
                                                        static_cast<DWORD>(out.size()), &n, 0, 0));
  EXPECT_EQ(n, inner.size());
  // Empty TLSInnerPlaintext (no content type) and one past 2^14 + 1.
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslEncryptPacket(p(), write_key_.get(), nullptr, 0, record.data(),
                                                         static_cast<DWORD>(record.size()), &n, 0, 23, 0));
  Bytes big(16386, 1), big_out(16386 + 21);
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslEncryptPacket(p(), write_key_.get(), big.data(), 16386, big_out.data(),
                                                         static_cast<DWORD>(big_out.size()), &n, 0, 23, 0));
  // A full fragment plus its content type fits.
  EXPECT_OK(SslEncryptPacket(p(), write_key_.get(), big.data(), 16385, big_out.data(),
                             static_cast<DWORD>(big_out.size()), &n, 0, 23, 0));
  EXPECT_EQ(n, 16385u + 21);
}

// A token that can only compose TLS 1.3 from HMAC (SoftHSMv2) composes its
// TLS 1.2 schedule too, so under derivation = native-only the provider does
// not open at all: no TLS 1.3 secret can be made there. (The TLS 1.3-only
// refusal, a token native for TLS 1.2 but not for TLS 1.3, is
// tests/tls13/schedule_refusals_test's and offered_tls13_suite's.)
TEST_P(Tls13ApiErrors, NativeOnlyRefusesTheComposedPath) {
  if (TestTokens::is_native(GetParam())) GTEST_SKIP() << "this token runs TLS 1.3 natively";
  test::use_token(GetParam(), "derivation = native-only", "native-only");
  NCRYPT_PROV_HANDLE strict = 0;
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslOpenProvider(&strict, nullptr, 0));
  EXPECT_NE(test::last_error().find("native-only"), std::string::npos) << test::last_error();
  EXPECT_EQ(strict, 0u);
  test::use_token(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Tokens, Tls13ApiErrors, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::tls13api
