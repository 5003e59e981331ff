// Opaque key blobs (SslExportKey / SslImportKey with BCRYPT_OPAQUE_KEY_BLOB,
// src/core/opaque_blobs.*): an authenticated reference to a master or session
// key that stays on the token. Round trips are checked against OpenSSL's
// TLS 1.2 key schedule (the oracle of tests/core), tampering, truncation and
// blobs of other tokens or provider instances must be refused with
// NTE_BAD_DATA, an evicted key with NTE_BAD_KEY_STATE. Both test tokens.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "api/api_support.h"
#include "abi/handle_table.h"
#include "core/keys.h"
#include "core/opaque_blobs.h"
#include "core/support/key_checks.h"
#include "core/support/ssl_calls.h"
#include "pkcs11/session_pool.h"
#include "support/token_objects.h"
#include "support/oracle/keys.h"
#include "support/oracle/tls_prf.h"

namespace sslp11::test {
namespace {

using coretest::Bytes;

constexpr DWORD kGcmSuite = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
constexpr DWORD kCbcSuite = TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256;
constexpr std::size_t kBlobBytes = core::OpaqueBlobRegistry::kBlobBytes;

// One client-side ECDHE key schedule through the API with OpenSSL as the
// server, so that the expected keys can be computed from OpenSSL's ECDH.
struct ClientHandshake {
  Handle ephemeral, peer_public, master, read, write;
  Bytes client_random, server_random;
  coretest::ExpectedKeys expected;
};

std::unique_ptr<ClientHandshake> client_handshake(NCRYPT_PROV_HANDLE p, DWORD suite_id) {
  const coretest::SuiteFacts& suite = *coretest::find_suite_facts(suite_id);
  const coretest::CurveFacts& curve = coretest::p256();
  auto h = std::make_unique<ClientHandshake>();
  h->client_random = coretest::random_bytes(32);
  h->server_random = coretest::random_bytes(32);
  coretest::require_ok(SslCreateEphemeralKey(p, h->ephemeral.out(), kTls12, suite_id, curve.group, curve.bits,
                                             nullptr, 0, 0),
                       "SslCreateEphemeralKey");
  const Bytes our_point =
      coretest::ecc_point_from_blob(curve, coretest::export_key(p, h->ephemeral.get(), BCRYPT_ECCPUBLIC_BLOB));
  coretest::Pkey server = coretest::ec_generate(curve);
  Bytes blob = coretest::ecc_public_blob(curve, coretest::ec_public_point(server.get()));
  coretest::require_ok(SslImportKey(p, h->peer_public.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(),
                                    static_cast<DWORD>(blob.size()), 0),
                       "SslImportKey");
  coretest::ParamList randoms;
  randoms.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, h->client_random).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, h->server_random);
  coretest::require_ok(SslGenerateMasterKey(p, h->ephemeral.get(), h->peer_public.get(), h->master.out(), kTls12,
                                            suite_id, randoms.desc(), nullptr, 0, nullptr, NCRYPT_SSL_CLIENT_FLAG),
                       "SslGenerateMasterKey");
  coretest::require_ok(SslGenerateSessionKeys(p, h->master.get(), h->read.out(), h->write.out(), randoms.desc(), 0),
                       "SslGenerateSessionKeys");
  const Bytes z = coretest::ecdh(server.get(), coretest::ec_public_from_point(curve, our_point).get());
  const Bytes master = coretest::master_secret(suite, z, h->client_random, h->server_random, std::nullopt);
  h->expected = coretest::expected_keys(suite, master, h->client_random, h->server_random);
  return h;
}

Bytes export_opaque(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key) {
  return coretest::export_key(p, key, BCRYPT_OPAQUE_KEY_BLOB);
}

SECURITY_STATUS import_opaque(NCRYPT_PROV_HANDLE p, Handle& out, Bytes blob) {
  return SslImportKey(p, out.out(), BCRYPT_OPAQUE_KEY_BLOB, blob.empty() ? nullptr : blob.data(),
                      static_cast<DWORD>(blob.size()), 0);
}

// The registry behind a provider handle (tests only: through the handle table).
core::OpaqueBlobRegistry& registry_of(NCRYPT_PROV_HANDLE p) {
  return abi::HandleTable::instance().find<core::Provider>(p)->opaque_blobs();
}

class OpaqueBlobTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    provider_ = std::make_unique<ProviderHandle>(GetParam());
    ASSERT_EQ(provider_->open_status(), ERROR_SUCCESS);
  }
  void TearDown() override { provider_.reset(); }
  NCRYPT_PROV_HANDLE p() const { return provider_->get(); }

  std::unique_ptr<ProviderHandle> provider_;
};

TEST_P(OpaqueBlobTest, MasterKeyRoundTripDerivesOpenSslsSessionKeys) {
  for (DWORD suite_id : {kGcmSuite, kCbcSuite}) {
    const coretest::SuiteFacts& suite = *coretest::find_suite_facts(suite_id);
    SCOPED_TRACE(suite.name);
    auto h = client_handshake(p(), suite_id);
    const Bytes blob = export_opaque(p(), h->master.get());
    ASSERT_EQ(blob.size(), kBlobBytes);
    // The blob outlives the exporting handle (a session cache frees it).
    h->master.reset();
    Handle imported;
    ASSERT_OK(import_opaque(p(), imported, blob));
    ASSERT_NE(imported.get(), 0u);
    EXPECT_TRUE(coretest::master_is_protected(imported.get()));

    coretest::ParamList randoms;
    randoms.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, h->client_random).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, h->server_random);
    Handle read, write;
    ASSERT_OK(SslGenerateSessionKeys(p(), imported.get(), read.out(), write.out(), randoms.desc(), 0));
    EXPECT_TRUE(coretest::session_keys_match(read.get(), write.get(), suite, h->expected, /*client=*/true));
    // Re-exporting the imported handle names the same registered key.
    EXPECT_EQ(export_opaque(p(), imported.get()), blob);
  }
}

TEST_P(OpaqueBlobTest, SessionKeyRoundTripStillEncryptsForThePeer) {
  for (DWORD suite_id : {kGcmSuite, kCbcSuite}) {
    const coretest::SuiteFacts& suite = *coretest::find_suite_facts(suite_id);
    SCOPED_TRACE(suite.name);
    auto h = client_handshake(p(), suite_id);
    const Bytes write_blob = export_opaque(p(), h->write.get());
    const Bytes read_blob = export_opaque(p(), h->read.get());
    EXPECT_NE(write_blob, read_blob);
    h->write.reset();
    h->read.reset();
    Handle write, read;
    ASSERT_OK(import_opaque(p(), write, write_blob));
    ASSERT_OK(import_opaque(p(), read, read_blob));
    // Recognised by what they compute, against OpenSSL's key block.
    EXPECT_TRUE(coretest::session_keys_match(read.get(), write.get(), suite, h->expected, /*client=*/true));
    EXPECT_TRUE(coretest::session_key_is_protected(write.get()));
  }
}

// Both ends on the token: the client's imported write key seals a record the
// server's read key opens.
TEST_P(OpaqueBlobTest, ImportedWriteKeySealsWhatThePeerOpens) {
  EcdheKeys client = make_ecdhe(p(), kGcmSuite);
  // The server: the client's "peer" ephemeral is the server's own key, and
  // the server imports the client's public half.
  std::array<BYTE, 256> blob{};
  DWORD n = 0;
  ASSERT_OK(SslExportKey(p(), client.own.get(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), blob.size(), &n, 0));
  Handle client_public;
  ASSERT_OK(SslImportKey(p(), client_public.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), n, 0));
  Randoms r;
  Handle client_master = make_master(p(), client, kGcmSuite, r, NCRYPT_SSL_CLIENT_FLAG);
  Handle server_master;
  ParamList params = r.list();
  ASSERT_OK(SslGenerateMasterKey(p(), client.peer_ephemeral.get(), client_public.get(), server_master.out(), kTls12,
                                 kGcmSuite, params.desc(), nullptr, 0, nullptr, NCRYPT_SSL_SERVER_FLAG));
  Handle client_read, client_write, server_read, server_write;
  ASSERT_OK(SslGenerateSessionKeys(p(), client_master.get(), client_read.out(), client_write.out(), params.desc(), 0));
  ASSERT_OK(SslGenerateSessionKeys(p(), server_master.get(), server_read.out(), server_write.out(), params.desc(), 0));

  const Bytes write_blob = export_opaque(p(), client_write.get());
  client_write.reset();
  Handle imported;
  ASSERT_OK(import_opaque(p(), imported, write_blob));
  const std::string text = "sealed by an imported key";
  std::vector<BYTE> record(text.size() + 64);
  DWORD sealed = 0;
  ASSERT_OK(SslEncryptPacket(p(), imported.get(), reinterpret_cast<PBYTE>(const_cast<char*>(text.data())),
                             static_cast<DWORD>(text.size()), record.data(), static_cast<DWORD>(record.size()), &sealed,
                             /*SequenceNumber=*/3, CT_APPLICATIONDATA, 0));
  std::vector<BYTE> opened(record.size());
  DWORD got = 0;
  ASSERT_OK(SslDecryptPacket(p(), server_read.get(), record.data(), sealed, opened.data(),
                             static_cast<DWORD>(opened.size()), &got, 3, 0));
  EXPECT_EQ(std::string(opened.begin(), opened.begin() + got), text);
}

