// The deterministic half of the TLS 1.3 record benchmark (bench/tls13_records.h):
// sealing and opening a record through the Ssl* API makes exactly the raw
// floor's PKCS#11 calls, and both sides' records are the bytes OpenSSL seals
// with the keys of the same schedule (so the floor the API is held to is a real
// TLS 1.3 record, not a cheaper imitation). No timing here.
#include <gtest/gtest.h>

#include <iostream>

#include "bench/call_counting.h"
#include "bench/tls13_records.h"
#include "support/oracle/ciphers.h"
#include "support/oracle/digests.h"
#include "support/oracle/keys.h"
#include "support/oracle/tls13_kdf.h"
#include "support/suite_facts.h"

namespace sslp11::bench {
namespace {

using oracle::Bytes;

// The benchmark's sizes: content bytes, sealed with their inner type byte.
constexpr std::size_t kSizes[] = {256, 16384};

Bytes inner_of(std::size_t content) {
  Bytes inner(content + kInnerTypeBytes, 0x5a);
  inner.back() = CT_APPLICATIONDATA;
  return inner;
}

class Tls13Records : public ::testing::TestWithParam<test::TokenSpec> {
 protected:
  BenchToken& token() { return BenchToken::get(GetParam().name); }
};

TEST_P(Tls13Records, SealAndOpenMakeExactlyTheFloorsCalls) {
  BenchToken& t = token();
  const Tls13Keys& k = tls13_keys(t);
  auto s = t.open_session();
  const Handle key = provider_tls13_record_key(t, k);
  auto floor_key = floor_tls13_record_key(t, s->handle(), k);
  for (std::size_t size : kSizes) {
    Bytes inner = inner_of(size), record(size + 64), sealed(size + 64), back(size + 64);
    // Each side's last record is opened at the sequence number it was sealed with.
    std::uint64_t floor_seq = 0, provider_seq = 0;
    const std::uint64_t floor_seal =
        floor_calls([&] { sealed.resize(floor_tls13_encrypt(*floor_key, floor_seq++, inner, sealed)); });
    const std::uint64_t provider_seal = provider_calls(
        [&] { record.resize(provider_tls13_encrypt(t, key.get(), provider_seq++, inner, record)); });
    const std::uint64_t floor_open = floor_calls(
        [&] { EXPECT_EQ(floor_tls13_decrypt(*floor_key, floor_seq - 1, sealed, back), inner.size()); });
    const std::uint64_t provider_open = provider_calls(
        [&] { EXPECT_EQ(provider_tls13_decrypt(t, key.get(), provider_seq - 1, record, back), inner.size()); });
    std::cout << "[tls13-record-calls] token=" << t.name() << " size=" << size << " seal " << floor_seal << "/"
              << provider_seal << " open " << floor_open << "/" << provider_open << std::endl;
    EXPECT_EQ(floor_seal, 2u);  // C_EncryptInit + C_Encrypt
    EXPECT_EQ(floor_open, 2u);  // C_DecryptInit + C_Decrypt
    EXPECT_EQ(provider_seal, floor_seal);
    EXPECT_EQ(provider_open, floor_open);
  }
  floor_key.reset();  // before its session closes
}

// Both sides' records against OpenSSL's AES-128-GCM under the write key and
// IV OpenSSL's TLS 1.3 schedule gives from the (EC)DHE secret it computes with
// the peer's private key; and each side opens OpenSSL's record.
TEST_P(Tls13Records, BothSidesSealOpenSslsBytes) {
  BenchToken& t = token();
  const oracle::CurveFacts& curve = oracle::p256();
  const oracle::Pkey peer = oracle::ec_generate(curve);
  const auto k = make_tls13_keys(t, oracle::ec_public_point(peer.get()));
  const oracle::SuiteFacts& facts = *oracle::find_tls13_suite_facts(kAes128GcmSha256);
  const oracle::Hash h = facts.prf;
  const Bytes th = oracle::digest(h, k->messages);
  struct WriteKey {
    Bytes key, iv;
  };
  auto expected_key = [&](const Bytes& own_point) {
    const oracle::Pkey own = oracle::ec_public_from_point(curve, own_point);
    const Bytes z = oracle::ecdh(peer.get(), own.get());
    const Bytes hs = oracle::tls13_extract(h, oracle::tls13_extract(h, std::nullopt, std::nullopt), z);
    const Bytes c_ap = oracle::tls13_derive_secret(h, oracle::tls13_extract(h, hs, std::nullopt), "c ap traffic", th);
    return WriteKey{oracle::tls13_expand_label(h, c_ap, "key", {}, facts.key_bytes),
                    oracle::tls13_expand_label(h, c_ap, "iv", {}, 12)};
  };
  auto openssl_record = [&](const WriteKey& w, std::uint64_t seq, const Bytes& inner) {
    Bytes nonce = w.iv;
    for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<std::uint8_t>(seq >> (8 * i));
    const std::size_t body = inner.size() + 16;
    const Bytes header{CT_APPLICATIONDATA, 3, 3, static_cast<std::uint8_t>(body >> 8), static_cast<std::uint8_t>(body)};
    return oracle::concat(header, oracle::aead_seal(facts.cipher, w.key, nonce, header, inner));
  };
  const WriteKey api_key = expected_key(k->own_point), raw_key = expected_key(k->floor_own_point);
  auto s = t.open_session();
  {
    const Handle key = provider_tls13_record_key(t, *k);
    auto floor_key = floor_tls13_record_key(t, s->handle(), *k);
    for (std::size_t size : kSizes) {
      for (std::uint64_t seq : {0ull, 1ull, 0x0102030405060708ull}) {
        Bytes inner = inner_of(size), record(size + 64), sealed(size + 64), back(size + 64);
        record.resize(provider_tls13_encrypt(t, key.get(), seq, inner, record));
        sealed.resize(floor_tls13_encrypt(*floor_key, seq, inner, sealed));
        EXPECT_EQ(record, openssl_record(api_key, seq, inner)) << "provider, " << size << " B, seq " << seq;
        EXPECT_EQ(sealed, openssl_record(raw_key, seq, inner)) << "floor, " << size << " B, seq " << seq;
        Bytes theirs = openssl_record(api_key, seq, inner);
        back.resize(provider_tls13_decrypt(t, key.get(), seq, theirs, back));
        EXPECT_EQ(back, inner) << "provider opening OpenSSL's record, " << size << " B, seq " << seq;
        back.resize(size + 64);
        back.resize(floor_tls13_decrypt(*floor_key, seq, openssl_record(raw_key, seq, inner), back));
        EXPECT_EQ(back, inner) << "floor opening OpenSSL's record, " << size << " B, seq " << seq;
      }
    }
  }
  k->floor->destroy(t.setup_session().handle(), k->floor_own);
  k->floor->destroy(t.setup_session().handle(), k->floor_zeros);
}

INSTANTIATE_TEST_SUITE_P(Tokens, Tls13Records, ::testing::ValuesIn(test::TestTokens::all()), test::TokenName{});

}  // namespace
}  // namespace sslp11::bench
