// Cross-member resumption (core/pool_blobs.h) through the Ssl* API: in a
// pool whose members hold the same pool key, a master made on member a
// exports as a version-2 blob (the master wrapped by the token), imports on
// member b, and the session keys derived there are the same keys (the same
// record encrypts to the same bytes). Tampered blobs, and blobs under
// another pool key, are refused with NTE_BAD_DATA and leave no object on
// any member; without a pool key on every member, masters keep the
// version-1 reference blob. Two SoftHSM members: the pool key is put on them
// as the documented fallback does (one host-generated value imported on
// each), since the NSS member's softoken cannot hold a token object in the
// tests' no-database mode.
#include <gtest/gtest.h>

#include <sslp11/sslprovider.h>
#include <sslp11/winerror.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/pool_blobs.h"
#include "pool/pool_key_support.h"
#include "pool/pool_support.h"
#include "support/provider_env.h"

namespace sslp11::pool_test {
namespace {

constexpr DWORD kSuite = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;

// Frees its handles.
struct Handles {
  std::vector<NCRYPT_KEY_HANDLE> all;
  NCRYPT_KEY_HANDLE add(NCRYPT_KEY_HANDLE h) {
    if (h != 0) all.push_back(h);
    return h;
  }
  ~Handles() {
    for (auto h : all) SslFreeObject(h, 0);
  }
};

std::uint8_t client_random[32] = {1};
std::uint8_t server_random[32] = {2};
NCryptBuffer random_buffers[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random},
                                  {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random}};
NCryptBufferDesc randoms{NCRYPTBUFFER_VERSION, 2, random_buffers};

NCRYPT_KEY_HANDLE ephemeral(NCRYPT_PROV_HANDLE p, Handles& keep) {
  NCRYPT_KEY_HANDLE k = 0;
  EXPECT_EQ(SslCreateEphemeralKey(p, &k, TLS1_2_PROTOCOL_VERSION, kSuite, TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0,
                                  0),
            0)
      << test::last_error();
  return keep.add(k);
}

// A client's ECDHE master (our key placed first, the stand-in peer's second).
NCRYPT_KEY_HANDLE master_key(NCRYPT_PROV_HANDLE p, Handles& keep) {
  const NCRYPT_KEY_HANDLE ours = ephemeral(p, keep);
  const NCRYPT_KEY_HANDLE theirs = ephemeral(p, keep);
  Bytes blob(200);
  DWORD n = 0;
  EXPECT_EQ(SslExportKey(p, theirs, BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), &n, 0), 0);
  NCRYPT_KEY_HANDLE peer = 0;
  EXPECT_EQ(SslImportKey(p, &peer, BCRYPT_ECCPUBLIC_BLOB, blob.data(), n, 0), 0);
  keep.add(peer);
  NCRYPT_KEY_HANDLE master = 0;
  EXPECT_EQ(SslGenerateMasterKey(p, ours, peer, &master, TLS1_2_PROTOCOL_VERSION, kSuite, &randoms, nullptr, 0, &n,
                                 NCRYPT_SSL_CLIENT_FLAG),
            0)
      << test::last_error();
  return keep.add(master);
}

Bytes export_opaque(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key) {
  DWORD n = 0;
  EXPECT_EQ(SslExportKey(p, key, BCRYPT_OPAQUE_KEY_BLOB, nullptr, 0, &n, 0), 0) << test::last_error();
  Bytes blob(n);
  EXPECT_EQ(SslExportKey(p, key, BCRYPT_OPAQUE_KEY_BLOB, blob.data(), n, &n, 0), 0) << test::last_error();
  blob.resize(n);
  return blob;
}

SECURITY_STATUS import_opaque(NCRYPT_PROV_HANDLE p, const Bytes& blob, NCRYPT_KEY_HANDLE& key) {
  Bytes copy = blob;
  return SslImportKey(p, &key, BCRYPT_OPAQUE_KEY_BLOB, copy.data(), static_cast<DWORD>(copy.size()), 0);
}

// One application record under the master's client write key, sequence 0.
Bytes first_record(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE master) {
  Handles keep;
  NCRYPT_KEY_HANDLE rd = 0, wr = 0;
  EXPECT_EQ(SslGenerateSessionKeys(p, master, &rd, &wr, &randoms, 0), 0) << test::last_error();
  keep.add(rd);
  keep.add(wr);
  std::uint8_t plain[64] = {0x42, 0x17};
  Bytes record(256);
  DWORD n = 0;
  EXPECT_EQ(SslEncryptPacket(p, wr, plain, sizeof plain, record.data(), static_cast<DWORD>(record.size()), &n, 0,
                             CT_APPLICATIONDATA, 0),
            0)
      << test::last_error();
  record.resize(n);
  return record;
}

class PoolResumption : public PoolKeyOnMembers {};