TEST_P(OpaqueBlobTest, EverySingleByteChangeIsRefusedWithBadData) {
  auto h = client_handshake(p(), kGcmSuite);
  for (NCRYPT_KEY_HANDLE key : {h->master.get(), h->write.get()}) {
    const Bytes blob = export_opaque(p(), key);
    for (std::size_t i = 0; i < blob.size(); ++i) {
      for (BYTE mask : {BYTE{0x01}, BYTE{0x80}, BYTE{0xFF}}) {
        Bytes altered = blob;
        altered[i] ^= mask;
        Handle out;
        EXPECT_STATUS(NTE_BAD_DATA, import_opaque(p(), out, altered)) << "byte " << i << " ^ " << int{mask};
        EXPECT_EQ(out.get(), 0u);
      }
    }
    Handle genuine;
    EXPECT_OK(import_opaque(p(), genuine, blob));
  }
}

TEST_P(OpaqueBlobTest, TruncatedExtendedAndEmptyBlobsAreRefused) {
  auto h = client_handshake(p(), kGcmSuite);
  const Bytes blob = export_opaque(p(), h->master.get());
  for (std::size_t size = 1; size < blob.size(); ++size) {
    Handle out;
    EXPECT_STATUS(NTE_BAD_DATA, import_opaque(p(), out, Bytes(blob.begin(), blob.begin() + size))) << size;
  }
  for (std::size_t extra : {1u, 8u, 100u}) {
    Bytes longer = blob;
    longer.resize(blob.size() + extra, 0);
    Handle out;
    EXPECT_STATUS(NTE_BAD_DATA, import_opaque(p(), out, longer)) << extra;
  }
  // An 80-byte all-zero "header" (Microsoft's layout size) is no blob of ours.
  Handle out;
  EXPECT_STATUS(NTE_BAD_DATA, import_opaque(p(), out, Bytes(80, 0)));
  // Empty: the same argument check as every blob type.
  EXPECT_STATUS(NTE_INVALID_PARAMETER, import_opaque(p(), out, Bytes{}));
}

TEST_P(OpaqueBlobTest, BlobFromAProviderOnAnotherTokenIsRefused) {
  // The other test token (a SoftHSM token made now would stay invisible to
  // the SoftHSM module this process has already initialised).
  const TokenSpec& other = GetParam().name == "softhsm" ? TestTokens::nss() : TestTokens::softhsm();
  ProviderHandle second(other, "", "opaque-other");
  ASSERT_EQ(second.open_status(), ERROR_SUCCESS);
  auto here = client_handshake(p(), kGcmSuite);
  auto there = client_handshake(second.get(), kGcmSuite);
  const Bytes here_blob = export_opaque(p(), here->master.get());
  const Bytes there_blob = export_opaque(second.get(), there->write.get());
  Handle out;
  EXPECT_STATUS(NTE_BAD_DATA, import_opaque(second.get(), out, here_blob));
  EXPECT_STATUS(NTE_BAD_DATA, import_opaque(p(), out, there_blob));
  EXPECT_EQ(out.get(), 0u);
  EXPECT_OK(import_opaque(p(), out, here_blob));
}

// Another SslOpenProvider on the same token shares the registry but not the
// keys: a key handle belongs to the provider instance that made it.
TEST_P(OpaqueBlobTest, BlobFromAnotherProviderInstanceOnTheSameTokenIsRefused) {
  Handle second;
  ASSERT_OK(SslOpenProvider(second.out(), nullptr, 0));
  auto h = client_handshake(p(), kGcmSuite);
  const Bytes blob = export_opaque(p(), h->master.get());
  Handle out;
  EXPECT_STATUS(NTE_BAD_DATA, import_opaque(second.get(), out, blob));
}

