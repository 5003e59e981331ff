#include "bench/tls13_records.h"

#include <array>
#include <stdexcept>

#include "core/records.h"
#include "core/tls13_labels.h"
#include "core/tls13_public_hash.h"

namespace sslp11::bench {

namespace labels = core::tls13_labels;
using Use = Tls13Floor::Use;

namespace {

constexpr std::size_t kTagBytes = 16;

// RFC 8446 §5.3: the 64-bit sequence number, big-endian, xor the write IV's last 8 bytes.
std::array<std::uint8_t, 12> tls13_nonce(const std::array<std::uint8_t, 12>& iv, std::uint64_t seq) {
  std::array<std::uint8_t, 12> n = iv;
  for (int i = 0; i < 8; ++i) n[11 - i] ^= static_cast<std::uint8_t>(seq >> (8 * i));
  return n;
}

// RFC 8446 §5.2: opaque_type 23, legacy_record_version 0x0303, length of the
// ciphertext with its tag. Also the AAD.
void write_header(std::span<std::uint8_t> record, std::size_t inner_bytes) {
  const std::size_t body = inner_bytes + kTagBytes;
  record[0] = CT_APPLICATIONDATA;
  record[1] = 3;
  record[2] = 3;
  record[3] = static_cast<std::uint8_t>(body >> 8);
  record[4] = static_cast<std::uint8_t>(body);
}

}  // namespace

Handle provider_tls13_record_key(BenchToken& t, const Tls13Keys& k) {
  const NCRYPT_PROV_HANDLE p = t.provider();
  const DWORD suite = k.suite->id;
  Handle th, early, hs, master, c_ap, s_ap, key;
  check(SslCreateHandshakeHash(p, th.out(), kTls13, suite, 0), "SslCreateHandshakeHash");
  check(SslHashHandshake(p, th.get(), const_cast<std::uint8_t*>(k.messages.data()),
                         static_cast<DWORD>(k.messages.size()), 0),
        "SslHashHandshake");
  check(SslExtractEarlyKey(p, 0, early.out(), kTls13, suite, nullptr, 0), "SslExtractEarlyKey");
  check(SslExtractHandshakeKey(p, k.own.get(), k.peer_public.get(), early.get(), hs.out(), nullptr, 0),
        "SslExtractHandshakeKey");
  check(SslExtractMasterKey(p, hs.get(), master.out(), nullptr, 0), "SslExtractMasterKey");
  check(SslExpandTrafficKeys(p, master.get(), th.get(), c_ap.out(), s_ap.out(), nullptr, 0), "SslExpandTrafficKeys");
  check(SslExpandWriteKey(p, c_ap.get(), key.out(), nullptr, 0), "SslExpandWriteKey");
  return key;
}

FloorTls13RecordKey::~FloorTls13RecordKey() {
  if (token != nullptr) token->floor().destroy(session, key.key);
}

// The same schedule as the floor makes it (bench/tls13_operations.cpp), up to
// the client application traffic secret; only its write key is kept.
std::unique_ptr<FloorTls13RecordKey> floor_tls13_record_key(const BenchToken& t, CK_SESSION_HANDLE s,
                                                            const Tls13Keys& k) {
  const Tls13Floor& f = *k.floor;
  const core::Tls13Suite& suite = *k.suite;
  const std::size_t n = suite.hash_bytes();
  constexpr CK_KEY_TYPE kGeneric = CKK_GENERIC_SECRET;
  const core::PublicDigest empty = core::public_digest(suite.hash, {});
  std::uint8_t th[48];
  f.digest(s, suite, k.messages, {th, n});
  const CK_OBJECT_HANDLE early = f.extract(s, suite, k.floor_zeros, CK_INVALID_HANDLE, CK_INVALID_HANDLE, 0);
  const CK_OBJECT_HANDLE z = f.ecdh(s, k.floor_own, k.peer_point, k.curve->coordinate_bytes);
  CK_OBJECT_HANDLE salt = f.expand_label(s, suite, early, labels::kDerived, empty.span(), Use::chain, kGeneric, n);
  const CK_OBJECT_HANDLE hs = f.extract(s, suite, k.floor_zeros, salt, z, k.curve->coordinate_bytes);
  f.destroy(s, salt);
  f.destroy(s, z);
  salt = f.expand_label(s, suite, hs, labels::kDerived, empty.span(), Use::chain, kGeneric, n);
  const CK_OBJECT_HANDLE master = f.extract(s, suite, k.floor_zeros, salt, CK_INVALID_HANDLE, n);
  f.destroy(s, salt);
  const CK_OBJECT_HANDLE c_ap =
      f.expand_label(s, suite, master, labels::kClientApplicationTraffic, {th, n}, Use::chain, kGeneric, n);
  auto out = std::make_unique<FloorTls13RecordKey>();
  out->key = floor_write_key(f, s, suite, c_ap);
  out->token = &t;
  out->session = s;
  for (CK_OBJECT_HANDLE h : {early, hs, master, c_ap}) f.destroy(s, h);
  return out;
}

std::size_t provider_tls13_encrypt(BenchToken& t, NCRYPT_KEY_HANDLE key, std::uint64_t seq,
                                   std::span<std::uint8_t> inner, std::span<std::uint8_t> record) {
  DWORD n = 0;
  check(SslEncryptPacket(t.provider(), key, inner.data(), static_cast<DWORD>(inner.size()), record.data(),
                         static_cast<DWORD>(record.size()), &n, seq, CT_APPLICATIONDATA, 0),
        "SslEncryptPacket");
  return n;
}

std::size_t provider_tls13_decrypt(BenchToken& t, NCRYPT_KEY_HANDLE key, std::uint64_t seq,
                                   std::span<std::uint8_t> record, std::span<std::uint8_t> inner) {
  DWORD n = 0;
  check(SslDecryptPacket(t.provider(), key, record.data(), static_cast<DWORD>(record.size()), inner.data(),
                         static_cast<DWORD>(inner.size()), &n, seq, 0),
        "SslDecryptPacket");
  return n;
}

std::size_t floor_tls13_encrypt(const FloorTls13RecordKey& k, std::uint64_t seq, std::span<const std::uint8_t> inner,
                                std::span<std::uint8_t> record) {
  const auto header = record.first(core::kRecordHeaderBytes);
  write_header(header, inner.size());
  const auto nonce = tls13_nonce(k.key.iv, seq);
  return header.size() + k.token->floor().gcm_encrypt(k.session, k.key.key, nonce, header, inner,
                                                       record.subspan(core::kRecordHeaderBytes));
}

std::size_t floor_tls13_decrypt(const FloorTls13RecordKey& k, std::uint64_t seq, std::span<const std::uint8_t> record,
                                std::span<std::uint8_t> inner) {
  const auto nonce = tls13_nonce(k.key.iv, seq);
  return k.token->floor().gcm_decrypt(k.session, k.key.key, nonce, record.first(core::kRecordHeaderBytes),
                                      record.subspan(core::kRecordHeaderBytes), inner);
}

}  // namespace sslp11::bench
