// src/core/exporters.cpp through SslExportKeyingMaterial (RFC 5705) and
// SslComputeEapKeyBlock (RFC 5216, 5281, 4851) against OpenSSL's TLS1-PRF,
// and the statuses of wrong calls.
#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "handshake/support/handshake_kit.h"

namespace sslp11::hstest {
namespace {

class Exporters : public ProviderTest {
 protected:
  SECURITY_STATUS do_export(const Session& s, const char* label, const Bytes* context, Bytes& out,
                         NCRYPT_PROV_HANDLE provider = 0) {
    Bytes randoms = s.randoms();
    // An empty vector's data() may be NULL, and NULL means "no context".
    static BYTE empty_context = 0;
    PBYTE ctx = nullptr;
    if (context != nullptr) ctx = context->empty() ? &empty_context : const_cast<PBYTE>(context->data());
    return SslExportKeyingMaterial(provider != 0 ? provider : p(), s.master.get(), const_cast<PCHAR>(label),
                                   randoms.data(), static_cast<DWORD>(randoms.size()), ctx,
                                   context ? static_cast<WORD>(context->size()) : WORD{0}, out.data(),
                                   static_cast<DWORD>(out.size()), 0);
  }

  Bytes eap(const Session& s, DWORD selector) {
    Bytes randoms = s.randoms();
    DWORD size = 0;
    EXPECT_OK(SslComputeEapKeyBlock(p(), s.master.get(), randoms.data(), 64, nullptr, 0, &size, selector));
    Bytes out(size);
    DWORD written = 0;
    EXPECT_OK(SslComputeEapKeyBlock(p(), s.master.get(), randoms.data(), 64, out.data(), size, &written, selector));
    EXPECT_EQ(written, size);
    return out;
  }
};

// RFC 5705 §4 seed: client_random || server_random [|| uint16 length || context].
Bytes exporter_seed(const Session& s, const Bytes* context) {
  Bytes seed = s.randoms();
  if (context != nullptr) {
    seed.push_back(static_cast<std::uint8_t>(context->size() >> 8));
    seed.push_back(static_cast<std::uint8_t>(context->size()));
    seed.insert(seed.end(), context->begin(), context->end());
  }
  return seed;
}

TEST_P(Exporters, KeyingMaterialMatchesRfc5705) {
  for (const SuiteCase& suite : suite_cases()) {
    SCOPED_TRACE(suite.name);
    Session s = make_session(p(), suite);
    const Bytes empty;
    const Bytes context = random_bytes(20);
    const char* label = "EXPERIMENTAL sslp11 test";

    Bytes no_ctx(40), empty_ctx(40), with_ctx(40);
    ASSERT_OK(do_export(s, label, nullptr, no_ctx));
    ASSERT_OK(do_export(s, label, &empty, empty_ctx));
    ASSERT_OK(do_export(s, label, &context, with_ctx));
    EXPECT_EQ(no_ctx, tls12_prf(suite.prf, s.master_secret, label, exporter_seed(s, nullptr), 40));
    EXPECT_EQ(empty_ctx, tls12_prf(suite.prf, s.master_secret, label, exporter_seed(s, &empty), 40));
    EXPECT_EQ(with_ctx, tls12_prf(suite.prf, s.master_secret, label, exporter_seed(s, &context), 40));
    EXPECT_NE(no_ctx, empty_ctx) << "a NULL context and an empty one must differ (RFC 5705)";
    EXPECT_NE(empty_ctx, with_ctx);
  }
}

TEST_P(Exporters, AnyOutputLength) {
  Session s = make_session(p(), sha384_case());
  for (std::size_t n : {std::size_t{1}, std::size_t{47}, std::size_t{48}, std::size_t{49}, std::size_t{1000}}) {
    SCOPED_TRACE(n);
    Bytes out(n);
    ASSERT_OK(do_export(s, "EXPERIMENTAL length", nullptr, out));
    EXPECT_EQ(out, tls12_prf(Hash::sha384, s.master_secret, "EXPERIMENTAL length", s.randoms(), n));
  }
}

TEST_P(Exporters, EapTlsKeyBlockIsKeyMaterialThenIv) {
  for (const SuiteCase& suite : {sha256_case(), sha384_case()}) {
    SCOPED_TRACE(suite.name);
    Session s = make_session(p(), suite);
    const Bytes block = eap(s, NCRYPT_SSL_EAP_ID);
    ASSERT_EQ(block.size(), 192u);
    // RFC 5216 §2.3: Key_Material = TLS-PRF-128(master, label, randoms) (MSK || EMSK),
    // IV = TLS-PRF-64("", label, randoms).
    EXPECT_EQ(Bytes(block.begin(), block.begin() + 128),
              tls12_prf(suite.prf, s.master_secret, "client EAP encryption", s.randoms(), 128));
    EXPECT_EQ(Bytes(block.begin() + 128, block.end()),
              tls12_prf(suite.prf, {}, "client EAP encryption", s.randoms(), 64));
  }
}

TEST_P(Exporters, TtlsKeyingMaterialAndChallenge) {
  for (const SuiteCase& suite : {sha256_case(), sha384_case()}) {
    SCOPED_TRACE(suite.name);
    Session s = make_session(p(), suite);
    EXPECT_EQ(eap(s, NCRYPT_SSL_EAP_TTLSV0_ID),
              tls12_prf(suite.prf, s.master_secret, "ttls keying material", s.randoms(), 128));
    EXPECT_EQ(eap(s, NCRYPT_SSL_EAP_TTLSV0_CHLNG_ID),
              tls12_prf(suite.prf, s.master_secret, "ttls challenge", s.randoms(), 17));
  }
}

TEST_P(Exporters, EapFastSeedFollowsTheKeyBlock) {
  for (const SuiteCase& suite : suite_cases()) {
    SCOPED_TRACE(suite.name);
    Session s = make_session(p(), suite);
    // RFC 4851 §5.1: the 40 bytes of PRF(master, "key expansion",
    // server_random || client_random) after the suite's key material.
    const Bytes key_block = tls12_prf(suite.prf, s.master_secret, "key expansion",
                                      concat(s.server_random, s.client_random), suite.key_block + 40);
    EXPECT_EQ(eap(s, NCRYPT_SSL_EAP_FAST_ID), Bytes(key_block.begin() + static_cast<std::ptrdiff_t>(suite.key_block),
                                                    key_block.end()));
  }
}

TEST_P(Exporters, EapSizeQueryAndShortBuffer) {
  Session s = make_session(p(), sha256_case());
  Bytes randoms = s.randoms();
  struct Case {
    DWORD selector;
    DWORD size;
  };
  for (const Case& c : {Case{0, 192}, Case{1, 128}, Case{2, 17}, Case{3, 40}}) {
    SCOPED_TRACE(c.selector);
    DWORD size = 0;
    ASSERT_OK(SslComputeEapKeyBlock(p(), s.master.get(), randoms.data(), 64, nullptr, 0, &size, c.selector));
    EXPECT_EQ(size, c.size);
    Bytes out(c.size - 1);
    DWORD needed = 0;
    EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, SslComputeEapKeyBlock(p(), s.master.get(), randoms.data(), 64, out.data(),
                                                              c.size - 1, &needed, c.selector));
    EXPECT_EQ(needed, c.size);
    // A larger buffer gets the block, and says how much it got.
    Bytes big(c.size + 10, 0xEE);
    DWORD written = 0;
    ASSERT_OK(SslComputeEapKeyBlock(p(), s.master.get(), randoms.data(), 64, big.data(),
                                    static_cast<DWORD>(big.size()), &written, c.selector));
    EXPECT_EQ(written, c.size);
    EXPECT_EQ(big[c.size], 0xEE) << "wrote past the block";
  }
}

// ---- Errors ----

TEST_P(Exporters, ExportRejectsBadArguments) {
  Session s = make_session(p(), sha256_case());
  const NCRYPT_KEY_HANDLE m = s.master.get();
  Bytes randoms = s.randoms();
  PBYTE r = randoms.data();
  BYTE ctx[4] = {1, 2, 3, 4};
  std::array<BYTE, 32> out{};
  char label[] = "EXPERIMENTAL x";
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExportKeyingMaterial(0, m, label, r, 64, nullptr, 0, out.data(), 32, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExportKeyingMaterial(m, m, label, r, 64, nullptr, 0, out.data(), 32, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExportKeyingMaterial(p(), 0, label, r, 64, nullptr, 0, out.data(), 32, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslExportKeyingMaterial(p(), p(), label, r, 64, nullptr, 0, out.data(), 32, 0));
  Handle hash = make_handshake_hash(p(), sha256_case().suite);
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslExportKeyingMaterial(p(), hash.get(), label, r, 64, nullptr, 0, out.data(), 32, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslExportKeyingMaterial(p(), m, label, r, 64, nullptr, 0, out.data(), 32, 1));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExportKeyingMaterial(p(), m, nullptr, r, 64, nullptr, 0, out.data(), 32, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslExportKeyingMaterial(p(), m, label, nullptr, 64, nullptr, 0, out.data(), 32, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslExportKeyingMaterial(p(), m, label, nullptr, 0, nullptr, 0, out.data(), 32, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExportKeyingMaterial(p(), m, label, r, 63, nullptr, 0, out.data(), 32, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExportKeyingMaterial(p(), m, label, r, 65, nullptr, 0, out.data(), 32, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExportKeyingMaterial(p(), m, label, r, 64, nullptr, 0, nullptr, 32, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExportKeyingMaterial(p(), m, label, r, 64, nullptr, 0, out.data(), 0, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExportKeyingMaterial(p(), m, label, r, 64, nullptr, 4, out.data(), 32, 0))
      << "a context length without a context";
  EXPECT_OK(SslExportKeyingMaterial(p(), m, label, r, 64, ctx, 4, out.data(), 32, 0));
  Bytes huge(64 * 1024 + 1);
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslExportKeyingMaterial(p(), m, label, r, 64, nullptr, 0, huge.data(),
                                        static_cast<DWORD>(huge.size()), 0));
}

TEST_P(Exporters, TlsKeyScheduleLabelsAreRefused) {
  Session s = make_session(p(), sha256_case());
  // With the randoms swapped, "key expansion" would hand out the record keys.
  Bytes swapped = concat(s.server_random, s.client_random);
  std::array<BYTE, 40> out{};
  for (const char* reserved :
       {"key expansion", "master secret", "extended master secret", "client finished", "server finished"}) {
    SCOPED_TRACE(reserved);
    EXPECT_STATUS(NTE_INVALID_PARAMETER,
                  SslExportKeyingMaterial(p(), s.master.get(), const_cast<PCHAR>(reserved), swapped.data(), 64,
                                          nullptr, 0, out.data(), 40, 0));
  }
  // An unterminated label of 300 characters is refused, not walked.
  std::vector<char> long_label(300, 'a');
  long_label.push_back('\0');
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslExportKeyingMaterial(p(), s.master.get(), long_label.data(), swapped.data(),
                                                               64, nullptr, 0, out.data(), 40, 0));
}

TEST_P(Exporters, EapRejectsBadArguments) {
  Session s = make_session(p(), sha256_case());
  const NCRYPT_KEY_HANDLE m = s.master.get();
  Bytes randoms = s.randoms();
  PBYTE r = randoms.data();
  std::array<BYTE, 192> out{};
  DWORD n = 0;
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeEapKeyBlock(0, m, r, 64, out.data(), 192, &n, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeEapKeyBlock(p(), 0, r, 64, out.data(), 192, &n, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeEapKeyBlock(p(), p(), r, 64, out.data(), 192, &n, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslComputeEapKeyBlock(p(), m, r, 64, out.data(), 192, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslComputeEapKeyBlock(p(), m, nullptr, 64, out.data(), 192, &n, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslComputeEapKeyBlock(p(), m, r, 32, out.data(), 192, &n, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslComputeEapKeyBlock(p(), m, r, 64, out.data(), 192, &n, 4));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslComputeEapKeyBlock(p(), m, r, 64, out.data(), 192, &n, 0xFF));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslComputeEapKeyBlock(p(), m, r, 64, out.data(), 192, &n, 0x100));
  const NCRYPT_KEY_HANDLE dead = s.master.free_keep_value();
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslComputeEapKeyBlock(p(), dead, r, 64, out.data(), 192, &n, 0));
}

TEST_P(Exporters, MasterOfAnotherProviderInstanceIsInvalidHandle) {
  ProviderHandle other(GetParam());
  Session theirs = make_session(other.get(), sha256_case());
  Bytes out(32);
  EXPECT_STATUS(NTE_INVALID_HANDLE, do_export(theirs, "EXPERIMENTAL x", nullptr, out));
  EXPECT_OK(do_export(theirs, "EXPERIMENTAL x", nullptr, out, other.get()));
  Bytes randoms = theirs.randoms();
  DWORD n = 0;
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslComputeEapKeyBlock(p(), theirs.master.get(), randoms.data(), 64, nullptr, 0, &n, 1));
}

TEST_P(Exporters, LostMasterKeyIsBadKeyState) {
  ProviderHandle isolated(GetParam(), "", "lost-master");
  Session s = make_session(isolated.get(), sha256_case());
  lose_sessions_behind(s.master.get());
  Bytes out(32);
  EXPECT_STATUS(NTE_BAD_KEY_STATE, do_export(s, "EXPERIMENTAL x", nullptr, out, isolated.get()));
  Bytes randoms = s.randoms();
  DWORD n = 0;
  EXPECT_STATUS(NTE_BAD_KEY_STATE,
                SslComputeEapKeyBlock(isolated.get(), s.master.get(), randoms.data(), 64, out.data(), 32, &n, 1));
}

INSTANTIATE_TEST_SUITE_P(Tokens, Exporters, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::hstest
