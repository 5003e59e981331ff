// Cross-member TLS 1.3 resumption (core/tls13_pool_blobs.h) through the
// Ssl* API: in a pool whose members hold the same pool key, a resumption PSK
// made on one member (SslExpandPreSharedKey after a full schedule) exports
// as a version-2 blob of kind 2, imports on another member, and the early
// secret made from it there gives the binder and the client early traffic
// key OpenSSL computes from the same ticket (TLS13-KDF, tests/support/oracle).
// Altered, short, mis-sized and foreign-pool-key blobs are refused with
// NTE_BAD_DATA and leave no object on any member; a lone token, and a pool
// where a member lacks the pool key, export no PSK (NTE_NOT_SUPPORTED), as
// before. Members: the two SoftHSM tokens (composed path); the NSS softoken
// (native path) cannot hold the pool key, and a pool with it exports no PSK.
#include <gtest/gtest.h>

#include <sslp11/sslprovider.h>
#include <sslp11/winerror.h>

#include <cstdint>
#include <tuple>
#include <utility>
#include <string>
#include <vector>

#include "core/pool_blobs.h"
#include "core/tls13_templates.h"
#include "pkcs11/attributes.h"
#include "pool/pool_key_support.h"
#include "pool/pool_support.h"
#include "support/provider_env.h"
#include "tls13/support/tls13_fixture.h"
#include "tls13_api/tls13_api_support.h"