TEST_F(PoolResumption, AMasterMadeOnOneMemberResumesOnAnother) {
  PoolProvider p("resumption", members_, "policy = round-robin");
  ASSERT_EQ(p.open_status(), 0);
  const auto start = counts(members_);
  Bytes blob_kept;
  {
    Handles keep;
    const NCRYPT_KEY_HANDLE master = master_key(p.get(), keep);  // ours on a, the peer's on b
    const Bytes blob = export_opaque(p.get(), master);
    ASSERT_EQ(blob.size(), core::pool_blobs::kBlobBytes);
    EXPECT_EQ(core::pool_blobs::blob_version(blob), core::pool_blobs::kVersion);
    ephemeral(p.get(), keep);  // third placement (a): the import is the fourth (b)

    const auto before = counts(members_);
    NCRYPT_KEY_HANDLE resumed = 0;
    ASSERT_EQ(import_opaque(p.get(), blob, resumed), 0) << test::last_error();
    keep.add(resumed);
    EXPECT_EQ(grown_member(members_, before), 1) << "the imported master is not on member b alone";
    // Same master: the same record bytes under the keys derived on each member.
    const Bytes on_a = first_record(p.get(), master);
    const Bytes on_b = first_record(p.get(), resumed);
    EXPECT_FALSE(on_a.empty());
    EXPECT_EQ(on_a, on_b);
    blob_kept = blob;
  }
  EXPECT_EQ(counts(members_), start);
  // The resumed master exports only as a version-1 reference (which keeps it
  // registered until the provider closes): it is not extractable.
  Handles keep;
  NCRYPT_KEY_HANDLE resumed = 0;
  ASSERT_EQ(import_opaque(p.get(), blob_kept, resumed), 0) << test::last_error();
  keep.add(resumed);
  EXPECT_EQ(export_opaque(p.get(), resumed).size(), 72u);
}

TEST_F(PoolResumption, TamperedBlobsAreRefusedAndLeaveNothing) {
  PoolProvider p("resumption-tamper", members_, "policy = round-robin");
  ASSERT_EQ(p.open_status(), 0);
  Handles keep;
  const Bytes blob = export_opaque(p.get(), master_key(p.get(), keep));
  ASSERT_EQ(blob.size(), core::pool_blobs::kBlobBytes);
  const auto before = counts(members_);
  // Every header field, the check value, the wrapped master and the tag.
  for (std::size_t at : {4u, 6u, 7u, 8u, 12u, 16u, 23u, 24u, 26u, 28u, 60u, 83u, 84u, 115u}) {
    Bytes bad = blob;
    bad[at] ^= 0x01;
    NCRYPT_KEY_HANDLE k = 0;
    EXPECT_EQ(import_opaque(p.get(), bad, k), NTE_BAD_DATA) << "byte " << at;
    EXPECT_EQ(k, 0u);
  }
  Bytes short_blob(blob.begin(), blob.end() - 1);
  NCRYPT_KEY_HANDLE k = 0;
  EXPECT_EQ(import_opaque(p.get(), short_blob, k), NTE_BAD_DATA);
  EXPECT_EQ(counts(members_), before);
}

TEST_F(PoolResumption, ABlobUnderAnotherPoolKeyIsRefused) {
  PoolProvider p("resumption-foreign", members_, "policy = round-robin");
  ASSERT_EQ(p.open_status(), 0);
  Handles keep;
  const Bytes blob = export_opaque(p.get(), master_key(p.get(), keep));
  ASSERT_EQ(blob.size(), core::pool_blobs::kBlobBytes);
  // Another pool's key on every member: the blob names a key they lack.
  const Bytes other = random_pool_key();
  for (const Member& m : members_) put_pool_key(m, other);
  const auto before = counts(members_);
  for (int i = 0; i < 2; ++i) {  // round-robin: once on each member
    NCRYPT_KEY_HANDLE k = 0;
    EXPECT_EQ(import_opaque(p.get(), blob, k), NTE_BAD_DATA);
    EXPECT_NE(test::last_error().find("another pool key"), std::string::npos) << test::last_error();
  }
  EXPECT_EQ(counts(members_), before);
}

TEST_F(PoolResumption, WithoutAPoolKeyOnEveryMemberBlobsStayVersionOne) {
  remove_pool_key(member_b());
  PoolProvider p("resumption-none", members_, "policy = round-robin");
  ASSERT_EQ(p.open_status(), 0);
  Handles keep;
  const NCRYPT_KEY_HANDLE master = master_key(p.get(), keep);
  const Bytes blob = export_opaque(p.get(), master);
  ASSERT_EQ(blob.size(), 72u);
  EXPECT_EQ(core::pool_blobs::blob_version(blob), 1);
  NCRYPT_KEY_HANDLE again = 0;
  EXPECT_EQ(import_opaque(p.get(), blob, again), 0) << test::last_error();
  keep.add(again);
}

TEST_F(PoolResumption, SessionKeysAndLoneTokensKeepVersionOneBlobs) {
  {
    PoolProvider p("resumption-session", members_, "policy = round-robin");
    ASSERT_EQ(p.open_status(), 0);
    Handles keep;
    NCRYPT_KEY_HANDLE rd = 0, wr = 0;
    ASSERT_EQ(SslGenerateSessionKeys(p.get(), master_key(p.get(), keep), &rd, &wr, &randoms, 0), 0);
    keep.add(rd);
    keep.add(wr);
    EXPECT_EQ(export_opaque(p.get(), wr).size(), 72u);
  }
  {
    PoolProvider p("resumption-alone", {member_a()}, "policy = round-robin");
    ASSERT_EQ(p.open_status(), 0);
    Handles keep;
    EXPECT_EQ(export_opaque(p.get(), master_key(p.get(), keep)).size(), 72u);
  }
}

}  // namespace
}  // namespace sslp11::pool_test
