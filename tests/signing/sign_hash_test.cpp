// SslSignHash with long-term keys on the token, every signature checked by
// OpenSSL with the certificate's public key:
//  * RSA PKCS#1 v1.5 with NCRYPT_SSL_SIGN_INCLUDE_HASHOID (SHA-1/256/384/512):
//    EVP_PKEY_verify with the DigestInfo of that hash;
//  * RSA PKCS#1 v1.5 without flags over the TLS < 1.2 MD5||SHA-1 value:
//    EVP_PKEY_verify_recover gives the value back;
//  * RSA-PSS (SHA-256/384/512): salt length = digest length, MGF1 same hash;
//  * ECDSA on P-256 and P-384: a minimal DER ECDSA-Sig-Value OpenSSL accepts;
//  * the two-call convention, and that the token key outlives its handle.
#include <openssl/evp.h>

#include <atomic>
#include <thread>

#include "pkcs11/api.h"
#include "pkcs11/attributes.h"
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

Bytes digest_of(const EVP_MD* md, ByteView message) {
  Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned len = 0;
  if (EVP_Digest(message.data(), message.size(), out.data(), &len, md, nullptr) != 1) throw std::runtime_error("EVP_Digest");
  return out;
}

class SignHash : public SigningTest {};

TEST_P(SignHash, RsaPkcs1WithHashOidVerifiesInOpenSsl) {
  TokenKey& k = key(KeyKind::rsa2048);
  for (const auto& h : kHashOidHashes) {
    SCOPED_TRACE(h.name);
    const EVP_MD* md = md_named(h.name);
    const Bytes digest = digest_of(md, random_bytes(100));
    const auto s = sign(k.handle.get(), hashoid_value(h.cng, digest), NCRYPT_SSL_SIGN_INCLUDE_HASHOID);
    ASSERT_EQ(s.status, ERROR_SUCCESS) << status_text(s.status) << " " << test::last_error();
    EXPECT_EQ(s.size_query, 256u);
    EXPECT_EQ(s.signature.size(), 256u);
    EXPECT_TRUE(verify_pkcs1(k.public_key.get(), md, digest, s.signature));
    Bytes other = digest;
    other[0] ^= 1;
    EXPECT_FALSE(verify_pkcs1(k.public_key.get(), md, other, s.signature)) << "the oracle accepts anything";
  }
}

// CNG compares algorithm names without regard to case; so does sslp11.
TEST_P(SignHash, HashOidNameIgnoresCase) {
  TokenKey& k = key(KeyKind::rsa2048);
  const Bytes digest = random_bytes(32);
  const auto s = sign(k.handle.get(), hashoid_value(u"sha256", digest), NCRYPT_SSL_SIGN_INCLUDE_HASHOID);
  ASSERT_EQ(s.status, ERROR_SUCCESS) << status_text(s.status) << " " << test::last_error();
  EXPECT_TRUE(verify_pkcs1(k.public_key.get(), EVP_sha256(), digest, s.signature));
}

// TLS 1.0/1.1 (RFC 4346 §7.4.3): PKCS#1 type 1 over MD5(m)||SHA-1(m), no DigestInfo.
TEST_P(SignHash, RsaPkcs1RawMd5Sha1RecoversInOpenSsl) {
  TokenKey& k = key(KeyKind::rsa2048);
  const Bytes message = random_bytes(200);
  Bytes value = digest_of(EVP_md5(), message);
  const Bytes sha1 = digest_of(EVP_sha1(), message);
  value.insert(value.end(), sha1.begin(), sha1.end());
  ASSERT_EQ(value.size(), 36u);
  const auto s = sign(k.handle.get(), value, 0);
  ASSERT_EQ(s.status, ERROR_SUCCESS) << status_text(s.status) << " " << test::last_error();
  EXPECT_EQ(s.size_query, 256u);
  ASSERT_EQ(s.signature.size(), 256u);
  const auto recovered = recover_pkcs1(k.public_key.get(), s.signature);
  ASSERT_TRUE(recovered.has_value()) << "OpenSSL found no PKCS#1 type 1 block";
  EXPECT_EQ(hex(*recovered), hex(value));
}