namespace sslp11::pool_test {
namespace {

using tls13api::Handle;
using tls13api::KeyShare;
using tls13api::Transcript;

constexpr DWORD kTls13 = TLS1_3_PROTOCOL_VERSION;

const oracle::SuiteFacts& sha256_suite() { return *oracle::find_tls13_suite_facts(0x1301); }
// SHA-384 with P-384: SoftHSM's HMAC-SHA384 wants keys of 48 bytes or more.
const oracle::SuiteFacts& sha384_suite() { return *oracle::find_tls13_suite_facts(0x1302); }

// A resumption PSK made through the API (a full 1-RTT schedule, then
// SslExpandPreSharedKey with a ticket nonce), the member it is on, and the
// same PSK by OpenSSL.
struct Ticket {
  Handle psk;
  int member = -1;  // index in the pool's members
  Bytes o_psk;
};

Ticket make_ticket(NCRYPT_PROV_HANDLE p, const std::vector<Member>& members, const oracle::SuiteFacts& suite,
                   const oracle::CurveFacts& curve) {
  Ticket t;
  const auto before = counts(members);
  const KeyShare ours = tls13api::make_key_share(p, suite, curve);  // placed: the schedule follows it
  t.member = grown_member(members, before);
  const auto peer = oracle::ec_generate(curve);
  const Handle peer_public = tls13api::import_point(p, curve, oracle::ec_public_point(peer.get()));
  const Bytes z = oracle::ecdh(peer.get(), oracle::ec_public_from_point(curve, ours.point).get());
  const Bytes hellos = oracle::random_bytes(120);
  const tls13api::HandshakeScript script = tls13api::random_script();
  Transcript th = tls13api::make_transcript(p, suite);
  th.add(p, hellos);
  tls13api::ApiSchedule api;
  tls13api::run_api_schedule(p, suite, ours.key.get(), peer_public.get(), th, script, api);
  const tls13api::OracleSchedule o = tls13api::oracle_schedule(suite, z, hellos, script);
  const Bytes nonce = oracle::random_bytes(8);
  EXPECT_EQ(SslExpandPreSharedKey(p, api.resumption.get(), const_cast<PBYTE>(nonce.data()),
                                  static_cast<DWORD>(nonce.size()), t.psk.out(), nullptr, 0),
            0)
      << test::last_error();
  t.o_psk = oracle::tls13_expand_label(suite.prf, o.resumption, "resumption", nonce, oracle::hash_bytes(suite.prf));
  return t;
}

SECURITY_STATUS export_psk(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE psk, Bytes& blob) {
  DWORD n = 0;
  const SECURITY_STATUS size = SslExportKey(p, psk, BCRYPT_OPAQUE_KEY_BLOB, nullptr, 0, &n, 0);
  if (size != 0) return size;
  blob.assign(n, 0);
  const SECURITY_STATUS st = SslExportKey(p, psk, BCRYPT_OPAQUE_KEY_BLOB, blob.data(), n, &n, 0);
  blob.resize(n);
  return st;
}

SECURITY_STATUS import_blob(NCRYPT_PROV_HANDLE p, const Bytes& blob, Handle& key) {
  Bytes copy = blob;
  return SslImportKey(p, key.out(), BCRYPT_OPAQUE_KEY_BLOB, copy.data(), static_cast<DWORD>(copy.size()), 0);
}

// The blob imported on a member other than `not_on`: round-robin moves on
// at each placement, so a landing on `not_on` is freed and tried once more.
Handle import_elsewhere(NCRYPT_PROV_HANDLE p, const std::vector<Member>& members, const Bytes& blob, int not_on) {
  for (std::size_t attempt = 0; attempt < members.size(); ++attempt) {
    const auto before = counts(members);
    Handle key;
    EXPECT_EQ(import_blob(p, blob, key), 0) << test::last_error();
    const int landed = grown_member(members, before);
    EXPECT_NE(landed, -1) << "the imported PSK is not on one member";
    if (landed != not_on) return key;
  }
  ADD_FAILURE() << "every import landed on the PSK's own member";
  return Handle{};
}

// One placement used up (an ephemeral key made and freed): round-robin
// moves to the next member.
void skip_turn(NCRYPT_PROV_HANDLE p) {
  Handle k;
  EXPECT_EQ(SslCreateEphemeralKey(p, k.out(), kTls13, sha256_suite().id, TLS_ECC_P256_CURVE_KEY_TYPE, 0, nullptr, 0, 0),
            0);
}

// A ticket on members[on]. Each ticket takes two placements (the key share
// and the PSK-less early secret), so a ticket on the wrong member is made
// again one turn later.
Ticket ticket_on(NCRYPT_PROV_HANDLE p, const std::vector<Member>& members, int on) {
  Ticket t = make_ticket(p, members, sha256_suite(), oracle::p256());
  if (t.member == on) return t;
  skip_turn(p);
  return make_ticket(p, members, sha256_suite(), oracle::p256());
}

struct Resumption {
  Bytes binder;       // "res binder" Finished over the partial ClientHello
  bool early_key_ok;  // the client early traffic write key is OpenSSL's
};

// The resuming side's first steps from `psk` through the API, each checked
// against OpenSSL's from `o_psk`: the binder over `partial_hello` (a
// ClientHello up to its binders: random bytes, the binder only hashes them)
// and the client early traffic key.
Resumption resume(NCRYPT_PROV_HANDLE p, const oracle::SuiteFacts& suite, NCRYPT_KEY_HANDLE psk, const Bytes& o_psk,
                  const Bytes& partial_hello) {
  Resumption r;
  const oracle::Hash h = suite.prf;
  const std::size_t n = oracle::hash_bytes(h);
  Handle early, binder_key, c_e, c_e_key;
  EXPECT_EQ(SslExtractEarlyKey(p, psk, early.out(), kTls13, suite.id, nullptr, 0), 0) << test::last_error();
  EXPECT_EQ(SslExpandBinderKey(p, early.get(), binder_key.out(), nullptr, NCRYPT_SSL_RESUMPTION_PSK_FLAG), 0);
  Transcript th = tls13api::make_transcript(p, suite);
  th.add(p, partial_hello);
  r.binder = tls13api::api_finished(p, binder_key.get(), th.hash.get(), n);
  EXPECT_EQ(SslExpandTrafficKeys(p, early.get(), th.hash.get(), c_e.out(), nullptr, nullptr, 0), 0)
      << test::last_error();
  EXPECT_EQ(SslExpandWriteKey(p, c_e.get(), c_e_key.out(), nullptr, 0), 0) << test::last_error();
  const Bytes o_early = oracle::tls13_extract(h, std::nullopt, o_psk);
  const Bytes o_binder_key = oracle::tls13_derive_secret(h, o_early, "res binder", oracle::digest(h, {}));
  EXPECT_EQ(oracle::hex(r.binder), oracle::hex(oracle::tls13_finished(h, o_binder_key, th.digest(h))));
  const Bytes o_c_e = oracle::tls13_derive_secret(h, o_early, "c e traffic", th.digest(h));
  r.early_key_ok = tls13api::same_write_key(p, c_e_key.get(), suite, tls13api::oracle_write_key(suite, o_c_e));
  return r;
}

// A key share placed on members[on] (round-robin: the next turn at most).
KeyShare key_share_on(NCRYPT_PROV_HANDLE p, const std::vector<Member>& members, int on) {
  for (std::size_t attempt = 0; attempt < members.size(); ++attempt) {
    const auto before = counts(members);
    KeyShare ks = tls13api::make_key_share(p, sha256_suite(), oracle::p256());
    if (grown_member(members, before) == on) return ks;
  }
  ADD_FAILURE() << "no key share landed on member " << on;
  return {};
}

// A resumed handshake's (EC)DHE step with the early secret of `psk` (on
// members[psk_on]) and our key share on the other member: its status, and
// when it succeeds, whether the handshake secret is on the key share's
// member and its client traffic key is OpenSSL's.
struct CrossStep {
  SECURITY_STATUS status;
  bool on_key_share_member = false;
  bool traffic_key_ok = false;
};
CrossStep handshake_across(NCRYPT_PROV_HANDLE p, const std::vector<Member>& members, NCRYPT_KEY_HANDLE psk,
                           int psk_on, const Bytes& o_psk) {
  const oracle::SuiteFacts& suite = sha256_suite();
  const oracle::Hash h = suite.prf;
  Handle early;
  EXPECT_EQ(SslExtractEarlyKey(p, psk, early.out(), kTls13, suite.id, nullptr, 0), 0) << test::last_error();
  const int other = 1 - psk_on;
  const KeyShare ours = key_share_on(p, members, other);
  const auto peer = oracle::ec_generate(oracle::p256());
  const Handle peer_public = tls13api::import_point(p, oracle::p256(), oracle::ec_public_point(peer.get()));
  const Bytes z = oracle::ecdh(peer.get(), oracle::ec_public_from_point(oracle::p256(), ours.point).get());
  Transcript th = tls13api::make_transcript(p, suite);
  th.add(p, oracle::random_bytes(150));
  const auto before = counts(members);
  Handle hs, c_hs, c_hs_key;
  CrossStep out{SslExtractHandshakeKey(p, ours.key.get(), peer_public.get(), early.get(), hs.out(), nullptr, 0)};
  if (out.status != 0) return out;
  out.on_key_share_member = grown_member(members, before) == other;
  EXPECT_EQ(SslExpandTrafficKeys(p, hs.get(), th.hash.get(), c_hs.out(), nullptr, nullptr, 0), 0) << test::last_error();
  EXPECT_EQ(SslExpandWriteKey(p, c_hs.get(), c_hs_key.out(), nullptr, 0), 0) << test::last_error();
  const Bytes o_hs = oracle::tls13_extract(h, oracle::tls13_extract(h, std::nullopt, o_psk), z);
  const Bytes o_c_hs = oracle::tls13_derive_secret(h, o_hs, "c hs traffic", th.digest(h));
  out.traffic_key_ok = tls13api::same_write_key(p, c_hs_key.get(), suite, tls13api::oracle_write_key(suite, o_c_hs));
  return out;
}

class PoolResumption13 : public PoolKeyOnMembers {};

TEST_F(PoolResumption13, APskMadeOnOneMemberResumesOnAnother) {
  PoolProvider p("resumption13", members_, "policy = round-robin");
  ASSERT_EQ(p.open_status(), 0);
  const auto start = counts(members_);
  for (const auto& [suite, curve, size] : {std::tuple{&sha256_suite(), &oracle::p256(), std::size_t{100}},
                                          std::tuple{&sha384_suite(), &oracle::p384(), std::size_t{116}}}) {
    SCOPED_TRACE(std::string(suite->name));
    Ticket t = make_ticket(p.get(), members_, *suite, *curve);
    ASSERT_NE(t.member, -1);
    Bytes blob;
    ASSERT_EQ(export_psk(p.get(), t.psk.get(), blob), 0) << test::last_error();
    ASSERT_EQ(blob.size(), size);  // 32 or 48 bytes wrapped into 40 or 56
    EXPECT_EQ(core::pool_blobs::blob_version(blob), core::pool_blobs::kVersion);
    EXPECT_EQ(core::pool_blobs::blob_kind(blob), 2);

    const Handle resumed = import_elsewhere(p.get(), members_, blob, t.member);
    ASSERT_NE(resumed.get(), 0u);
    const Bytes partial_hello = oracle::random_bytes(180);
    const Resumption there = resume(p.get(), *suite, resumed.get(), t.o_psk, partial_hello);
    const Resumption here = resume(p.get(), *suite, t.psk.get(), t.o_psk, partial_hello);
    EXPECT_TRUE(there.early_key_ok);
    EXPECT_TRUE(here.early_key_ok);
    EXPECT_EQ(oracle::hex(there.binder), oracle::hex(here.binder));
    // The imported PSK travels no further: only the PSK its ticket made does.
    Bytes again;
    EXPECT_EQ(export_psk(p.get(), resumed.get(), again), NTE_NOT_SUPPORTED);
  }
  EXPECT_EQ(counts(members_), start);
}

// The key share of a resumed handshake is placed on its own, so it may land
// on another member than the PSK's early secret: the early secret is made
// again there from the PSK - sealed now on its member (the PSK a ticket
// made), or its kept blob (an imported PSK) - imported on the key share's.
TEST_F(PoolResumption13, AResumedHandshakeFollowsTheKeyShare) {
  PoolProvider p("resumption13-follow", members_, "policy = round-robin");
  ASSERT_EQ(p.open_status(), 0);
  const auto start = counts(members_);
  {
    Ticket t = make_ticket(p.get(), members_, sha256_suite(), oracle::p256());
    ASSERT_NE(t.member, -1);
    Bytes blob;
    ASSERT_EQ(export_psk(p.get(), t.psk.get(), blob), 0) << test::last_error();
    const Handle imported = import_elsewhere(p.get(), members_, blob, t.member);
    ASSERT_NE(imported.get(), 0u);
    for (const auto& [psk, on] : {std::pair{t.psk.get(), t.member}, std::pair{imported.get(), 1 - t.member}}) {
      SCOPED_TRACE(psk == t.psk.get() ? "the ticket's PSK" : "the imported PSK");
      const CrossStep step = handshake_across(p.get(), members_, psk, on, t.o_psk);
      ASSERT_EQ(step.status, 0) << test::last_error();
      EXPECT_TRUE(step.on_key_share_member);
      EXPECT_TRUE(step.traffic_key_ok);
    }
  }
  EXPECT_EQ(counts(members_), start);
}

TEST_F(PoolResumption13, RefusedBlobsLeaveNothing) {
  PoolProvider p("resumption13-refused", members_, "policy = round-robin");
  ASSERT_EQ(p.open_status(), 0);
  Ticket t = make_ticket(p.get(), members_, sha256_suite(), oracle::p256());
  Bytes blob;
  ASSERT_EQ(export_psk(p.get(), t.psk.get(), blob), 0) << test::last_error();
  ASSERT_EQ(blob.size(), 100u);
  const auto before = counts(members_);
  const auto refused = [&](const Bytes& bad, const std::string& what) {
    Handle k;
    EXPECT_EQ(import_blob(p.get(), bad, k), NTE_BAD_DATA) << what;
    EXPECT_EQ(k.get(), 0u) << what;
  };
  // Every header field, the check value, the wrapped PSK and the tag.
  for (std::size_t at : {4u, 6u, 7u, 8u, 12u, 13u, 16u, 23u, 24u, 26u, 28u, 50u, 67u, 68u, 99u}) {
    Bytes bad = blob;
    bad[at] ^= 0x01;
    refused(bad, "byte " + std::to_string(at));
  }
  Bytes as_master = blob;  // the kind is authenticated: no reading a PSK as a TLS 1.2 master
  as_master[6] = 1;
  refused(as_master, "kind master");
  refused(Bytes(blob.begin(), blob.end() - 1), "short by one");
  refused(Bytes(blob.begin(), blob.begin() + 40), "header only");
  Bytes longer = blob;  // a SHA-384 PSK's size with a SHA-256 PSK's header
  longer.resize(116);
  refused(longer, "116 bytes");
  EXPECT_EQ(counts(members_), before);

  // Another pool's key on every member: the blob names a key they lack.
  const Bytes other = random_pool_key();
  for (const Member& m : members_) put_pool_key(m, other);
  for (int i = 0; i < 2; ++i) {  // round-robin: once on each member
    refused(blob, "another pool key");
    EXPECT_NE(test::last_error().find("another pool key"), std::string::npos) << test::last_error();
  }
  EXPECT_EQ(counts(members_), before);
}

// Where the pool key is not on every member, and on a lone token, a PSK
// stays what it was: not exported, and still the PSK OpenSSL computes.
TEST_F(PoolResumption13, WithoutAPoolKeyOnEveryMemberOrAloneNoPskTravels) {
  remove_pool_key(member_b());
  for (const auto& list : {members_, std::vector<Member>{member_a()}}) {
    PoolProvider p("resumption13-none-" + std::to_string(list.size()), list, "policy = round-robin");
    ASSERT_EQ(p.open_status(), 0);
    Ticket t = make_ticket(p.get(), list, sha256_suite(), oracle::p256());
    Bytes blob;
    EXPECT_EQ(export_psk(p.get(), t.psk.get(), blob), NTE_NOT_SUPPORTED);
    EXPECT_TRUE(resume(p.get(), sha256_suite(), t.psk.get(), t.o_psk, oracle::random_bytes(64)).early_key_ok);
    if (list.size() == 2) {  // its early secret stays on its member: a key share elsewhere is refused
      EXPECT_EQ(handshake_across(p.get(), list, t.psk.get(), t.member, t.o_psk).status, NTE_INVALID_PARAMETER);
    }
  }
}

// The native path's member, the NSS softoken, cannot hold the pool key: its
// crypto slot keeps no token objects (and the slot of an NSS database lacks
// the digests a handshake hash needs). A pool with it is never wrappable, so
// a PSK made on either member stays there: export refused, as on a lone
// token, and the PSK is still OpenSSL's.
TEST(PoolResumption13Native, APoolWithTheNssSoftokenExportsNoPsk) {
  const std::vector<Member> members{member_a(), member_n()};
  put_pool_key(member_a(), random_pool_key());
  {
    PoolProvider p("resumption13-native", members, "policy = round-robin");
    ASSERT_EQ(p.open_status(), 0);
    for (int made_on : {0, 1}) {
      SCOPED_TRACE(made_on == 0 ? "made on SoftHSM" : "made on NSS");
      Ticket t = ticket_on(p.get(), members, made_on);
      ASSERT_EQ(t.member, made_on);
      Bytes blob;
      EXPECT_EQ(export_psk(p.get(), t.psk.get(), blob), NTE_NOT_SUPPORTED);
      EXPECT_TRUE(resume(p.get(), sha256_suite(), t.psk.get(), t.o_psk, oracle::random_bytes(64)).early_key_ok);
    }
  }
  remove_pool_key(member_a());
}

// The native path on the NSS softoken, without a pool key (it cannot hold
// one). Export: NSS derives no extractable key from a non-extractable base,
// so the PSK a wrappable pool asks for stays protected and not wrappable
// (and still OpenSSL's). Import: a PSK wrapped with CKM_AES_KEY_WRAP_PAD (a
// session AES key in the pool key's place; the PSK's value a test value
// given to the token) and unwrapped with the import's template is protected
// and keys OpenSSL's early secret - though NSS's CKM_AES_KEY_WRAP_PAD is not
// RFC 5649's, so its wrapped bytes are not the family's.
class NativePskWrap : public tls13test::Tls13OnToken {};

TEST_P(NativePskWrap, NssKeepsThePskButImportsAWrappedOne) {
  ASSERT_EQ(schedule().path(), p11::DerivationPath::native);
  const oracle::SuiteFacts& facts = sha256_suite();
  const core::Tls13Suite& suite = schedule().suite(kTls13, facts.id);
  const oracle::Hash h = facts.prf;
  const std::size_t n = oracle::hash_bytes(h);
  const Bytes z = oracle::random_bytes(32), transcript = oracle::random_bytes(n), nonce = oracle::random_bytes(4);
  const core::Tls13Secret early = schedule().early_secret(suite, nullptr);
  const core::Tls13Secret hs = schedule().handshake_secret(early, shared_secret(z), z.size());
  const core::Tls13Secret res = schedule().resumption_master(schedule().master_secret(hs), transcript);
  const core::Tls13Secret psk = schedule().pre_shared_key(res, nonce, /*wrappable=*/true);
  EXPECT_FALSE(psk.wrappable);
  EXPECT_TRUE(pool()->run([&](p11::Lease& l) { return tls13test::object_is_protected(l, psk.object.handle(), "PSK"); }));
  const Bytes o_early = oracle::tls13_extract(h, std::nullopt, std::nullopt);
  const Bytes o_master = oracle::tls13_extract(h, oracle::tls13_extract(h, o_early, z), std::nullopt);
  const Bytes o_psk = oracle::tls13_expand_label(
      h, oracle::tls13_derive_secret(h, o_master, "res master", transcript), "resumption", nonce, n);
  const Bytes o_resumed = oracle::tls13_extract(h, std::nullopt, o_psk);
  EXPECT_TRUE(secret_matches(schedule().early_secret(suite, &psk), facts, o_resumed));

  core::Tls13Secret imported{&suite, core::Tls13SecretKind::psk, p11::DerivationPath::native, {}};
  pool()->run([&](p11::Lease& l) {
    p11::AttributeTemplate w;
    w.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
        .add_ulong(CKA_KEY_TYPE, CKK_AES)
        .add_ulong(CKA_VALUE_LEN, 32)
        .add_bool(CKA_TOKEN, false)
        .add_bool(CKA_WRAP, true)
        .add_bool(CKA_UNWRAP, true);
    CK_MECHANISM gen{CKM_AES_KEY_GEN, nullptr, 0};
    const p11::Object wrapping(pool(), l, l.api().C_GenerateKey(l.handle(), gen, w.span()));
    p11::AttributeTemplate v;
    v.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
        .add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
        .add_bool(CKA_TOKEN, false)
        .add_bool(CKA_EXTRACTABLE, true)
        .add_bytes(CKA_VALUE, o_psk);
    const p11::Object travelling(pool(), l, l.api().C_CreateObject(l.handle(), v.span()));
    CK_MECHANISM kwp{CKM_AES_KEY_WRAP_PAD, nullptr, 0};
    const auto wrapped = l.api().C_WrapKey(l.handle(), kwp, wrapping.handle(), travelling.handle());
    // NSS pads with PKCS#7 to 8 bytes and then wraps with AES-KW: 48 bytes,
    // not RFC 5649's 40, so a blob sealed there would be refused by size.
    EXPECT_EQ(wrapped.size(), 48u);
    EXPECT_NE(wrapped.size(), core::pool_blobs::wrapped_bytes(32));
    auto u = core::tls13_templates::unwrapped(p11::DerivationPath::native, core::tls13_templates::Use::ikm,
                                              CKK_GENERIC_SECRET);
    imported.object =
        p11::Object(pool(), l, l.api().C_UnwrapKey(l.handle(), kwp, wrapping.handle(), wrapped, u.span()));
    EXPECT_TRUE(tls13test::object_is_protected(l, imported.object.handle(), "imported PSK"));
    return 0;
  });
  EXPECT_TRUE(secret_matches(schedule().early_secret(suite, &imported), facts, o_resumed));
}

INSTANTIATE_TEST_SUITE_P(Nss, NativePskWrap, ::testing::Values(test::TestTokens::nss()), test::TokenName{});

}  // namespace
}  // namespace sslp11::pool_test
