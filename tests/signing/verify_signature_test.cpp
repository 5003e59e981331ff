// SslVerifySignature against OpenSSL:
//  * signatures OpenSSL makes with its own keys, imported through SslImportKey
//    (BCRYPT_RSAPUBLIC_BLOB / BCRYPT_ECCPUBLIC_BLOB), verify for every scheme;
//    a flipped bit in the signature or the hash is NTE_BAD_SIGNATURE;
//  * the private key handle from SslOpenPrivateKey verifies with its public
//    half (the token's public key of the same CKA_ID);
//  * malformed ECDSA DER is NTE_BAD_SIGNATURE, and the per-call EC public
//    key object sslp11 makes for an imported key does not outlive the call.
#include <openssl/evp.h>

#include "signing/support/signing_fixture.h"

namespace sslp11::signingtest {
namespace {

using test::TestTokens;
using test::TokenName;

struct HashCase {
  std::u16string_view cng;
  const char* name;
};
constexpr HashCase kHashOidHashes[] = {{u"SHA1", "SHA1"}, {u"SHA256", "SHA256"}, {u"SHA384", "SHA384"}, {u"SHA512", "SHA512"}};
constexpr HashCase kPssHashes[] = {{u"SHA256", "SHA256"}, {u"SHA384", "SHA384"}, {u"SHA512", "SHA512"}};

Bytes flipped(Bytes b, std::size_t byte, int bit = 0) {
  b.at(byte) ^= static_cast<std::uint8_t>(1u << bit);
  return b;
}

class VerifySignature : public SigningTest {
 protected:
  // Shared by the tests of one process: OpenSSL RSA key generation is slow.
  static EVP_PKEY* openssl_rsa() {
    static Pkey key = rsa_generate(2048);
    return key.get();
  }
};

TEST_P(VerifySignature, AcceptsOpenSslRsaPkcs1WithHashOid) {
  const NCRYPT_KEY_HANDLE pub = import_public(openssl_rsa());
  for (const auto& h : kHashOidHashes) {
    SCOPED_TRACE(h.name);
    const EVP_MD* md = md_named(h.name);
    const Bytes digest = random_bytes(static_cast<std::size_t>(EVP_MD_get_size(md)));
    const Bytes sig = sign_pkcs1(openssl_rsa(), md, digest);
    EXPECT_EQ(status_text(verify(pub, hashoid_value(h.cng, digest), sig, NCRYPT_SSL_SIGN_INCLUDE_HASHOID)),
              status_text(ERROR_SUCCESS))
        << test::last_error();
    EXPECT_EQ(status_text(verify(pub, hashoid_value(h.cng, digest), flipped(sig, 100, 3), NCRYPT_SSL_SIGN_INCLUDE_HASHOID)),
              status_text(NTE_BAD_SIGNATURE));
    EXPECT_EQ(status_text(verify(pub, hashoid_value(h.cng, flipped(digest, 0)), sig, NCRYPT_SSL_SIGN_INCLUDE_HASHOID)),
              status_text(NTE_BAD_SIGNATURE));
    // The same signature read without the DigestInfo does not verify.
    EXPECT_EQ(status_text(verify(pub, digest, sig, 0)), status_text(NTE_BAD_SIGNATURE));
  }
}

TEST_P(VerifySignature, AcceptsOpenSslRsaPkcs1Raw) {
  const NCRYPT_KEY_HANDLE pub = import_public(openssl_rsa());
  const Bytes value = random_bytes(36);  // MD5||SHA-1 shaped
  const Bytes sig = sign_pkcs1_raw(openssl_rsa(), value);
  EXPECT_EQ(status_text(verify(pub, value, sig, 0)), status_text(ERROR_SUCCESS)) << test::last_error();
  EXPECT_EQ(status_text(verify(pub, value, flipped(sig, 255, 7), 0)), status_text(NTE_BAD_SIGNATURE));
  EXPECT_EQ(status_text(verify(pub, flipped(value, 35), sig, 0)), status_text(NTE_BAD_SIGNATURE));
  // Out of range for the modulus, or one byte too long: still just a bad signature.
  for (const Bytes& odd : {Bytes(256, 0xFF), Bytes(256, 0x00), Bytes(257, 0x01)}) {
    EXPECT_EQ(status_text(verify(pub, value, odd, 0)), status_text(NTE_BAD_SIGNATURE));
  }
  // A truncated signature is a bad signature, not a parameter error.
  EXPECT_EQ(status_text(verify(pub, value, Bytes(sig.begin(), sig.end() - 1), 0)), status_text(NTE_BAD_SIGNATURE));
}

TEST_P(VerifySignature, AcceptsOpenSslRsaPssWithSaltOfHashLength) {
  const NCRYPT_KEY_HANDLE pub = import_public(openssl_rsa());
  for (const auto& h : kPssHashes) {
    SCOPED_TRACE(h.name);
    const EVP_MD* md = md_named(h.name);
    const int hash_len = EVP_MD_get_size(md);
    const Bytes digest = random_bytes(static_cast<std::size_t>(hash_len));
    const Bytes sig = sign_pss(openssl_rsa(), md, digest, hash_len);
    EXPECT_EQ(status_text(verify(pub, digest, sig, NCRYPT_SSL_SIGN_USE_PSS_PADDING)), status_text(ERROR_SUCCESS))
        << test::last_error();
    EXPECT_EQ(status_text(verify(pub, digest, flipped(sig, 7, 1), NCRYPT_SSL_SIGN_USE_PSS_PADDING)),
              status_text(NTE_BAD_SIGNATURE));
    EXPECT_EQ(status_text(verify(pub, flipped(digest, 3), sig, NCRYPT_SSL_SIGN_USE_PSS_PADDING)),
              status_text(NTE_BAD_SIGNATURE));
    // sslp11 verifies with sLen = hLen (RFC 8446); another salt length fails.
    const Bytes no_salt = sign_pss(openssl_rsa(), md, digest, 0);
    EXPECT_EQ(status_text(verify(pub, digest, no_salt, NCRYPT_SSL_SIGN_USE_PSS_PADDING)), status_text(NTE_BAD_SIGNATURE));
  }
}

TEST_P(VerifySignature, AcceptsOpenSslEcdsaDer) {
  for (const CurveFacts* curve : {&p256(), &p384()}) {
    SCOPED_TRACE(curve->openssl_name);
    Pkey own = ec_generate(*curve);
    const NCRYPT_KEY_HANDLE pub = import_public(own.get(), curve);
    for (std::size_t digest_len : {20u, 32u, 48u, 64u}) {
      SCOPED_TRACE(digest_len);
      const Bytes digest = random_bytes(digest_len);
      const Bytes sig = sign_ecdsa(own.get(), digest);
      EXPECT_EQ(status_text(verify(pub, digest, sig, 0)), status_text(ERROR_SUCCESS)) << test::last_error();
      EXPECT_EQ(status_text(verify(pub, digest, flipped(sig, sig.size() - 1), 0)),
                status_text(NTE_BAD_SIGNATURE));
      EXPECT_EQ(status_text(verify(pub, flipped(digest, 0), sig, 0)), status_text(NTE_BAD_SIGNATURE));
    }
  }
}

TEST_P(VerifySignature, MalformedEcdsaDerIsABadSignature) {
  Pkey own = ec_generate(p256());
  const NCRYPT_KEY_HANDLE pub = import_public(own.get(), &p256());
  const Bytes digest = random_bytes(32);
  const Bytes sig = sign_ecdsa(own.get(), digest);
  ASSERT_EQ(verify(pub, digest, sig, 0), ERROR_SUCCESS) << test::last_error();
  const auto raw = ecdsa_raw(sig, 32);
  ASSERT_TRUE(raw.has_value());

  Bytes trailing = sig;
  trailing.push_back(0x00);
  Bytes long_form = sig;  // SEQUENCE length in the (non-minimal) long form
  long_form.insert(long_form.begin() + 1, 0x81);
  Bytes wrong_tag = sig;
  wrong_tag[0] = 0x31;
  Bytes r_too_long = ecdsa_der(Bytes(40, 0x11), ByteView(*raw).subspan(32));
  const std::pair<const char*, Bytes> cases[] = {
      {"raw r||s instead of DER", *raw},
      {"truncated", Bytes(sig.begin(), sig.end() - 1)},
      {"trailing byte", trailing},
      {"non-minimal length", long_form},
      {"SET instead of SEQUENCE", wrong_tag},
      {"r longer than the curve", r_too_long},
      {"one byte", Bytes{0x30}},
      // Well-formed DER, values out of range: the token's answer.
      {"r = s = 2^256 - 1 (above the order)", ecdsa_der(Bytes(32, 0xFF), Bytes(32, 0xFF))},
      {"r = s = 0", ecdsa_der(Bytes(32, 0), Bytes(32, 0))},
      {"r = 0", ecdsa_der(Bytes(32, 0), ByteView(*raw).subspan(32))},
  };
  for (const auto& [what, bad] : cases) {
    EXPECT_EQ(status_text(verify(pub, digest, bad, 0)), status_text(NTE_BAD_SIGNATURE)) << what;
  }
}

TEST_P(VerifySignature, ImportedEcKeyLeavesNoTokenObject) {
  Pkey own = ec_generate(p384());
  const NCRYPT_KEY_HANDLE pub = import_public(own.get(), &p384());
  const Bytes digest = random_bytes(48);
  const Bytes sig = sign_ecdsa(own.get(), digest);
  const std::size_t before = count_objects(CKO_PUBLIC_KEY, CKK_EC);
  ASSERT_EQ(verify(pub, digest, sig, 0), ERROR_SUCCESS) << test::last_error();
  ASSERT_EQ(verify(pub, digest, flipped(sig, 10), 0), NTE_BAD_SIGNATURE);
  ASSERT_EQ(verify(pub, flipped(digest, 1), sig, 0), NTE_BAD_SIGNATURE);
  EXPECT_EQ(count_objects(CKO_PUBLIC_KEY, CKK_EC), before);
}

// The private key handle verifies with the token's public key of the same
// CKA_ID; and an imported copy of that public key agrees.
TEST_P(VerifySignature, PrivateKeyHandleVerifiesWithItsPublicHalf) {
  struct Scheme {
    const char* what;
    DWORD flags;
    std::u16string_view name;  // HASHOID only
    std::size_t digest;
  };
  const Scheme rsa_schemes[] = {{"PKCS#1 SHA-256", NCRYPT_SSL_SIGN_INCLUDE_HASHOID, u"SHA256", 32},
                                {"PKCS#1 SHA-1", NCRYPT_SSL_SIGN_INCLUDE_HASHOID, u"SHA1", 20},
                                {"PKCS#1 raw", 0, u"", 36},
                                {"PSS SHA-384", NCRYPT_SSL_SIGN_USE_PSS_PADDING, u"", 48}};
  const Scheme ec_schemes[] = {{"ECDSA SHA-256", 0, u"", 32}, {"ECDSA SHA-384", 0, u"", 48}};
  for (KeyKind kind : {KeyKind::rsa2048, KeyKind::p256, KeyKind::p384}) {
    TokenKey& k = key(kind);
    const NCRYPT_KEY_HANDLE imported = import_public(k.public_key.get(), k.curve);
    for (const Scheme& s : k.ec() ? std::span<const Scheme>(ec_schemes) : std::span<const Scheme>(rsa_schemes)) {
      SCOPED_TRACE(k.name + " " + s.what);
      const Bytes digest = random_bytes(s.digest);
      const Bytes value = s.name.empty() ? digest : hashoid_value(s.name, digest);
      const auto signed_ = sign(k.handle.get(), value, s.flags);
      ASSERT_EQ(signed_.status, ERROR_SUCCESS) << test::last_error();
      EXPECT_EQ(status_text(verify(k.handle.get(), value, signed_.signature, s.flags)), status_text(ERROR_SUCCESS))
          << test::last_error();
      EXPECT_EQ(status_text(verify(imported, value, signed_.signature, s.flags)), status_text(ERROR_SUCCESS))
          << test::last_error();
      const Bytes bad = flipped(signed_.signature, signed_.signature.size() / 2, 5);
      EXPECT_EQ(status_text(verify(k.handle.get(), value, bad, s.flags)), status_text(NTE_BAD_SIGNATURE));
      EXPECT_EQ(status_text(verify(imported, value, bad, s.flags)), status_text(NTE_BAD_SIGNATURE));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Tokens, VerifySignature, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::signingtest