// When every provider on the token is closed the registry goes with its keys:
// a blob from before is from another instance.
TEST_P(OpaqueBlobTest, BlobFromAClosedProviderGenerationIsRefused) {
  Bytes blob;
  {
    auto h = client_handshake(p(), kGcmSuite);
    blob = export_opaque(p(), h->master.get());
  }
  provider_.reset();
  provider_ = std::make_unique<ProviderHandle>(GetParam());
  ASSERT_EQ(provider_->open_status(), ERROR_SUCCESS);
  Handle out;
  EXPECT_STATUS(NTE_BAD_DATA, import_opaque(p(), out, blob));
}

TEST_P(OpaqueBlobTest, OldestExportsAreEvictedBeyondTheBound) {
  core::OpaqueBlobRegistry& registry = registry_of(p());
  EXPECT_EQ(registry.capacity(), 1024u);
  const std::size_t before = registry.size();
  // Three keys through a bound of before + 2: the first one exported goes.
  registry.set_capacity(before + 2);
  auto h = client_handshake(p(), kGcmSuite);
  const Bytes first = export_opaque(p(), h->master.get());
  const Bytes second = export_opaque(p(), h->read.get());
  const Bytes third = export_opaque(p(), h->write.get());
  EXPECT_EQ(registry.size(), before + 2);
  Handle out;
  // Genuine but no longer held: the key state, not the data, is what is wrong.
  EXPECT_STATUS(NTE_BAD_KEY_STATE, import_opaque(p(), out, first));
  EXPECT_OK(import_opaque(p(), out, second));
  EXPECT_OK(import_opaque(p(), out, third));
  // Re-exporting the live master registers it again under a new serial.
  const Bytes again = export_opaque(p(), h->master.get());
  EXPECT_NE(again, first);
  EXPECT_OK(import_opaque(p(), out, again));
  registry.set_capacity(core::OpaqueBlobRegistry::kDefaultCapacity);
}

TEST_P(OpaqueBlobTest, SizeQueryAndShortBufferFollowTheTwoCallConvention) {
  auto h = client_handshake(p(), kGcmSuite);
  const std::size_t registered = registry_of(p()).size();
  DWORD size = 0;
  EXPECT_OK(SslExportKey(p(), h->master.get(), BCRYPT_OPAQUE_KEY_BLOB, nullptr, 0, &size, 0));
  EXPECT_EQ(size, kBlobBytes);
  std::vector<BYTE> small(kBlobBytes - 1);
  size = 0;
  EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, SslExportKey(p(), h->master.get(), BCRYPT_OPAQUE_KEY_BLOB, small.data(),
                                                   static_cast<DWORD>(small.size()), &size, 0));
  EXPECT_EQ(size, kBlobBytes);
  // Neither registered anything.
  EXPECT_EQ(registry_of(p()).size(), registered);
  std::vector<BYTE> exact(kBlobBytes);
  EXPECT_OK(SslExportKey(p(), h->master.get(), BCRYPT_OPAQUE_KEY_BLOB, exact.data(), kBlobBytes, &size, 0));
  EXPECT_EQ(size, kBlobBytes);
  EXPECT_EQ(registry_of(p()).size(), registered + 1);
}

TEST_P(OpaqueBlobTest, OnlyMasterAndSessionKeysExportOpaqueAndOnlyOpaque) {
  auto h = client_handshake(p(), kGcmSuite);
  std::vector<BYTE> out(1024);
  DWORD size = 0;
  for (LPCWSTR type : {BCRYPT_ECCPUBLIC_BLOB, BCRYPT_DH_PUBLIC_BLOB, BCRYPT_RSAPUBLIC_BLOB}) {
    EXPECT_STATUS(NTE_NOT_SUPPORTED,
                  SslExportKey(p(), h->master.get(), type, out.data(), static_cast<DWORD>(out.size()), &size, 0));
    EXPECT_STATUS(NTE_NOT_SUPPORTED,
                  SslExportKey(p(), h->write.get(), type, out.data(), static_cast<DWORD>(out.size()), &size, 0));
  }
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslExportKey(p(), h->ephemeral.get(), BCRYPT_OPAQUE_KEY_BLOB, out.data(),
                                                static_cast<DWORD>(out.size()), &size, 0));
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslExportKey(p(), h->peer_public.get(), BCRYPT_OPAQUE_KEY_BLOB, out.data(),
                                                static_cast<DWORD>(out.size()), &size, 0));
}

