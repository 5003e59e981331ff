// Every error status of SslSignHash and SslVerifySignature:
//  NTE_INVALID_HANDLE    bad / foreign / wrong-kind provider or key handle;
//  NTE_INVALID_PARAMETER NULL pcbResult, no hash, no signature, a hash of the
//                        wrong length for its name or scheme, a raw value too
//                        long for the key;
//  NTE_BAD_FLAGS         flags outside the two NCRYPT_SSL_SIGN_* bits, both
//                        bits, or either bit with an EC key;
//  NTE_NOT_SUPPORTED     a hash name sslp11 has no DigestInfo for;
//  NTE_BUFFER_TOO_SMALL  a signature buffer below the size query's answer,
//                        with that size in *pcbResult.
#include <cstring>

#include "signing/support/signing_fixture.h"

namespace sslp11::signingtest {
namespace {

using test::TestTokens;
using test::TokenName;

constexpr DWORD kHashOid = NCRYPT_SSL_SIGN_INCLUDE_HASHOID;
constexpr DWORD kPss = NCRYPT_SSL_SIGN_USE_PSS_PADDING;

class SigningErrors : public SigningTest {
 protected:
  // SslSignHash into a buffer that is large enough for any key here.
  SECURITY_STATUS sign_status(NCRYPT_KEY_HANDLE key, Bytes value, DWORD flags) {
    Bytes sig(512);
    DWORD written = 0;
    return SslSignHash(p(), key, value.data(), static_cast<DWORD>(value.size()), sig.data(),
                       static_cast<DWORD>(sig.size()), &written, flags);
  }
  // Both calls of the two-call convention must agree on argument errors.
  void expect_sign(SECURITY_STATUS expected, NCRYPT_KEY_HANDLE key, Bytes value, DWORD flags) {
    DWORD size = 0;
    EXPECT_EQ(status_text(SslSignHash(p(), key, value.data(), static_cast<DWORD>(value.size()), nullptr, 0, &size, flags)),
              status_text(expected))
        << "size query: " << test::last_error();
    EXPECT_EQ(status_text(sign_status(key, std::move(value), flags)), status_text(expected)) << test::last_error();
  }
  void expect_verify(SECURITY_STATUS expected, NCRYPT_KEY_HANDLE key, Bytes value, Bytes sig, DWORD flags) {
    EXPECT_EQ(status_text(verify(key, std::move(value), std::move(sig), flags)), status_text(expected))
        << test::last_error();
  }

  NCRYPT_KEY_HANDLE ephemeral_key() {
    const SECURITY_STATUS s = SslCreateEphemeralKey(p(), ephemeral_.out(), TLS1_2_PROTOCOL_VERSION,
                                                    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                                                    TLS_ECC_P256_CURVE_KEY_TYPE, 0, nullptr, 0, 0);
    if (s != ERROR_SUCCESS) throw std::runtime_error("SslCreateEphemeralKey: " + status_text(s) + " " + test::last_error());
    return ephemeral_.get();
  }

  // A DH public key (SslImportKey takes any lengths-consistent group).
  NCRYPT_KEY_HANDLE dh_public_key() {
    constexpr ULONG kBytes = 256;
    BCRYPT_DH_KEY_BLOB h{BCRYPT_DH_PUBLIC_MAGIC, kBytes};
    Bytes blob(sizeof h);
    std::memcpy(blob.data(), &h, sizeof h);
    Bytes prime(kBytes, 0xFF), generator(kBytes, 0), y(kBytes, 0);
    generator.back() = 2;
    y.back() = 5;
    for (const Bytes* part : {&prime, &generator, &y}) blob.insert(blob.end(), part->begin(), part->end());
    const SECURITY_STATUS s =
        SslImportKey(p(), dh_.out(), BCRYPT_DH_PUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0);
    if (s != ERROR_SUCCESS) throw std::runtime_error("SslImportKey(DH): " + status_text(s) + " " + test::last_error());
    return dh_.get();
  }

