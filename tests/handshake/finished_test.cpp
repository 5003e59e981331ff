// src/core/finished.cpp through SslComputeFinishedHash: verify_data =
// TLS1-PRF(master, "client finished" / "server finished", Hash(transcript))
// on both tokens -- CKM_TLS_MAC on NSS softoken (native), HMAC-composed on
// SoftHSMv2 -- against OpenSSL, and the statuses of wrong calls.
#include <gtest/gtest.h>

#include <array>

#include "handshake/support/handshake_kit.h"

namespace sslp11::hstest {
namespace {

class Finished : public ProviderTest {
 protected:
  Bytes finished(NCRYPT_KEY_HANDLE master, NCRYPT_HASH_HANDLE hash, DWORD flags, std::size_t length = 12) {
    Bytes out(length);
    const SECURITY_STATUS s =
        SslComputeFinishedHash(p(), master, hash, out.data(), static_cast<DWORD>(out.size()), flags);
    EXPECT_OK(s);
    return out;
  }

  Bytes add(NCRYPT_HASH_HANDLE hash, Bytes& transcript, std::uint8_t type, std::size_t body) {
    const Bytes m = handshake_message(type, body);
    hash_into(p(), hash, m);
    transcript.insert(transcript.end(), m.begin(), m.end());
    return m;
  }
};

TEST_P(Finished, TheTokenChoosesThePath) {
  // NSS softoken has CKM_TLS_MAC, SoftHSMv2 does not: so the tests below
  // cover the native and the composed Finished.
  EXPECT_EQ(token_has_tls_mac(p()), GetParam().expected_path == "native") << GetParam();
}

TEST_P(Finished, ClientAndServerVerifyDataMatchTheTlsPrf) {
  for (const SuiteCase& suite : {sha256_case(), sha384_case()}) {
    SCOPED_TRACE(suite.name);
    Session s = make_session(p(), suite);
    Handle hash = make_handshake_hash(p(), suite.suite);
    Bytes transcript;
    add(hash.get(), transcript, 1, 300);   // ClientHello
    add(hash.get(), transcript, 2, 90);    // ServerHello
    add(hash.get(), transcript, 11, 1500); // Certificate
    add(hash.get(), transcript, 12, 330);  // ServerKeyExchange
    add(hash.get(), transcript, 14, 0);    // ServerHelloDone
    add(hash.get(), transcript, 16, 66);   // ClientKeyExchange

    // The client's Finished, computed mid-transcript...
    const Bytes client = finished(s.master.get(), hash.get(), NCRYPT_SSL_CLIENT_FLAG);
    EXPECT_EQ(client, tls12_prf(suite.prf, s.master_secret, "client finished", digest(suite.prf, transcript), 12));
    // ...is computed again the same (nothing was consumed)...
    EXPECT_EQ(finished(s.master.get(), hash.get(), NCRYPT_SSL_CLIENT_FLAG), client);
    // ...then hashed, as the client does, and the server's Finished covers it.
    Bytes client_finished{20, 0, 0, 12};
    client_finished.insert(client_finished.end(), client.begin(), client.end());
    hash_into(p(), hash.get(), client_finished);
    transcript.insert(transcript.end(), client_finished.begin(), client_finished.end());
    const Bytes server = finished(s.master.get(), hash.get(), NCRYPT_SSL_SERVER_FLAG);
    EXPECT_EQ(server, tls12_prf(suite.prf, s.master_secret, "server finished", digest(suite.prf, transcript), 12));
    EXPECT_NE(server, client);
    // And the hash keeps working afterwards.
    EXPECT_EQ(session_hash(p(), hash.get()), digest(suite.prf, transcript));
  }
}

TEST_P(Finished, LongerVerifyDataIsThePrfOutputOfThatLength) {
  for (const SuiteCase& suite : {sha256_case(), sha384_case()}) {
    SCOPED_TRACE(suite.name);
    Session s = make_session(p(), suite);
    Handle hash = make_handshake_hash(p(), suite.suite);
    Bytes transcript;
    add(hash.get(), transcript, 1, 200);
    const Bytes seed = digest(suite.prf, transcript);
    for (std::size_t length : {std::size_t{13}, std::size_t{32}, std::size_t{64}}) {
      SCOPED_TRACE(length);
      EXPECT_EQ(finished(s.master.get(), hash.get(), NCRYPT_SSL_SERVER_FLAG, length),
                tls12_prf(suite.prf, s.master_secret, "server finished", seed, length));
    }
  }
}

TEST_P(Finished, ADuplicatedTranscriptGivesTheSameFinished) {
  const SuiteCase& suite = sha256_case();
  Session s = make_session(p(), suite);
  Handle hash = make_handshake_hash(p(), suite.suite);
  Bytes transcript;
  add(hash.get(), transcript, 1, 100);
  Handle copy;
  ASSERT_OK(SslDuplicateTranscriptHash(p(), hash.get(), copy.out(), 0));
  EXPECT_EQ(finished(s.master.get(), copy.get(), NCRYPT_SSL_CLIENT_FLAG),
            finished(s.master.get(), hash.get(), NCRYPT_SSL_CLIENT_FLAG));
}

// ---- Errors ----

TEST_P(Finished, FlagsMustNameExactlyOneSide) {
  Session s = make_session(p(), sha256_case());
  Handle hash = make_handshake_hash(p(), sha256_case().suite);
  std::array<BYTE, 12> out{};
  for (DWORD flags : {DWORD{0}, DWORD{NCRYPT_SSL_CLIENT_FLAG | NCRYPT_SSL_SERVER_FLAG}, DWORD{4},
                      DWORD{NCRYPT_SSL_CLIENT_FLAG | 0x100}}) {
    SCOPED_TRACE(flags);
    EXPECT_STATUS(NTE_BAD_FLAGS, SslComputeFinishedHash(p(), s.master.get(), hash.get(), out.data(), 12, flags));
  }
}

TEST_P(Finished, OutputBufferAndLength) {
  Session s = make_session(p(), sha256_case());
  Handle hash = make_handshake_hash(p(), sha256_case().suite);
  std::array<BYTE, 80> out{};
  const DWORD client = NCRYPT_SSL_CLIENT_FLAG;
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslComputeFinishedHash(p(), s.master.get(), hash.get(), nullptr, 12, client));
  EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, SslComputeFinishedHash(p(), s.master.get(), hash.get(), out.data(), 11, client));
  EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, SslComputeFinishedHash(p(), s.master.get(), hash.get(), out.data(), 0, client));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslComputeFinishedHash(p(), s.master.get(), hash.get(), out.data(), 65, client));
}