// Two handles to one key: freeing either leaves the other working.
TEST_P(OpaqueBlobTest, FreeingOneHandleLeavesTheOtherUsable) {
  auto h = client_handshake(p(), kGcmSuite);
  const Bytes blob = export_opaque(p(), h->master.get());
  Handle a, b;
  ASSERT_OK(import_opaque(p(), a, blob));
  ASSERT_OK(import_opaque(p(), b, blob));
  EXPECT_NE(a.get(), b.get());
  h->master.reset();
  a.reset();
  coretest::ParamList randoms;
  randoms.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, h->client_random).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, h->server_random);
  Handle read, write;
  ASSERT_OK(SslGenerateSessionKeys(p(), b.get(), read.out(), write.out(), randoms.desc(), 0));
  EXPECT_TRUE(coretest::master_is_protected(b.get()));
  const NCRYPT_HANDLE freed = b.free_keep_value();
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslFreeObject(freed, 0));
  // The registry still holds the key: the blob imports again.
  Handle c;
  EXPECT_OK(import_opaque(p(), c, blob));
}

// A little-endian field of a blob, read here rather than with the provider's
// core/little_endian.h, so that the layout test does not trust the code it checks.
std::uint64_t le(const Bytes& b, std::size_t at, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{b[at + i]} << (8 * i);
  return v;
}

// The fields of README's table, read back from real blobs: a server master
// with the extended master secret, a client master without, both session keys.
TEST_P(OpaqueBlobTest, FieldsAreTheDocumentedLayout) {
  const coretest::CurveFacts& curve = coretest::p256();
  Handle eph, peer, server_master;
  ASSERT_OK(SslCreateEphemeralKey(p(), eph.out(), kTls12, kGcmSuite, curve.group, curve.bits, nullptr, 0, 0));
  coretest::Pkey client_key = coretest::ec_generate(curve);
  Bytes point = coretest::ecc_public_blob(curve, coretest::ec_public_point(client_key.get()));
  ASSERT_OK(SslImportKey(p(), peer.out(), BCRYPT_ECCPUBLIC_BLOB, point.data(), static_cast<DWORD>(point.size()), 0));
  const Bytes session_hash = coretest::random_bytes(32);
  const DWORD version = kTls12;
  coretest::ParamList ems;
  ems.add(NCRYPTBUFFER_SSL_SESSION_HASH, session_hash).add(NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version, 4);
  ASSERT_OK(SslGenerateMasterKey(p(), eph.get(), peer.get(), server_master.out(), kTls12, kGcmSuite, ems.desc(),
                                 nullptr, 0, nullptr, NCRYPT_SSL_SERVER_FLAG));
  auto h = client_handshake(p(), kCbcSuite);

  const Bytes server = export_opaque(p(), server_master.get());
  const Bytes client = export_opaque(p(), h->master.get());
  const Bytes read = export_opaque(p(), h->read.get());
  const Bytes write = export_opaque(p(), h->write.get());
  struct Expected {
    const Bytes& blob;
    std::uint8_t kind, flags;
    DWORD suite;
  };
  for (const Expected& e : {Expected{server, 1, 0x03, kGcmSuite}, Expected{client, 1, 0x00, kCbcSuite},
                            Expected{read, 2, 0x00, kCbcSuite}, Expected{write, 2, 0x01, kCbcSuite}}) {
    ASSERT_EQ(e.blob.size(), 72u);
    EXPECT_EQ(std::string(e.blob.begin(), e.blob.begin() + 4), "SPOB");
    EXPECT_EQ(le(e.blob, 4, 2), 1u) << "version";
    EXPECT_EQ(e.blob[6], e.kind) << "kind";
    EXPECT_EQ(e.blob[7], e.flags) << "flags";
    EXPECT_EQ(le(e.blob, 8, 4), kTls12) << "protocol";
    EXPECT_EQ(le(e.blob, 12, 4), e.suite) << "cipher suite";
    // One registry, one instance id.
    EXPECT_TRUE(std::equal(e.blob.begin() + 16, e.blob.begin() + 32, server.begin() + 16));
  }
  EXPECT_NE(Bytes(server.begin() + 16, server.begin() + 32), Bytes(16, 0)) << "instance id";
  // Serials in the order of export; a key exported again keeps its serial and so its blob.
  EXPECT_LT(le(server, 32, 8), le(client, 32, 8));
  EXPECT_LT(le(client, 32, 8), le(read, 32, 8));
  EXPECT_LT(le(read, 32, 8), le(write, 32, 8));
  EXPECT_EQ(export_opaque(p(), h->master.get()), client);
  // The tag: HMAC-SHA256 of bytes 0-39 on the token, so no two blobs share one.
  EXPECT_NE(Bytes(server.begin() + 40, server.end()), Bytes(client.begin() + 40, client.end()));

  // Another registry (the next provider generation, as another process) draws another instance id.
  h.reset();
  eph.reset();
  peer.reset();
  server_master.reset();
  provider_.reset();
  provider_ = std::make_unique<ProviderHandle>(GetParam());
  ASSERT_EQ(provider_->open_status(), ERROR_SUCCESS);
  auto again = client_handshake(p(), kGcmSuite);
  const Bytes next = export_opaque(p(), again->master.get());
  EXPECT_NE(Bytes(next.begin() + 16, next.begin() + 32), Bytes(server.begin() + 16, server.begin() + 32));
}

