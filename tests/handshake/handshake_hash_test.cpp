// src/core/handshake_hash.cpp through the Ssl* API: SslCreateHandshakeHash,
// SslHashHandshake, SslComputeSessionHash, SslDuplicateTranscriptHash,
// SslCreateClientAuthHash, SslComputeClientAuthHash. The oracle is OpenSSL's
// EVP_Digest over the concatenated messages.
#include <gtest/gtest.h>

#include <array>

#include "handshake/support/handshake_kit.h"

namespace sslp11::hstest {
namespace {

class HandshakeHash : public ProviderTest {
 protected:
  // Feeds a ClientHello-to-ClientKeyExchange-like run of random messages in
  // several calls, returning their concatenation.
  Bytes feed(NCRYPT_HASH_HANDLE hash, std::initializer_list<std::size_t> body_sizes, std::uint8_t first_type = 1) {
    Bytes all;
    std::uint8_t type = first_type;
    for (std::size_t n : body_sizes) {
      const Bytes m = handshake_message(type++, n);
      hash_into(p(), hash, m);
      all.insert(all.end(), m.begin(), m.end());
    }
    return all;
  }
};

TEST_P(HandshakeHash, SessionHashIsTheDigestOfEverythingHashedSoFar) {
  for (const SuiteCase& suite : suite_cases()) {
    SCOPED_TRACE(suite.name);
    Handle hash = make_handshake_hash(p(), suite.suite);
    Bytes transcript = feed(hash.get(), {70, 1200, 0, 333, 4});
    EXPECT_EQ(session_hash(p(), hash.get()), digest(suite.prf, transcript));
  }
}

TEST_P(HandshakeHash, SessionHashIsNonDestructive) {
  for (const SuiteCase& suite : suite_cases()) {
    SCOPED_TRACE(suite.name);
    Handle hash = make_handshake_hash(p(), suite.suite);
    Bytes transcript = feed(hash.get(), {100, 200});
    const Bytes first = session_hash(p(), hash.get());
    EXPECT_EQ(first, digest(suite.prf, transcript));
    EXPECT_EQ(session_hash(p(), hash.get()), first) << "a second compute changed the answer";
    const Bytes more = feed(hash.get(), {50, 12}, 20);
    transcript.insert(transcript.end(), more.begin(), more.end());
    EXPECT_EQ(session_hash(p(), hash.get()), digest(suite.prf, transcript)) << "hashing did not continue";
  }
}

TEST_P(HandshakeHash, EmptyTranscriptAndSplitMessagesHashLikeOpenSsl) {
  Handle hash = make_handshake_hash(p(), sha256_case().suite);
  EXPECT_EQ(session_hash(p(), hash.get()), digest(Hash::sha256, {}));
  // Message boundaries do not matter: one message fed in three pieces.
  const Bytes m = handshake_message(11, 3000);
  hash_into(p(), hash.get(), ByteView(m).first(1));
  hash_into(p(), hash.get(), ByteView(m).subspan(1, 1500));
  ASSERT_OK(SslHashHandshake(p(), hash.get(), nullptr, 0, 0)) << "(NULL, 0) is an empty message";
  hash_into(p(), hash.get(), ByteView(m).subspan(1501));
  EXPECT_EQ(session_hash(p(), hash.get()), digest(Hash::sha256, m));
}

TEST_P(HandshakeHash, SessionHashFollowsTheTwoCallConvention) {
  Handle hash = make_handshake_hash(p(), sha384_case().suite);
  const Bytes transcript = feed(hash.get(), {64});
  DWORD size = 0;
  ASSERT_OK(SslComputeSessionHash(p(), hash.get(), TLS1_2_PROTOCOL_VERSION, nullptr, 0, &size, 0));
  EXPECT_EQ(size, 48u);
  std::array<BYTE, 47> small{};
  DWORD needed = 0;
  EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, SslComputeSessionHash(p(), hash.get(), TLS1_2_PROTOCOL_VERSION, small.data(),
                                                            static_cast<DWORD>(small.size()), &needed, 0));
  EXPECT_EQ(needed, 48u);
  std::array<BYTE, 64> big{};
  DWORD written = 0;
  ASSERT_OK(SslComputeSessionHash(p(), hash.get(), TLS1_2_PROTOCOL_VERSION, big.data(),
                                  static_cast<DWORD>(big.size()), &written, 0));
  ASSERT_EQ(written, 48u);
  EXPECT_EQ(Bytes(big.begin(), big.begin() + 48), digest(Hash::sha384, transcript));
}

TEST_P(HandshakeHash, DuplicateIsAnIndependentCopy) {
  for (const SuiteCase& suite : suite_cases()) {
    SCOPED_TRACE(suite.name);
    Handle original = make_handshake_hash(p(), suite.suite);
    const Bytes common = feed(original.get(), {90, 400});
    Handle copy;
    ASSERT_OK(SslDuplicateTranscriptHash(p(), original.get(), copy.out(), 0));
    ASSERT_NE(copy.get(), 0u);
    EXPECT_NE(copy.get(), original.get());
    EXPECT_EQ(session_hash(p(), copy.get()), digest(suite.prf, common));

    const Bytes to_original = feed(original.get(), {33}, 15);
    const Bytes to_copy = feed(copy.get(), {44, 55}, 16);
    EXPECT_EQ(session_hash(p(), original.get()), digest(suite.prf, concat(common, to_original)));
    EXPECT_EQ(session_hash(p(), copy.get()), digest(suite.prf, concat(common, to_copy)));

    // Freeing the original leaves the copy working.
    original.reset();
    EXPECT_EQ(session_hash(p(), copy.get()), digest(suite.prf, concat(common, to_copy)));
  }
}

TEST_P(HandshakeHash, TranscriptIsBoundedAndUnchangedByARefusedMessage) {
  Handle hash = make_handshake_hash(p(), sha256_case().suite);
  const Bytes chunk = random_bytes(64 * 1024);
  for (int i = 0; i < 16; ++i) hash_into(p(), hash.get(), chunk);  // exactly 1 MiB
  BYTE one = 0x42;
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslHashHandshake(p(), hash.get(), &one, 1, 0));
  Bytes all;
  for (int i = 0; i < 16; ++i) all.insert(all.end(), chunk.begin(), chunk.end());
  EXPECT_EQ(session_hash(p(), hash.get()), digest(Hash::sha256, all));
}