// Whatever value is given is signed as is (up to the PKCS#1 limit k - 11).
TEST_P(SignHash, RsaPkcs1RawSignsTheValueAsGiven) {
  TokenKey& k = key(KeyKind::rsa2048);
  for (std::size_t len : {1u, 20u, 245u}) {
    SCOPED_TRACE(len);
    const Bytes value = random_bytes(len);
    const auto s = sign(k.handle.get(), value, 0);
    ASSERT_EQ(s.status, ERROR_SUCCESS) << status_text(s.status) << " " << test::last_error();
    const auto recovered = recover_pkcs1(k.public_key.get(), s.signature);
    ASSERT_TRUE(recovered.has_value());
    EXPECT_EQ(hex(*recovered), hex(value));
  }
}

TEST_P(SignHash, RsaPssVerifiesInOpenSslWithSaltOfHashLength) {
  TokenKey& k = key(KeyKind::rsa2048);
  for (const auto& h : kPssHashes) {
    SCOPED_TRACE(h.name);
    const EVP_MD* md = md_named(h.name);
    const int hash_len = EVP_MD_get_size(md);
    const Bytes digest = random_bytes(static_cast<std::size_t>(hash_len));
    const auto s = sign(k.handle.get(), digest, NCRYPT_SSL_SIGN_USE_PSS_PADDING);
    ASSERT_EQ(s.status, ERROR_SUCCESS) << status_text(s.status) << " " << test::last_error();
    EXPECT_EQ(s.size_query, 256u);
    ASSERT_EQ(s.signature.size(), 256u);
    EXPECT_TRUE(verify_pss(k.public_key.get(), md, digest, s.signature, hash_len));
    // RFC 8446: sLen = hLen, so any other salt length must fail.
    EXPECT_FALSE(verify_pss(k.public_key.get(), md, digest, s.signature, hash_len - 1));
    // PSS is randomised: a second signature differs and verifies too.
    const auto again = sign(k.handle.get(), digest, NCRYPT_SSL_SIGN_USE_PSS_PADDING);
    ASSERT_EQ(again.status, ERROR_SUCCESS);
    EXPECT_NE(hex(again.signature), hex(s.signature));
    EXPECT_TRUE(verify_pss(k.public_key.get(), md, digest, again.signature, hash_len));
  }
}

// DER, minimal, verified by OpenSSL; enough signatures that both a padded
// (high bit set) and an unpadded integer occur.
TEST_P(SignHash, EcdsaIsMinimalDerThatVerifiesInOpenSsl) {
  for (KeyKind kind : {KeyKind::p256, KeyKind::p384}) {
    TokenKey& k = key(kind);
    SCOPED_TRACE(k.name);
    const std::size_t n = k.curve->coordinate_bytes;
    const DWORD expected_max = n == 32 ? 72 : 104;  // 30 len (02 n+1 00 r) (02 n+1 00 s)
    bool saw_padded = false, saw_unpadded = false;
    for (std::size_t digest_len : {20u, 32u, 48u, 64u}) {
      for (int i = 0; i < 12; ++i) {
        SCOPED_TRACE("digest " + std::to_string(digest_len) + " bytes, signature " + std::to_string(i));
        const Bytes digest = random_bytes(digest_len);
        const auto s = sign(k.handle.get(), digest, 0);
        ASSERT_EQ(s.status, ERROR_SUCCESS) << status_text(s.status) << " " << test::last_error();
        EXPECT_EQ(s.size_query, expected_max);
        ASSERT_LE(s.signature.size(), expected_max);
        ASSERT_TRUE(verify_ecdsa(k.public_key.get(), digest, s.signature)) << hex(s.signature);
        const auto raw = ecdsa_raw(s.signature, n);
        ASSERT_TRUE(raw.has_value()) << "not DER: " << hex(s.signature);
        // OpenSSL's own encoding of the same (r, s) is byte for byte ours.
        EXPECT_EQ(hex(ecdsa_der(ByteView(*raw).first(n), ByteView(*raw).subspan(n))), hex(s.signature));
        ((*raw)[0] & 0x80 ? saw_padded : saw_unpadded) = true;
        Bytes other = digest;
        other[0] ^= 1;
        EXPECT_FALSE(verify_ecdsa(k.public_key.get(), other, s.signature));
      }
    }
    EXPECT_TRUE(saw_padded && saw_unpadded) << "48 signatures did not cover both integer forms";
  }
}