TEST_P(Finished, BadHandlesAreInvalidHandle) {
  Session s = make_session(p(), sha256_case());
  Handle hash = make_handshake_hash(p(), sha256_case().suite);
  std::array<BYTE, 12> out{};
  const DWORD client = NCRYPT_SSL_CLIENT_FLAG;
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeFinishedHash(0, s.master.get(), hash.get(), out.data(), 12, client));
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslComputeFinishedHash(hash.get(), s.master.get(), hash.get(), out.data(), 12, client));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeFinishedHash(p(), 0, hash.get(), out.data(), 12, client));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeFinishedHash(p(), 0x7777777, hash.get(), out.data(), 12, client));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeFinishedHash(p(), s.master.get(), 0, out.data(), 12, client));
  // Swapped: a hash where the master goes and the other way round.
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeFinishedHash(p(), hash.get(), s.master.get(), out.data(), 12, client));
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslComputeFinishedHash(p(), s.master.get(), s.master.get(), out.data(), 12, client));

  const NCRYPT_KEY_HANDLE dead_master = s.master.free_keep_value();
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeFinishedHash(p(), dead_master, hash.get(), out.data(), 12, client));
}

TEST_P(Finished, ObjectsOfAnotherProviderInstanceAreInvalidHandle) {
  ProviderHandle other(GetParam());
  Session mine = make_session(p(), sha256_case());
  Session theirs = make_session(other.get(), sha256_case());
  Handle my_hash = make_handshake_hash(p(), sha256_case().suite);
  Handle their_hash = make_handshake_hash(other.get(), sha256_case().suite);
  std::array<BYTE, 12> out{};
  const DWORD client = NCRYPT_SSL_CLIENT_FLAG;
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslComputeFinishedHash(p(), theirs.master.get(), my_hash.get(), out.data(), 12, client));
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslComputeFinishedHash(p(), mine.master.get(), their_hash.get(), out.data(), 12, client));
  EXPECT_OK(SslComputeFinishedHash(other.get(), theirs.master.get(), their_hash.get(), out.data(), 12, client));
}

TEST_P(Finished, TranscriptWithAnotherPrfHashIsInvalidParameter) {
  Session s = make_session(p(), sha256_case());
  Handle sha384 = make_handshake_hash(p(), sha384_case().suite);
  std::array<BYTE, 12> out{};
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslComputeFinishedHash(p(), s.master.get(), sha384.get(), out.data(), 12, NCRYPT_SSL_CLIENT_FLAG));
}

TEST_P(Finished, LostMasterKeyIsBadKeyState) {
  ProviderHandle isolated(GetParam(), "", "lost-master");
  Session s = make_session(isolated.get(), sha256_case());
  Handle hash = make_handshake_hash(isolated.get(), sha256_case().suite);
  lose_sessions_behind(s.master.get());
  std::array<BYTE, 12> out{};
  EXPECT_STATUS(NTE_BAD_KEY_STATE, SslComputeFinishedHash(isolated.get(), s.master.get(), hash.get(), out.data(), 12,
                                                          NCRYPT_SSL_CLIENT_FLAG));
  // The hash itself holds no token object and still works.
  DWORD n = 0;
  std::array<BYTE, 32> digest_out{};
  EXPECT_OK(SslComputeSessionHash(isolated.get(), hash.get(), TLS1_2_PROTOCOL_VERSION, digest_out.data(), 32, &n, 0));
}

INSTANTIATE_TEST_SUITE_P(Tokens, Finished, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::hstest