TEST_P(HandshakeHash, ClientAuthHashIsTheDigestWithTheRequestedHash) {
  Session session = make_session(p(), sha256_case());
  struct Case {
    LPCWSTR name;
    Hash hash;
  };
  for (const Case& c : {Case{u"SHA256", Hash::sha256}, Case{u"SHA384", Hash::sha384}, Case{u"SHA1", Hash::sha1},
                        Case{u"sha384", Hash::sha384}}) {
    SCOPED_TRACE(hash_bytes(c.hash));
    Handle hash;
    ASSERT_OK(
        SslCreateClientAuthHash(p(), hash.out(), TLS1_2_PROTOCOL_VERSION, sha256_case().suite, c.name, 0));
    const Bytes transcript = feed(hash.get(), {120, 900, 70});
    for (LPCWSTR alg : {u"RSA", u"ECDSA", c.name}) {
      DWORD size = 0;
      ASSERT_OK(SslComputeClientAuthHash(p(), session.master.get(), hash.get(), alg, nullptr, 0, &size, 0));
      ASSERT_EQ(size, hash_bytes(c.hash));
      Bytes out(size);
      DWORD written = 0;
      ASSERT_OK(SslComputeClientAuthHash(p(), session.master.get(), hash.get(), alg, out.data(), size, &written, 0));
      EXPECT_EQ(written, size);
      EXPECT_EQ(out, digest(c.hash, transcript));
    }
    // Non-destructive too: the CertificateVerify digest, then more messages.
    const Bytes more = feed(hash.get(), {20}, 15);
    Bytes out(hash_bytes(c.hash));
    DWORD written = 0;
    ASSERT_OK(SslComputeClientAuthHash(p(), session.master.get(), hash.get(), u"RSA", out.data(),
                                       static_cast<DWORD>(out.size()), &written, 0));
    EXPECT_EQ(out, digest(c.hash, concat(transcript, more)));
  }
}

// ---- Errors ----

TEST_P(HandshakeHash, CreateRejectsBadArguments) {
  const DWORD suite = sha256_case().suite;
  Handle hash;
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslCreateHandshakeHash(0, hash.out(), TLS1_2_PROTOCOL_VERSION, suite, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslCreateHandshakeHash(p(), nullptr, TLS1_2_PROTOCOL_VERSION, suite, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslCreateHandshakeHash(p(), hash.out(), TLS1_2_PROTOCOL_VERSION, suite, 1));
  EXPECT_EQ(hash.get(), 0u) << "a failing call returned a handle";
  // TLS 1.3 transcripts are issue 15's (tests/tls13_api): a TLS 1.3 suite is
  // accepted under 0x0304, a TLS 1.2 suite is not.
  EXPECT_OK(SslCreateHandshakeHash(p(), hash.out(), TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, 0));
  hash.reset();
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslCreateHandshakeHash(p(), hash.out(), TLS1_3_PROTOCOL_VERSION, suite, 0));
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslCreateHandshakeHash(p(), hash.out(), TLS1_1_PROTOCOL_VERSION, suite, 0));
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslCreateHandshakeHash(p(), hash.out(), TLS1_2_PROTOCOL_VERSION, 0xFEFE, 0));
  // A key handle is not a provider handle.
  Session session = make_session(p(), sha256_case());
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslCreateHandshakeHash(session.master.get(), hash.out(), TLS1_2_PROTOCOL_VERSION, suite, 0));
}