TEST_P(SignHash, BufferOfTheQueriedSizeIsEnoughAndLargerIsFine) {
  TokenKey& rsa = key(KeyKind::rsa2048);
  Bytes digest = random_bytes(32);
  Bytes value = hashoid_value(u"SHA256", digest);
  Bytes big(1000, 0xAA);
  DWORD written = 0;
  ASSERT_EQ(SslSignHash(p(), rsa.handle.get(), value.data(), static_cast<DWORD>(value.size()), big.data(),
                        static_cast<DWORD>(big.size()), &written, NCRYPT_SSL_SIGN_INCLUDE_HASHOID),
            ERROR_SUCCESS)
      << test::last_error();
  ASSERT_EQ(written, 256u);
  EXPECT_TRUE(verify_pkcs1(rsa.public_key.get(), EVP_sha256(), digest, ByteView(big).first(written)));
  EXPECT_EQ(big[written], 0xAA) << "wrote past the signature";

  TokenKey& ec = key(KeyKind::p256);
  ASSERT_EQ(SslSignHash(p(), ec.handle.get(), digest.data(), static_cast<DWORD>(digest.size()), big.data(),
                        static_cast<DWORD>(big.size()), &written, 0),
            ERROR_SUCCESS)
      << test::last_error();
  ASSERT_LE(written, 72u);
  EXPECT_TRUE(verify_ecdsa(ec.public_key.get(), digest, ByteView(big).first(written)));
}

// The key is the token's long-term key: freeing the handle leaves it there,
// and it can be opened and used again.
TEST_P(SignHash, FreeingTheHandleLeavesTheTokenKey) {
  for (KeyKind kind : {KeyKind::rsa2048, KeyKind::p256}) {
    TokenKey& k = key(kind);
    SCOPED_TRACE(k.name);
    const Bytes digest = random_bytes(32);
    const DWORD flags = k.ec() ? 0 : NCRYPT_SSL_SIGN_USE_PSS_PADDING;
    ASSERT_EQ(sign(k.handle.get(), digest, flags).status, ERROR_SUCCESS) << test::last_error();
    k.handle.reset();
    const std::size_t private_keys = pool()->run([&](p11::Lease& l) {
      p11::AttributeTemplate q;
      q.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_bytes(CKA_ID, k.id);
      return l.api().find_objects(l.handle(), q.span()).size();
    });
    EXPECT_EQ(private_keys, 1u) << "the private key left the token with its handle";
    CERT_CONTEXT cert{X509_ASN_ENCODING, k.certificate.der.data(), static_cast<DWORD>(k.certificate.der.size()),
                      nullptr, nullptr};
    ASSERT_EQ(SslOpenPrivateKey(p(), k.handle.out(), &cert, 0), ERROR_SUCCESS) << test::last_error();
    const auto s = sign(k.handle.get(), digest, flags);
    ASSERT_EQ(s.status, ERROR_SUCCESS) << test::last_error();
    EXPECT_TRUE(k.ec() ? verify_ecdsa(k.public_key.get(), digest, s.signature)
                       : verify_pss(k.public_key.get(), EVP_sha256(), digest, s.signature, 32));
  }
}

// One key handle, several threads (a server signs for many handshakes at once).
TEST_P(SignHash, ConcurrentSignaturesWithOneKey) {
  TokenKey& rsa = key(KeyKind::rsa2048);
  TokenKey& ec = key(KeyKind::p256);
  constexpr int kThreads = 4, kEach = 6;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        TokenKey& k = (t + i) % 2 ? ec : rsa;
        Bytes digest = random_bytes(32);
        Bytes value = k.ec() ? digest : hashoid_value(u"SHA256", digest);
        Bytes sig(256);
        DWORD written = 0;
        if (SslSignHash(p(), k.handle.get(), value.data(), static_cast<DWORD>(value.size()), sig.data(),
                        static_cast<DWORD>(sig.size()), &written, k.ec() ? 0 : NCRYPT_SSL_SIGN_INCLUDE_HASHOID) != 0) {
          continue;
        }
        sig.resize(written);
        try {
          if (k.ec() ? verify_ecdsa(k.public_key.get(), digest, sig)
                     : verify_pkcs1(k.public_key.get(), EVP_sha256(), digest, sig)) {
            ++good;
          }
        } catch (const std::exception&) {
          // counted as a failure below
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), kThreads * kEach);
}

INSTANTIATE_TEST_SUITE_P(Tokens, SignHash, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::signingtest