 private:
  SslHandle ephemeral_, dh_;
};

// ---- SslSignHash -------------------------------------------------------------

TEST_P(SigningErrors, SignNullPcbResultIsInvalidParameter) {
  TokenKey& k = key(KeyKind::p256);
  Bytes digest = random_bytes(32), sig(128);
  EXPECT_EQ(status_text(SslSignHash(p(), k.handle.get(), digest.data(), 32, nullptr, 0, nullptr, 0)),
            status_text(NTE_INVALID_PARAMETER));
  EXPECT_EQ(status_text(SslSignHash(p(), k.handle.get(), digest.data(), 32, sig.data(), 128, nullptr, 0)),
            status_text(NTE_INVALID_PARAMETER));
}

TEST_P(SigningErrors, SignWithoutHashIsInvalidParameter) {
  for (KeyKind kind : {KeyKind::rsa2048, KeyKind::p256}) {
    TokenKey& k = key(kind);
    SCOPED_TRACE(k.name);
    Bytes digest = random_bytes(32), sig(512);
    DWORD written = 0;
    EXPECT_EQ(status_text(SslSignHash(p(), k.handle.get(), nullptr, 32, sig.data(), 512, &written, 0)),
              status_text(NTE_INVALID_PARAMETER));
    EXPECT_EQ(status_text(SslSignHash(p(), k.handle.get(), digest.data(), 0, sig.data(), 512, &written, 0)),
              status_text(NTE_INVALID_PARAMETER));
    EXPECT_EQ(status_text(SslSignHash(p(), k.handle.get(), nullptr, 0, nullptr, 0, &written, 0)),
              status_text(NTE_INVALID_PARAMETER));
  }
}

TEST_P(SigningErrors, SignUnknownOrBothFlagsAreBadFlags) {
  for (KeyKind kind : {KeyKind::rsa2048, KeyKind::p256}) {
    TokenKey& k = key(kind);
    SCOPED_TRACE(k.name);
    for (DWORD flags : {DWORD{4}, DWORD{0x80000000}, kHashOid | kPss, kHashOid | 8}) {
      SCOPED_TRACE(flags);
      expect_sign(NTE_BAD_FLAGS, k.handle.get(), random_bytes(32), flags);
    }
  }
}

TEST_P(SigningErrors, SignRsaFlagsWithEcKeyAreBadFlags) {
  TokenKey& k = key(KeyKind::p256);
  const Bytes digest = random_bytes(32);
  expect_sign(NTE_BAD_FLAGS, k.handle.get(), hashoid_value(u"SHA256", digest), kHashOid);
  expect_sign(NTE_BAD_FLAGS, k.handle.get(), digest, kPss);
}

TEST_P(SigningErrors, SignUnknownHashNameIsNotSupported) {
  TokenKey& k = key(KeyKind::rsa2048);
  expect_sign(NTE_NOT_SUPPORTED, k.handle.get(), hashoid_value(u"MD5", random_bytes(16)), kHashOid);
  expect_sign(NTE_NOT_SUPPORTED, k.handle.get(), hashoid_value(u"SHA3-256", random_bytes(32)), kHashOid);
  expect_sign(NTE_NOT_SUPPORTED, k.handle.get(), hashoid_value(u"", random_bytes(32)), kHashOid);
}

TEST_P(SigningErrors, SignHashOfWrongLengthIsInvalidParameter) {
  TokenKey& k = key(KeyKind::rsa2048);
  expect_sign(NTE_INVALID_PARAMETER, k.handle.get(), hashoid_value(u"SHA256", random_bytes(20)), kHashOid);
  expect_sign(NTE_INVALID_PARAMETER, k.handle.get(), hashoid_value(u"SHA256", random_bytes(33)), kHashOid);
  expect_sign(NTE_INVALID_PARAMETER, k.handle.get(), hashoid_value(u"SHA1", Bytes{}), kHashOid);
  // The name without its terminator (and nothing after it).
  Bytes unterminated = hashoid_value(u"SHA256", Bytes{});
  unterminated.resize(unterminated.size() - 2);
  expect_sign(NTE_INVALID_PARAMETER, k.handle.get(), unterminated, kHashOid);
  // PSS: the length picks SHA-256/384/512; SHA-1 and MD5||SHA-1 are not TLS PSS hashes.
  for (std::size_t len : {20u, 31u, 36u, 65u}) {
    SCOPED_TRACE(len);
    expect_sign(NTE_INVALID_PARAMETER, k.handle.get(), random_bytes(len), kPss);
  }
  // Raw PKCS#1 leaves at least 11 bytes of padding in a 256-byte block.
  expect_sign(NTE_INVALID_PARAMETER, k.handle.get(), random_bytes(246), 0);
}

TEST_P(SigningErrors, SignEcdsaHashOfUnknownLengthIsInvalidParameter) {
  TokenKey& k = key(KeyKind::p256);
  for (std::size_t len : {1u, 16u, 36u, 65u}) {
    SCOPED_TRACE(len);
    expect_sign(NTE_INVALID_PARAMETER, k.handle.get(), random_bytes(len), 0);
  }
}

TEST_P(SigningErrors, SignBufferTooSmallReportsTheSize) {
  struct Case {
    KeyKind kind;
    DWORD max;
  };
  for (const Case& c : {Case{KeyKind::rsa2048, 256}, Case{KeyKind::p256, 72}, Case{KeyKind::p384, 104}}) {
    TokenKey& k = key(c.kind);
    SCOPED_TRACE(k.name);
    Bytes digest = random_bytes(32), sig(c.max, 0xAA);
    DWORD result = 0;
    EXPECT_EQ(status_text(SslSignHash(p(), k.handle.get(), digest.data(), 32, sig.data(), c.max - 1, &result, 0)),
              status_text(NTE_BUFFER_TOO_SMALL));
    EXPECT_EQ(result, c.max);
    result = 0;
    EXPECT_EQ(status_text(SslSignHash(p(), k.handle.get(), digest.data(), 32, sig.data(), 0, &result, 0)),
              status_text(NTE_BUFFER_TOO_SMALL));
    EXPECT_EQ(result, c.max);
    EXPECT_EQ(sig, Bytes(c.max, 0xAA)) << "wrote into a buffer reported too small";
  }
}

TEST_P(SigningErrors, SignBadKeyHandlesAreInvalidHandle) {
  TokenKey& k = key(KeyKind::p256);
  const NCRYPT_KEY_HANDLE imported = import_public(k.public_key.get(), k.curve);
  const std::pair<const char*, NCRYPT_KEY_HANDLE> cases[] = {
      {"zero", 0},
      {"garbage", 0xdeadbeef},
      {"the provider handle", p()},
      {"an imported public key", imported},
      {"an ephemeral key", ephemeral_key()},
  };
  for (const auto& [what, h] : cases) {
    SCOPED_TRACE(what);
    expect_sign(NTE_INVALID_HANDLE, h, random_bytes(32), 0);
  }
  // Freed: the handle is dead even though the token key lives on.
  SslHandle second;
  CERT_CONTEXT cert{X509_ASN_ENCODING, k.certificate.der.data(), static_cast<DWORD>(k.certificate.der.size()), nullptr,
                    nullptr};
  ASSERT_EQ(SslOpenPrivateKey(p(), second.out(), &cert, 0), ERROR_SUCCESS) << test::last_error();
  const NCRYPT_KEY_HANDLE dead = second.get();
  second.reset();
  expect_sign(NTE_INVALID_HANDLE, dead, random_bytes(32), 0);
  // The handle stays usable with its own provider.
  EXPECT_EQ(status_text(sign_status(k.handle.get(), random_bytes(32), 0)), status_text(ERROR_SUCCESS));
}

TEST_P(SigningErrors, SignKeyOfAnotherProviderIsInvalidHandle) {
  TokenKey& k = key(KeyKind::p256);
  test::ProviderHandle other(spec());
  ASSERT_EQ(other.open_status(), ERROR_SUCCESS);
  Bytes digest = random_bytes(32), sig(128);
  DWORD written = 0;
  EXPECT_EQ(status_text(SslSignHash(other.get(), k.handle.get(), digest.data(), 32, sig.data(), 128, &written, 0)),
            status_text(NTE_INVALID_HANDLE));
  EXPECT_EQ(status_text(SslSignHash(0, k.handle.get(), digest.data(), 32, sig.data(), 128, &written, 0)),
            status_text(NTE_INVALID_HANDLE));
  EXPECT_EQ(status_text(SslSignHash(k.handle.get(), k.handle.get(), digest.data(), 32, sig.data(), 128, &written, 0)),
            status_text(NTE_INVALID_HANDLE));
}

// ---- SslVerifySignature --------------------------------------------------------

TEST_P(SigningErrors, VerifyWithoutHashOrSignatureIsInvalidParameter) {
  TokenKey& k = key(KeyKind::p256);
  const NCRYPT_KEY_HANDLE imported = import_public(k.public_key.get(), k.curve);
  Bytes digest = random_bytes(32);
  Bytes sig = sign(k.handle.get(), digest, 0).signature;
  ASSERT_FALSE(sig.empty());
  for (NCRYPT_KEY_HANDLE h : {k.handle.get(), imported}) {
    EXPECT_EQ(status_text(SslVerifySignature(p(), h, nullptr, 32, sig.data(), static_cast<DWORD>(sig.size()), 0)),
              status_text(NTE_INVALID_PARAMETER));
    EXPECT_EQ(status_text(SslVerifySignature(p(), h, digest.data(), 0, sig.data(), static_cast<DWORD>(sig.size()), 0)),
              status_text(NTE_INVALID_PARAMETER));
    EXPECT_EQ(status_text(SslVerifySignature(p(), h, digest.data(), 32, nullptr, static_cast<DWORD>(sig.size()), 0)),
              status_text(NTE_INVALID_PARAMETER));
    EXPECT_EQ(status_text(SslVerifySignature(p(), h, digest.data(), 32, sig.data(), 0, 0)),
              status_text(NTE_INVALID_PARAMETER));
  }
}

TEST_P(SigningErrors, VerifyBadFlagsAreBadFlags) {
  TokenKey& rsa = key(KeyKind::rsa2048);
  TokenKey& ec = key(KeyKind::p256);
  const Bytes digest = random_bytes(32), sig(256, 1);
  for (NCRYPT_KEY_HANDLE h : {rsa.handle.get(), ec.handle.get(), import_public(rsa.public_key.get()),
                              import_public(ec.public_key.get(), ec.curve)}) {
    for (DWORD flags : {DWORD{4}, kHashOid | kPss}) expect_verify(NTE_BAD_FLAGS, h, digest, sig, flags);
  }
  for (NCRYPT_KEY_HANDLE h : {ec.handle.get(), import_public(ec.public_key.get(), ec.curve)}) {
    expect_verify(NTE_BAD_FLAGS, h, hashoid_value(u"SHA256", digest), sig, kHashOid);
    expect_verify(NTE_BAD_FLAGS, h, digest, sig, kPss);
  }
}

TEST_P(SigningErrors, VerifyHashProblemsMatchSignHash) {
  TokenKey& rsa = key(KeyKind::rsa2048);
  const NCRYPT_KEY_HANDLE imported = import_public(rsa.public_key.get());
  const Bytes sig(256, 1);
  for (NCRYPT_KEY_HANDLE h : {rsa.handle.get(), imported}) {
    expect_verify(NTE_NOT_SUPPORTED, h, hashoid_value(u"MD5", random_bytes(16)), sig, kHashOid);
    expect_verify(NTE_INVALID_PARAMETER, h, hashoid_value(u"SHA384", random_bytes(32)), sig, kHashOid);
    expect_verify(NTE_INVALID_PARAMETER, h, random_bytes(20), sig, kPss);
  }
}

TEST_P(SigningErrors, VerifyBadKeyHandlesAreInvalidHandle) {
  TokenKey& k = key(KeyKind::p256);
  const Bytes digest = random_bytes(32);
  const Bytes sig = sign(k.handle.get(), digest, 0).signature;
  ASSERT_FALSE(sig.empty());
  const std::pair<const char*, NCRYPT_KEY_HANDLE> cases[] = {
      {"zero", 0},
      {"garbage", 0xdeadbeef},
      {"the provider handle", p()},
      {"an ephemeral key", ephemeral_key()},
      {"a DH public key", dh_public_key()},
  };
  for (const auto& [what, h] : cases) {
    SCOPED_TRACE(what);
    expect_verify(NTE_INVALID_HANDLE, h, digest, sig, 0);
  }
  test::ProviderHandle other(spec());
  ASSERT_EQ(other.open_status(), ERROR_SUCCESS);
  Bytes d = digest, s = sig;
  EXPECT_EQ(status_text(SslVerifySignature(other.get(), k.handle.get(), d.data(), 32, s.data(),
                                           static_cast<DWORD>(s.size()), 0)),
            status_text(NTE_INVALID_HANDLE));
  EXPECT_EQ(status_text(SslVerifySignature(0, k.handle.get(), d.data(), 32, s.data(), static_cast<DWORD>(s.size()), 0)),
            status_text(NTE_INVALID_HANDLE));
  // And the right provider still verifies.
  expect_verify(ERROR_SUCCESS, k.handle.get(), digest, sig, 0);
}

INSTANTIATE_TEST_SUITE_P(Tokens, SigningErrors, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::signingtest
