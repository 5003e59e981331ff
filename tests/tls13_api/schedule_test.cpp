// The TLS 1.3 key schedule through the Ssl* API only (reference §2.I, §7.5),
// on both test tokens, every TLS 1.3 suite the token runs, ECDHE P-256 and
// P-384: every secret checked against OpenSSL's TLS13-KDF from the (EC)DHE
// secret OpenSSL computes, by what may leave the token -- records under the
// write keys (OpenSSL opens ours, we open OpenSSL's), Finished verify_data,
// exporter output, PSK binders.
#include <sslp11/sslp11.h>

#include <iostream>

#include "tls13_api/tls13_api_support.h"

namespace sslp11::tls13api {
namespace {

constexpr std::uint32_t kGroups[] = {TLS_ECC_P256_CURVE_KEY_TYPE, TLS_ECC_P384_CURVE_KEY_TYPE};

class Tls13Api : public ::testing::TestWithParam<TokenSpec> {
 protected:
  ProviderHandle provider_{GetParam()};
  NCRYPT_PROV_HANDLE p() const { return provider_.get(); }

  // The hello messages and a transcript with them.
  Transcript hello_transcript(const oracle::SuiteFacts& suite, const Bytes& hellos) {
    Transcript th = make_transcript(p(), suite);
    th.add(p(), hellos);
    return th;
  }
  // A 1-RTT schedule of `suite` on P-256 against OpenSSL's key share, random hellos.
  void run_p256_schedule(std::uint32_t suite_id, ApiSchedule& api) {
    const auto& suite = *oracle::find_tls13_suite_facts(suite_id);
    const auto& curve = oracle::p256();
    const KeyShare ours = make_key_share(p(), suite, curve);
    const auto peer = oracle::ec_generate(curve);
    const Handle peer_public = import_point(p(), curve, oracle::ec_public_point(peer.get()));
    Transcript th = hello_transcript(suite, oracle::random_bytes(64));
    run_api_schedule(p(), suite, ours.key.get(), peer_public.get(), th, random_script(), api);
  }
};

// Every TLS 1.3 suite the tests know that the token's features allow is offered:
// AES-GCM on both tokens; ChaCha20-Poly1305 where the token has it.
TEST_P(Tls13Api, OffersTheTls13SuitesTheTokenRuns) {
  const auto suites = runnable_suites(p());
  ASSERT_GE(suites.size(), 2u) << test::last_error();
  for (const auto* s : suites) std::cout << "[tls13-api] token=" << GetParam().name << " runs " << s->name << std::endl;
  EXPECT_EQ(suites[0]->id, 0x1301u);
  EXPECT_EQ(suites[1]->id, 0x1302u);
  // Enumeration lists them under 0x0304 after the TLS 1.2 suites.
  std::vector<DWORD> enumerated;
  for (const auto& s : test::enum_cipher_suites(p(), nullptr, TLS1_3_PROTOCOL_VERSION))
    enumerated.push_back(s.dwCipherSuite);
  ASSERT_EQ(enumerated.size(), suites.size());
  for (std::size_t i = 0; i < suites.size(); ++i) EXPECT_EQ(enumerated[i], suites[i]->id);
  for (const auto* s : suites) {
    NCRYPT_SSL_CIPHER_LENGTHS lengths{};
    ASSERT_OK(SslLookupCipherLengths(p(), TLS1_3_PROTOCOL_VERSION, s->id, 0, &lengths, sizeof lengths, 0));
    EXPECT_EQ(lengths.dwHeaderLen, 0u);  // reference §2.B: no explicit nonce in TLS 1.3
    EXPECT_EQ(lengths.dwFixedTrailerLen, 16u);
    EXPECT_EQ(lengths.dwMaxVariableTrailerLen, 0u);
    WCHAR hash[NCRYPT_SSL_MAX_NAME_SIZE] = {};
    ASSERT_OK(SslGetCipherSuitePRFHashAlgorithm(p(), TLS1_3_PROTOCOL_VERSION, s->id, 0, hash, 0));
    EXPECT_EQ(test::ascii(hash, NCRYPT_SSL_MAX_NAME_SIZE), s->prf == oracle::Hash::sha384 ? "SHA384" : "SHA256");
  }
}

// SslDuplicateTranscriptHash under 0x0304 (reference §2.G, v5): the copy goes
// on independently, and a traffic secret from either matches OpenSSL's hash.
TEST_P(Tls13Api, DuplicatedTranscriptHashesGoOnIndependently) {
  for (const auto* suite : runnable_suites(p())) {
    SCOPED_TRACE(suite->name);
    const Bytes first = oracle::random_bytes(90), more = oracle::random_bytes(40);
    Transcript th = hello_transcript(*suite, first);
    Handle copy;
    ASSERT_OK(SslDuplicateTranscriptHash(p(), th.hash.get(), copy.out(), 0));
    th.add(p(), more);
    // The handshake secret of a fixed early secret, expanded over each transcript.
    Handle early, hs, from_original, from_copy;
    const KeyShare ours = make_key_share(p(), *suite, oracle::p256());
    const auto peer = oracle::ec_generate(oracle::p256());
    const Handle peer_public = import_point(p(), oracle::p256(), oracle::ec_public_point(peer.get()));
    ASSERT_OK(SslExtractEarlyKey(p(), 0, early.out(), TLS1_3_PROTOCOL_VERSION, suite->id, nullptr, 0));
    ASSERT_OK(SslExtractHandshakeKey(p(), ours.key.get(), peer_public.get(), early.get(), hs.out(), nullptr, 0));
    ASSERT_OK(SslExpandTrafficKeys(p(), hs.get(), th.hash.get(), from_original.out(), nullptr, nullptr, 0));
    ASSERT_OK(SslExpandTrafficKeys(p(), hs.get(), copy.get(), from_copy.out(), nullptr, nullptr, 0));
    const Bytes z = oracle::ecdh(peer.get(), oracle::ec_public_from_point(oracle::p256(), ours.point).get());
    const Bytes o_hs = oracle::tls13_extract(suite->prf, oracle::tls13_extract(suite->prf, std::nullopt, std::nullopt), z);
    const std::size_t n = oracle::hash_bytes(suite->prf);
    Transcript fin = hello_transcript(*suite, first);
    for (const auto& [secret, messages] : {std::pair{from_original.get(), oracle::concat(first, more)},
                                           std::pair{from_copy.get(), first}}) {
      const Bytes o_secret = oracle::tls13_derive_secret(suite->prf, o_hs, "c hs traffic", oracle::digest(suite->prf, messages));
      EXPECT_EQ(oracle::hex(api_finished(p(), secret, fin.hash.get(), n)),
                oracle::hex(oracle::tls13_finished(suite->prf, o_secret, fin.digest(suite->prf))));
    }
  }
}

// One side of a 1-RTT handshake through the API against a peer whose key share
// OpenSSL made: every traffic secret, Finished, exporter and resumption
// master equal OpenSSL's schedule from OpenSSL's (EC)DHE secret.
TEST_P(Tls13Api, OneRttScheduleMatchesOpenSsl) {
  for (const auto* suite : runnable_suites(p())) {
    for (const std::uint32_t group : kGroups) {
      SCOPED_TRACE(std::string(suite->name) + " group " + std::to_string(group));
      const auto& curve = *curve_facts(group);
      const KeyShare ours = make_key_share(p(), *suite, curve);
      const auto peer = oracle::ec_generate(curve);
      const Handle peer_public = import_point(p(), curve, oracle::ec_public_point(peer.get()));
      const Bytes z = oracle::ecdh(peer.get(), oracle::ec_public_from_point(curve, ours.point).get());

      const Bytes hellos = oracle::random_bytes(200);
      const HandshakeScript script = random_script();
      Transcript th = hello_transcript(*suite, hellos);
      ApiSchedule api;
      run_api_schedule(p(), *suite, ours.key.get(), peer_public.get(), th, script, api);
      ASSERT_FALSE(HasFatalFailure()) << test::last_error();
      const OracleSchedule o = oracle_schedule(*suite, z, hellos, script);

      EXPECT_TRUE(same_write_key(p(), api.c_hs_key.get(), *suite, oracle_write_key(*suite, o.c_hs)));
      EXPECT_TRUE(same_write_key(p(), api.s_hs_key.get(), *suite, oracle_write_key(*suite, o.s_hs)));
      EXPECT_TRUE(same_write_key(p(), api.c_ap_key.get(), *suite, oracle_write_key(*suite, o.c_ap)));
      EXPECT_TRUE(same_write_key(p(), api.s_ap_key.get(), *suite, oracle_write_key(*suite, o.s_ap)));

      // Finished on the handshake traffic secrets over a transcript the test
      // hashes itself (the server's through CertificateVerify).
      const std::size_t n = oracle::hash_bytes(suite->prf);
      Transcript fin = hello_transcript(*suite, hellos);
      EXPECT_EQ(oracle::hex(api_finished(p(), api.s_hs.get(), fin.hash.get(), n)),
                oracle::hex(oracle::tls13_finished(suite->prf, o.s_hs, fin.digest(suite->prf))));
      fin.add(p(), script.encrypted_extensions_to_server_finished);
      EXPECT_EQ(oracle::hex(api_finished(p(), api.c_hs.get(), fin.hash.get(), n)),
                oracle::hex(oracle::tls13_finished(suite->prf, o.c_hs, o.th_server_finished)));

      // Exporter (RFC 8446 §7.5): a context, and no context = the empty one.
      const Bytes context = oracle::random_bytes(17);
      EXPECT_EQ(oracle::hex(api_export(p(), api.exporter.get(), "EXPORTER-sslp11 test", &context, 42)),
                oracle::hex(oracle::tls13_export(suite->prf, o.exporter, "EXPORTER-sslp11 test", context, 42)));
      const Bytes empty;
      EXPECT_EQ(oracle::hex(api_export(p(), api.exporter.get(), "EXPORTER-sslp11 test", nullptr, 32)),
                oracle::hex(api_export(p(), api.exporter.get(), "EXPORTER-sslp11 test", &empty, 32)));
      EXPECT_EQ(oracle::hex(api_export(p(), api.exporter.get(), "EXPORTER-sslp11 test", nullptr, 32)),
                oracle::hex(oracle::tls13_export(suite->prf, o.exporter, "EXPORTER-sslp11 test", {}, 32)));

      // The resumption master, through the PSK it gives (checked in Resumption*).
      Handle psk;
      const Bytes nonce{0, 1};
      ASSERT_OK(SslExpandPreSharedKey(p(), api.resumption.get(), const_cast<PBYTE>(nonce.data()), 2, psk.out(),
                                      nullptr, 0));
      Handle early;
      ASSERT_OK(SslExtractEarlyKey(p(), psk.get(), early.out(), TLS1_3_PROTOCOL_VERSION, suite->id, nullptr, 0));
      Handle binder_key;
      ASSERT_OK(SslExpandBinderKey(p(), early.get(), binder_key.out(), nullptr, NCRYPT_SSL_RESUMPTION_PSK_FLAG));
      const Bytes o_psk = oracle::tls13_expand_label(suite->prf, o.resumption, "resumption", nonce, n);
      const Bytes o_early = oracle::tls13_extract(suite->prf, std::nullopt, o_psk);
      const Bytes o_binder_key =
          oracle::tls13_derive_secret(suite->prf, o_early, "res binder", oracle::digest(suite->prf, {}));
      EXPECT_EQ(oracle::hex(api_finished(p(), binder_key.get(), fin.hash.get(), n)),
                oracle::hex(oracle::tls13_finished(suite->prf, o_binder_key, fin.digest(suite->prf))));
    }
  }
}

// A client and a server, each through the API (two provider instances), each
// with its own key share: the client's write keys seal what the server's copy
// opens and back, Finished and exporters agree -- and OpenSSL, given the
// same (EC)DHE secret by neither side, could not have done it: the shared
// secret never left either token.
TEST_P(Tls13Api, ClientAndServerThroughTheApiAgree) {
  ProviderHandle server_provider(GetParam());
  const NCRYPT_PROV_HANDLE c = p();
  const NCRYPT_PROV_HANDLE s = server_provider.get();
  for (const auto* suite : runnable_suites(c)) {
    for (const std::uint32_t group : kGroups) {
      SCOPED_TRACE(std::string(suite->name) + " group " + std::to_string(group));
      const auto& curve = *curve_facts(group);
      const KeyShare client_share = make_key_share(c, *suite, curve);
      const KeyShare server_share = make_key_share(s, *suite, curve);
      const Handle server_at_client = import_point(c, curve, server_share.point);
      const Handle client_at_server = import_point(s, curve, client_share.point);
      const Bytes hellos = oracle::random_bytes(150);
      const HandshakeScript script = random_script();
      Transcript c_th = make_transcript(c, *suite);
      c_th.add(c, hellos);
      Transcript s_th = make_transcript(s, *suite);
      s_th.add(s, hellos);
      ApiSchedule cs, ss;
      run_api_schedule(c, *suite, client_share.key.get(), server_at_client.get(), c_th, script, cs);
      run_api_schedule(s, *suite, server_share.key.get(), client_at_server.get(), s_th, script, ss);
      ASSERT_FALSE(HasFatalFailure()) << test::last_error();

      const auto exchange = [&](NCRYPT_PROV_HANDLE writer, NCRYPT_KEY_HANDLE wkey, NCRYPT_PROV_HANDLE reader,
                                NCRYPT_KEY_HANDLE rkey) {
        for (std::uint64_t seq = 0; seq < 3; ++seq) {
          const Bytes inner = inner_plaintext(oracle::random_bytes(100), seq == 0 ? kHandshake : kApplicationData);
          Bytes record, opened;
          ASSERT_OK(api_seal(writer, wkey, seq, inner, record));
          ASSERT_OK(api_open(reader, rkey, seq, record, opened));
          EXPECT_EQ(opened, inner);
        }
      };
      exchange(c, cs.c_hs_key.get(), s, ss.c_hs_key.get());
      exchange(s, ss.s_hs_key.get(), c, cs.s_hs_key.get());
      exchange(c, cs.c_ap_key.get(), s, ss.c_ap_key.get());
      exchange(s, ss.s_ap_key.get(), c, cs.s_ap_key.get());
      const std::size_t n = oracle::hash_bytes(suite->prf);
      EXPECT_EQ(api_finished(c, cs.c_ap.get(), c_th.hash.get(), n), api_finished(s, ss.c_ap.get(), s_th.hash.get(), n));
      EXPECT_EQ(api_export(c, cs.exporter.get(), "EXPORTER-both", nullptr, 20),
                api_export(s, ss.exporter.get(), "EXPORTER-both", nullptr, 20));
    }
  }
}

// KeyUpdate (RFC 8446 §7.2): SslExpandNextGenTrafficKey then SslExpandWriteKey,
// twice, on both application secrets; records match OpenSSL's "traffic upd" chain.
TEST_P(Tls13Api, KeyUpdateMatchesOpenSsl) {
  for (const auto* suite : runnable_suites(p())) {
    SCOPED_TRACE(suite->name);
    const auto& curve = oracle::p256();
    const KeyShare ours = make_key_share(p(), *suite, curve);
    const auto peer = oracle::ec_generate(curve);
    const Handle peer_public = import_point(p(), curve, oracle::ec_public_point(peer.get()));
    const Bytes z = oracle::ecdh(peer.get(), oracle::ec_public_from_point(curve, ours.point).get());
    const Bytes hellos = oracle::random_bytes(120);
    const HandshakeScript script = random_script();
    Transcript th = hello_transcript(*suite, hellos);
    ApiSchedule api;
    run_api_schedule(p(), *suite, ours.key.get(), peer_public.get(), th, script, api);
    ASSERT_FALSE(HasFatalFailure()) << test::last_error();
    const OracleSchedule o = oracle_schedule(*suite, z, hellos, script);
    const std::size_t n = oracle::hash_bytes(suite->prf);
    for (const auto& [start, oracle_start] : {std::pair{api.c_ap.get(), o.c_ap}, std::pair{api.s_ap.get(), o.s_ap}}) {
      NCRYPT_KEY_HANDLE current = start;
      Bytes expected = oracle_start;
      std::vector<Handle> keep;
      for (int generation = 1; generation <= 2; ++generation) {
        Handle next, key;
        ASSERT_OK(SslExpandNextGenTrafficKey(p(), current, next.out(), nullptr, 0));
        ASSERT_OK(SslExpandWriteKey(p(), next.get(), key.out(), nullptr, 0));
        expected = oracle::tls13_expand_label(suite->prf, expected, "traffic upd", {}, n);
        EXPECT_TRUE(same_write_key(p(), key.get(), *suite, oracle_write_key(*suite, expected)))
            << "generation " << generation;
        current = next.get();
        keep.push_back(std::move(next));
        keep.push_back(std::move(key));
      }
    }
  }
}

// External PSK binder ("ext binder") and a PSK resumption's early secret
// feeding the handshake (psk_dhe_ke), against OpenSSL.
TEST_P(Tls13Api, ResumptionPskDheScheduleMatchesOpenSsl) {
  const auto suites = runnable_suites(p());
  ASSERT_FALSE(suites.empty());
  const auto& suite = *suites.front();
  const std::size_t n = oracle::hash_bytes(suite.prf);
  const auto& curve = oracle::p256();
  // A first handshake for its resumption master.
  const KeyShare ours = make_key_share(p(), suite, curve);
  const auto peer = oracle::ec_generate(curve);
  const Handle peer_public = import_point(p(), curve, oracle::ec_public_point(peer.get()));
  const Bytes z = oracle::ecdh(peer.get(), oracle::ec_public_from_point(curve, ours.point).get());
  const Bytes hellos = oracle::random_bytes(100);
  const HandshakeScript script = random_script();
  Transcript th = hello_transcript(suite, hellos);
  ApiSchedule first;
  run_api_schedule(p(), suite, ours.key.get(), peer_public.get(), th, script, first);
  ASSERT_FALSE(HasFatalFailure()) << test::last_error();
  const OracleSchedule o = oracle_schedule(suite, z, hellos, script);

  // NewSessionTicket nonce -> PSK -> early secret -> binder over a partial ClientHello.
  const Bytes ticket_nonce = oracle::random_bytes(8);
  Handle psk, early, binder_key;
  ASSERT_OK(SslExpandPreSharedKey(p(), first.resumption.get(), const_cast<PBYTE>(ticket_nonce.data()),
                                  static_cast<DWORD>(ticket_nonce.size()), psk.out(), nullptr, 0));
  ASSERT_OK(SslExtractEarlyKey(p(), psk.get(), early.out(), TLS1_3_PROTOCOL_VERSION, suite.id, nullptr, 0));
  ASSERT_OK(SslExpandBinderKey(p(), early.get(), binder_key.out(), nullptr, NCRYPT_SSL_RESUMPTION_PSK_FLAG));
  const Bytes o_psk = oracle::tls13_expand_label(suite.prf, o.resumption, "resumption", ticket_nonce, n);
  const Bytes o_early = oracle::tls13_extract(suite.prf, std::nullopt, o_psk);
  const Bytes empty_hash = oracle::digest(suite.prf, {});
  const Bytes partial_client_hello = oracle::random_bytes(180);
  Transcript binder_th = hello_transcript(suite, partial_client_hello);
  EXPECT_EQ(oracle::hex(api_finished(p(), binder_key.get(), binder_th.hash.get(), n)),
            oracle::hex(oracle::tls13_finished(suite.prf,
                                               oracle::tls13_derive_secret(suite.prf, o_early, "res binder", empty_hash),
                                               binder_th.digest(suite.prf))));
  // The same early secret's "ext binder" differs and matches OpenSSL's too.
  Handle ext_binder_key;
  ASSERT_OK(SslExpandBinderKey(p(), early.get(), ext_binder_key.out(), nullptr, NCRYPT_SSL_EXTERNAL_PSK_FLAG));
  EXPECT_EQ(oracle::hex(api_finished(p(), ext_binder_key.get(), binder_th.hash.get(), n)),
            oracle::hex(oracle::tls13_finished(suite.prf,
                                               oracle::tls13_derive_secret(suite.prf, o_early, "ext binder", empty_hash),
                                               binder_th.digest(suite.prf))));
  // Early exporter and 0-RTT client traffic from the PSK's early secret.
  Transcript ch = hello_transcript(suite, partial_client_hello);
  Handle early_exporter, c_e;
  ASSERT_OK(SslExpandExporterMasterKey(p(), early.get(), ch.hash.get(), early_exporter.out(), nullptr, 0));
  EXPECT_EQ(oracle::hex(api_export(p(), early_exporter.get(), "EXPORTER-early", nullptr, 24)),
            oracle::hex(oracle::tls13_export(
                suite.prf, oracle::tls13_derive_secret(suite.prf, o_early, "e exp master", ch.digest(suite.prf)),
                "EXPORTER-early", {}, 24)));
  ASSERT_OK(SslExpandTrafficKeys(p(), early.get(), ch.hash.get(), c_e.out(), nullptr, nullptr, 0));
  Handle c_e_key;
  ASSERT_OK(SslExpandWriteKey(p(), c_e.get(), c_e_key.out(), nullptr, 0));
  EXPECT_TRUE(same_write_key(
      p(), c_e_key.get(), suite,
      oracle_write_key(suite, oracle::tls13_derive_secret(suite.prf, o_early, "c e traffic", ch.digest(suite.prf)))));

  // psk_dhe_ke: the resumed handshake's handshake secret from the PSK's early secret.
  const KeyShare ours2 = make_key_share(p(), suite, curve);
  const auto peer2 = oracle::ec_generate(curve);
  const Handle peer2_public = import_point(p(), curve, oracle::ec_public_point(peer2.get()));
  const Bytes z2 = oracle::ecdh(peer2.get(), oracle::ec_public_from_point(curve, ours2.point).get());
  Handle hs, c_hs;
  ASSERT_OK(SslExtractHandshakeKey(p(), ours2.key.get(), peer2_public.get(), early.get(), hs.out(), nullptr, 0));
  ASSERT_OK(SslExpandTrafficKeys(p(), hs.get(), ch.hash.get(), c_hs.out(), nullptr, nullptr, 0));
  Handle c_hs_key;
  ASSERT_OK(SslExpandWriteKey(p(), c_hs.get(), c_hs_key.out(), nullptr, 0));
  const Bytes o_hs = oracle::tls13_extract(suite.prf, o_early, z2);
  EXPECT_TRUE(same_write_key(
      p(), c_hs_key.get(), suite,
      oracle_write_key(suite, oracle::tls13_derive_secret(suite.prf, o_hs, "c hs traffic", ch.digest(suite.prf)))));
}

// Every secret and write key the schedule hands out is one session object on
// the token, of the suite's hash length (secrets) or key length (write keys),
// sensitive and not extractable (Sslp11DescribeKey reads the attributes from
// the token). On the composed path (SoftHSMv2) the secrets are HMAC keys the
// token also keeps sensitive; only the (EC)DHE input and a PSK cross the host
// there (docs/security.md), and neither has a handle of its own here.
TEST_P(Tls13Api, EverySecretIsAProtectedSessionObject) {
  ApiSchedule api;
  run_p256_schedule(0x1301, api);
  ASSERT_FALSE(HasFatalFailure()) << test::last_error();
  const auto describe = [&](NCRYPT_KEY_HANDLE h, DWORD role, DWORD bytes, const char* what) {
    SSLP11_KEY_OBJECT_INFO info[4]{};
    DWORD n = 0;
    ASSERT_OK(Sslp11DescribeKey(h, info, 4, &n, 0));
    ASSERT_EQ(n, 1u) << what;
    EXPECT_EQ(info[0].dwRole, role) << what;
    EXPECT_EQ(info[0].dwClass, DWORD{CKO_SECRET_KEY}) << what;
    EXPECT_EQ(info[0].cbValue, bytes) << what;
    EXPECT_EQ(info[0].lToken, 0) << what;
    EXPECT_EQ(info[0].lSensitive, 1) << what;
    EXPECT_EQ(info[0].lExtractable, 0) << what;
  };
  for (const Handle* h : {&api.early, &api.handshake, &api.c_hs, &api.s_hs, &api.master, &api.c_ap, &api.s_ap,
                          &api.exporter, &api.resumption}) {
    describe(h->get(), SSLP11_OBJECT_ROLE_SECRET, 32, "secret");
  }
  for (const Handle* h : {&api.c_hs_key, &api.s_hs_key, &api.c_ap_key, &api.s_ap_key}) {
    describe(h->get(), SSLP11_OBJECT_ROLE_CIPHER_KEY, 16, "write key");
  }
}

// SslGetKeyProperty names the path that made a TLS 1.3 secret or write key
// (sslp11-tls's account reads it) and the secret's length, the hash's.
TEST_P(Tls13Api, SecretsAndWriteKeysNameTheirDerivationPath) {
  for (const std::uint32_t id : {0x1301u, 0x1302u}) {
    ApiSchedule api;
    run_p256_schedule(id, api);
    ASSERT_FALSE(HasFatalFailure()) << test::last_error();
    const DWORD secret_bits = id == 0x1301u ? 256u : 384u;
    for (const Handle* h : {&api.early, &api.handshake, &api.c_hs, &api.master, &api.s_ap, &api.exporter,
                            &api.resumption}) {
      EXPECT_EQ(test::key_property(h->get(), SSLP11_DERIVATION_PATH_PROPERTY).text(), GetParam().expected_path);
      EXPECT_EQ(test::key_property(h->get(), NCRYPT_LENGTH_PROPERTY).dword(), secret_bits);
    }
    EXPECT_EQ(test::key_property(api.c_ap_key.get(), SSLP11_DERIVATION_PATH_PROPERTY).text(), GetParam().expected_path);
  }
}

INSTANTIATE_TEST_SUITE_P(Tokens, Tls13Api, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::tls13api