TEST_P(HandshakeHash, CreateClientAuthRejectsBadArguments) {
  const DWORD suite = sha256_case().suite;
  const DWORD tls12 = TLS1_2_PROTOCOL_VERSION;
  Handle hash;
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslCreateClientAuthHash(0, hash.out(), tls12, suite, u"SHA256", 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslCreateClientAuthHash(p(), nullptr, tls12, suite, u"SHA256", 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslCreateClientAuthHash(p(), hash.out(), tls12, suite, nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslCreateClientAuthHash(p(), hash.out(), tls12, suite, u"SHA256", 2));
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslCreateClientAuthHash(p(), hash.out(), tls12, suite, u"MD5", 0));
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslCreateClientAuthHash(p(), hash.out(), tls12, suite, u"SHA512", 0));
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslCreateClientAuthHash(p(), hash.out(), tls12, suite, u"", 0));
  EXPECT_STATUS(NTE_NOT_SUPPORTED,
                SslCreateClientAuthHash(p(), hash.out(), TLS1_3_PROTOCOL_VERSION, suite, u"SHA256", 0));
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslCreateClientAuthHash(p(), hash.out(), tls12, 0xFEFE, u"SHA256", 0));
  EXPECT_EQ(hash.get(), 0u);
}

TEST_P(HandshakeHash, HashHandshakeRejectsBadArguments) {
  Handle hash = make_handshake_hash(p(), sha256_case().suite);
  Session session = make_session(p(), sha256_case());
  BYTE m[4] = {1, 0, 0, 0};
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslHashHandshake(0, hash.get(), m, 4, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslHashHandshake(hash.get(), hash.get(), m, 4, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslHashHandshake(p(), 0, m, 4, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslHashHandshake(p(), 0xDEADBEEF, m, 4, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslHashHandshake(p(), session.master.get(), m, 4, 0)) << "wrong kind";
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslHashHandshake(p(), p(), m, 4, 0)) << "wrong kind";
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslHashHandshake(p(), hash.get(), nullptr, 4, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslHashHandshake(p(), hash.get(), m, 4, NCRYPT_SSL_CLIENT_FLAG));
  // None of that reached the transcript.
  EXPECT_EQ(session_hash(p(), hash.get()), digest(Hash::sha256, {}));
}

TEST_P(HandshakeHash, SessionHashRejectsBadArguments) {
  Handle hash = make_handshake_hash(p(), sha256_case().suite);
  Session session = make_session(p(), sha256_case());
  const DWORD tls12 = TLS1_2_PROTOCOL_VERSION;
  std::array<BYTE, 32> out{};
  DWORD n = 0;
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeSessionHash(0, hash.get(), tls12, out.data(), 32, &n, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeSessionHash(p(), 0, tls12, out.data(), 32, &n, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeSessionHash(p(), session.master.get(), tls12, out.data(), 32, &n, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslComputeSessionHash(p(), hash.get(), tls12, out.data(), 32, nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslComputeSessionHash(p(), hash.get(), tls12, out.data(), 32, &n, 1));
  EXPECT_STATUS(NTE_NOT_SUPPORTED,
                SslComputeSessionHash(p(), hash.get(), TLS1_3_PROTOCOL_VERSION, out.data(), 32, &n, 0));
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslComputeSessionHash(p(), hash.get(), 0x0301, out.data(), 32, &n, 0));
}

TEST_P(HandshakeHash, DuplicateRejectsBadArguments) {
  Handle hash = make_handshake_hash(p(), sha256_case().suite);
  Session session = make_session(p(), sha256_case());
  Handle copy;
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslDuplicateTranscriptHash(0, hash.get(), copy.out(), 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslDuplicateTranscriptHash(p(), 0, copy.out(), 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslDuplicateTranscriptHash(p(), session.master.get(), copy.out(), 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslDuplicateTranscriptHash(p(), hash.get(), nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslDuplicateTranscriptHash(p(), hash.get(), copy.out(), 1));
  EXPECT_EQ(copy.get(), 0u);
}

TEST_P(HandshakeHash, ComputeClientAuthRejectsBadArguments) {
  Session session = make_session(p(), sha256_case());
  const NCRYPT_KEY_HANDLE master = session.master.get();
  Handle hash;
  ASSERT_OK(SslCreateClientAuthHash(p(), hash.out(), TLS1_2_PROTOCOL_VERSION, sha256_case().suite, u"SHA384", 0));
  std::array<BYTE, 48> out{};
  DWORD n = 0;
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeClientAuthHash(0, master, hash.get(), u"RSA", out.data(), 48, &n, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeClientAuthHash(p(), 0, hash.get(), u"RSA", out.data(), 48, &n, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslComputeClientAuthHash(p(), hash.get(), hash.get(), u"RSA", out.data(), 48, &n, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeClientAuthHash(p(), master, 0, u"RSA", out.data(), 48, &n, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeClientAuthHash(p(), master, master, u"RSA", out.data(), 48, &n, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslComputeClientAuthHash(p(), master, hash.get(), nullptr, out.data(), 48, &n, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslComputeClientAuthHash(p(), master, hash.get(), u"RSA", out.data(), 48, nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslComputeClientAuthHash(p(), master, hash.get(), u"RSA", out.data(), 48, &n, 1));
  EXPECT_STATUS(NTE_NOT_SUPPORTED,
                SslComputeClientAuthHash(p(), master, hash.get(), u"AES", out.data(), 48, &n, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslComputeClientAuthHash(p(), master, hash.get(), u"SHA256", out.data(), 48, &n, 0))
      << "a hash name other than the object's";
  n = 0;
  EXPECT_STATUS(NTE_BUFFER_TOO_SMALL,
                SslComputeClientAuthHash(p(), master, hash.get(), u"RSA", out.data(), 47, &n, 0));
  EXPECT_EQ(n, 48u);
}

TEST_P(HandshakeHash, FreedHashHandleIsInvalid) {
  Handle hash = make_handshake_hash(p(), sha256_case().suite);
  Session session = make_session(p(), sha256_case());
  const NCRYPT_HASH_HANDLE dead = hash.free_keep_value();
  BYTE m[4] = {1, 0, 0, 0};
  std::array<BYTE, 48> out{};
  DWORD n = 0;
  Handle copy;
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslHashHandshake(p(), dead, m, 4, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeSessionHash(p(), dead, TLS1_2_PROTOCOL_VERSION, out.data(), 48, &n, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslDuplicateTranscriptHash(p(), dead, copy.out(), 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslComputeClientAuthHash(p(), session.master.get(), dead, u"RSA", out.data(), 48, &n, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslComputeFinishedHash(p(), session.master.get(), dead, out.data(), 12, NCRYPT_SSL_CLIENT_FLAG));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslFreeObject(dead, 0)) << "freed twice";
}

TEST_P(HandshakeHash, HashOfAnotherProviderInstanceIsInvalid) {
  ProviderHandle other(GetParam());
  Handle foreign = make_handshake_hash(other.get(), sha256_case().suite);
  BYTE m[4] = {1, 0, 0, 0};
  std::array<BYTE, 32> out{};
  DWORD n = 0;
  Handle copy;
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslHashHandshake(p(), foreign.get(), m, 4, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslComputeSessionHash(p(), foreign.get(), TLS1_2_PROTOCOL_VERSION, out.data(), 32, &n, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslDuplicateTranscriptHash(p(), foreign.get(), copy.out(), 0));
  EXPECT_OK(SslHashHandshake(other.get(), foreign.get(), m, 4, 0)) << "its own provider still works";
}

TEST_P(HandshakeHash, ClientAuthHashWithALostMasterKeyIsBadKeyState) {
  // Its own configuration file, so the token context (and its pool) is not
  // shared with anything else in this process.
  ProviderHandle isolated(GetParam(), "", "lost-master");
  Session session = make_session(isolated.get(), sha256_case());
  Handle hash;
  ASSERT_OK(SslCreateClientAuthHash(isolated.get(), hash.out(), TLS1_2_PROTOCOL_VERSION, sha256_case().suite,
                                    u"SHA256", 0));
  lose_sessions_behind(session.master.get());
  std::array<BYTE, 32> out{};
  DWORD n = 0;
  EXPECT_STATUS(NTE_BAD_KEY_STATE,
                SslComputeClientAuthHash(isolated.get(), session.master.get(), hash.get(), u"RSA", out.data(), 32, &n,
                                         0));
}

INSTANTIATE_TEST_SUITE_P(Tokens, HandshakeHash, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::hstest