// The registry keeps an exported key's objects after its handles are freed,
// for as long as a provider on the token is open and the entry is not
// evicted; then they are destroyed. Counted through the module itself.
TEST_P(OpaqueBlobTest, RegistryHoldsAKeyUntilEvictedOrTheLastProviderCloses) {
  Handle second;
  ASSERT_OK(SslOpenProvider(second.out(), nullptr, 0));
  const std::size_t at_open = objects_visible_on(GetParam());
  Bytes blob;
  {
    auto h = client_handshake(p(), kGcmSuite);
    blob = export_opaque(p(), h->master.get());
  }
  const std::size_t held = objects_visible_on(GetParam());
  EXPECT_EQ(held, at_open + 2) << "the master and the registry's tag key";
  Handle imported;
  ASSERT_OK(import_opaque(p(), imported, blob));
  imported.reset();

  // Evicted, with no handle left: the master goes.
  core::OpaqueBlobRegistry& registry = registry_of(p());
  registry.set_capacity(registry.size());
  {
    auto h = client_handshake(p(), kGcmSuite);
    export_opaque(p(), h->read.get());
  }
  EXPECT_STATUS(NTE_BAD_KEY_STATE, import_opaque(p(), imported, blob));
  EXPECT_EQ(objects_visible_on(GetParam()), held) << "the evicted master destroyed, the read key held instead";
  registry.set_capacity(core::OpaqueBlobRegistry::kDefaultCapacity);

  // The first provider closed: the other keeps the registry.
  provider_.reset();
  EXPECT_EQ(objects_visible_on(GetParam()), held);
  // The last one closed: nothing of theirs is left.
  second.reset();
  EXPECT_LE(objects_visible_on(GetParam()), at_open);
  provider_ = std::make_unique<ProviderHandle>(GetParam());
}

// A genuine blob whose key's session the token lost: the key is gone, which is
// NTE_BAD_KEY_STATE (a new handshake), not bad data.
TEST_P(OpaqueBlobTest, BlobOfAKeyWhoseSessionWasLostIsBadKeyState) {
  Bytes blob;
  {
    auto h = client_handshake(p(), kGcmSuite);
    blob = export_opaque(p(), h->master.get());
  }
  // Every session of the provider closed behind its back, as a token restart does.
  coretest::pool_of(p())->run([](p11::Lease& lease) {
    lease.api().C_CloseAllSessions(lease.api().C_GetSessionInfo(lease.handle()).slotID);
  });
  Handle out;
  EXPECT_STATUS(NTE_BAD_KEY_STATE, import_opaque(p(), out, blob));
  // The provider carries on: a new handshake's key exports and imports.
  auto h = client_handshake(p(), kGcmSuite);
  Bytes fresh;
  DWORD size = 0;
  fresh.resize(kBlobBytes);
  const SECURITY_STATUS exported = SslExportKey(p(), h->master.get(), BCRYPT_OPAQUE_KEY_BLOB, fresh.data(),
                                                static_cast<DWORD>(fresh.size()), &size, 0);
  EXPECT_OK(exported) << last_error();
  if (exported == ERROR_SUCCESS) {
    EXPECT_OK(import_opaque(p(), out, fresh)) << last_error();
  }
}

INSTANTIATE_TEST_SUITE_P(Tokens, OpaqueBlobTest, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::test
