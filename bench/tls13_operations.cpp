#include "bench/tls13_operations.h"

#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>

#include "core/tls13_labels.h"
#include "core/tls13_public_hash.h"

namespace sslp11::bench {

namespace labels = core::tls13_labels;
using Use = Tls13Floor::Use;

namespace {

constexpr std::size_t kHelloBytes = 400;              // ClientHello..ServerHello, roughly
constexpr std::size_t kCertificateVerifyBytes = 2048;  // EncryptedExtensions..CertificateVerify
constexpr std::size_t kServerFinishedBytes = 4 + 32;

std::vector<std::uint8_t> point_of_blob(const std::vector<std::uint8_t>& blob) {
  std::vector<std::uint8_t> point{0x04};
  point.insert(point.end(), blob.begin() + static_cast<std::ptrdiff_t>(sizeof(BCRYPT_ECCKEY_BLOB)), blob.end());
  return point;
}

std::vector<std::uint8_t> export_point(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key) {
  std::vector<std::uint8_t> blob(512);
  DWORD n = 0;
  check(SslExportKey(p, key, BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), &n, 0),
        "SslExportKey");
  blob.resize(n);
  return point_of_blob(blob);
}

Handle import_point(NCRYPT_PROV_HANDLE p, const core::NamedCurve& curve, std::span<const std::uint8_t> point) {
  BCRYPT_ECCKEY_BLOB header{BCRYPT_ECDH_PUBLIC_P256_MAGIC, curve.coordinate_bytes};
  if (curve.group != TLS_ECC_P256_CURVE_KEY_TYPE) throw std::logic_error("the TLS 1.3 bench runs on P-256");
  std::vector<std::uint8_t> blob(sizeof header);
  std::memcpy(blob.data(), &header, sizeof header);
  blob.insert(blob.end(), point.begin() + 1, point.end());
  Handle h;
  check(SslImportKey(p, h.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0),
        "SslImportKey");
  return h;
}

}  // namespace

std::unique_ptr<Tls13Keys> make_tls13_keys(BenchToken& t, std::span<const std::uint8_t> peer_point) {
  auto k = std::make_unique<Tls13Keys>();
  k->suite = core::find_tls13_suite(kAes128GcmSha256);
  k->curve = core::find_curve_by_group(TLS_ECC_P256_CURVE_KEY_TYPE);
  if (k->suite == nullptr || k->curve == nullptr) throw std::logic_error("unknown TLS 1.3 suite or curve");
  const NCRYPT_PROV_HANDLE p = t.provider();
  check(SslCreateEphemeralKey(p, k->own.out(), kTls13, kAes128GcmSha256, k->curve->group, 0, nullptr, 0, 0),
        "SslCreateEphemeralKey");
  k->own_point = export_point(p, k->own.get());
  k->peer_point.assign(peer_point.begin(), peer_point.end());
  k->peer_public = import_point(p, *k->curve, k->peer_point);

  k->floor = std::make_unique<Tls13Floor>(t.access().fl, t.floor().native());
  const CK_SESSION_HANDLE s = t.setup_session().handle();
  const FloorEphemeral e = t.floor().create_ephemeral(s, *k->curve);
  k->floor_own = e.priv;
  k->floor_own_point.assign(e.point.begin(), e.point.begin() + static_cast<std::ptrdiff_t>(e.point_len));
  k->floor_zeros = k->floor->make_zeros(s, k->suite->hash_bytes());

  k->messages.resize(kHelloBytes + kCertificateVerifyBytes + kServerFinishedBytes);
  for (std::size_t i = 0; i < k->messages.size(); ++i) k->messages[i] = static_cast<std::uint8_t>(i * 13 + 5);
  k->hello_end = kHelloBytes;
  k->certificate_verify_end = kHelloBytes + kCertificateVerifyBytes;
  return k;
}

Tls13Keys& tls13_keys(BenchToken& t) {
  static std::mutex mutex;
  static auto* all = new std::map<std::string, std::unique_ptr<Tls13Keys>>;  // never destroyed: see BenchToken::get
  std::lock_guard lock(mutex);
  auto& slot = (*all)[t.name()];
  if (!slot) {
    Handle peer;
    check(SslCreateEphemeralKey(t.provider(), peer.out(), kTls13, kAes128GcmSha256, TLS_ECC_P256_CURVE_KEY_TYPE, 0,
                                nullptr, 0, 0),
          "SslCreateEphemeralKey");
    const auto point = export_point(t.provider(), peer.get());
    slot = make_tls13_keys(t, point);
    slot->peer = std::move(peer);
  }
  return *slot;
}

// ---- Through the API --------------------------------------------------------------

void provider_tls13_schedule(BenchToken& t, const Tls13Keys& k, std::span<std::uint8_t> verify_data) {
  const NCRYPT_PROV_HANDLE p = t.provider();
  const DWORD suite = k.suite->id;
  const DWORD n = k.suite->hash_bytes();
  auto* messages = const_cast<std::uint8_t*>(k.messages.data());
  std::uint8_t scratch[2 * 48];
  std::uint8_t* server_vd = verify_data.empty() ? scratch : verify_data.data();
  std::uint8_t* client_vd = server_vd + n;

  NCRYPT_HASH_HANDLE th = 0;
  NCRYPT_KEY_HANDLE early = 0, hs = 0, c_hs = 0, s_hs = 0, c_hs_key = 0, s_hs_key = 0;
  NCRYPT_KEY_HANDLE master = 0, c_ap = 0, s_ap = 0, c_ap_key = 0, s_ap_key = 0;
  check(SslCreateHandshakeHash(p, &th, kTls13, suite, 0), "SslCreateHandshakeHash");
  check(SslHashHandshake(p, th, messages, static_cast<DWORD>(k.hello_end), 0), "SslHashHandshake");
  check(SslExtractEarlyKey(p, 0, &early, kTls13, suite, nullptr, 0), "SslExtractEarlyKey");
  check(SslExtractHandshakeKey(p, k.own.get(), k.peer_public.get(), early, &hs, nullptr, 0), "SslExtractHandshakeKey");
  check(SslExpandTrafficKeys(p, hs, th, &c_hs, &s_hs, nullptr, 0), "SslExpandTrafficKeys");
  check(SslExpandWriteKey(p, c_hs, &c_hs_key, nullptr, 0), "SslExpandWriteKey");
  check(SslExpandWriteKey(p, s_hs, &s_hs_key, nullptr, 0), "SslExpandWriteKey");
  check(SslHashHandshake(p, th, messages + k.hello_end, static_cast<DWORD>(k.certificate_verify_end - k.hello_end), 0),
        "SslHashHandshake");
  check(SslComputeFinishedHash(p, s_hs, th, server_vd, n, 0), "SslComputeFinishedHash");
  check(SslHashHandshake(p, th, messages + k.certificate_verify_end,
                         static_cast<DWORD>(k.messages.size() - k.certificate_verify_end), 0),
        "SslHashHandshake");
  check(SslExtractMasterKey(p, hs, &master, nullptr, 0), "SslExtractMasterKey");
  check(SslExpandTrafficKeys(p, master, th, &c_ap, &s_ap, nullptr, 0), "SslExpandTrafficKeys");
  check(SslExpandWriteKey(p, c_ap, &c_ap_key, nullptr, 0), "SslExpandWriteKey");
  check(SslExpandWriteKey(p, s_ap, &s_ap_key, nullptr, 0), "SslExpandWriteKey");
  check(SslComputeFinishedHash(p, c_hs, th, client_vd, n, 0), "SslComputeFinishedHash");
  for (NCRYPT_HANDLE h : {early, hs, c_hs, s_hs, c_hs_key, s_hs_key, master, c_ap, s_ap, c_ap_key, s_ap_key, th}) {
    check(SslFreeObject(h, 0), "SslFreeObject");
  }
}

// ---- The floor ------------------------------------------------------------------------

FloorWriteKey floor_write_key(const Tls13Floor& f, CK_SESSION_HANDLE s, const core::Tls13Suite& suite,
                              CK_OBJECT_HANDLE traffic) {
  FloorWriteKey w;
  w.key = f.expand_label(s, suite, traffic, labels::kKey, {}, Use::record, core::cipher_key_type(suite.cipher),
                         suite.key_bytes);
  f.expand_label_data(s, suite, traffic, labels::kIv, std::span(w.iv).first(suite.iv_bytes));
  return w;
}

void floor_tls13_schedule(const BenchToken& /*t*/, CK_SESSION_HANDLE s, const Tls13Keys& k,
                          std::span<std::uint8_t> verify_data) {
  const Tls13Floor& f = *k.floor;
  const core::Tls13Suite& suite = *k.suite;
  const std::size_t n = suite.hash_bytes();
  constexpr CK_KEY_TYPE kGeneric = CKK_GENERIC_SECRET;
  std::uint8_t scratch[2 * 48];
  std::span<std::uint8_t> server_vd{verify_data.empty() ? scratch : verify_data.data(), n};
  std::span<std::uint8_t> client_vd{server_vd.data() + n, n};
  const core::PublicDigest empty = core::public_digest(suite.hash, {});  // host side, as the core's
  std::uint8_t th1[48], th2[48], th3[48];
  const std::span<const std::uint8_t> all(k.messages);

  f.digest(s, suite, all.first(k.hello_end), {th1, n});
  const CK_OBJECT_HANDLE early = f.extract(s, suite, k.floor_zeros, CK_INVALID_HANDLE, CK_INVALID_HANDLE, 0);
  const CK_OBJECT_HANDLE z = f.ecdh(s, k.floor_own, k.peer_point, k.curve->coordinate_bytes);
  CK_OBJECT_HANDLE salt = f.expand_label(s, suite, early, labels::kDerived, empty.span(), Use::chain, kGeneric, n);
  const CK_OBJECT_HANDLE hs = f.extract(s, suite, k.floor_zeros, salt, z, k.curve->coordinate_bytes);
  f.destroy(s, salt);
  f.destroy(s, z);
  const CK_OBJECT_HANDLE c_hs =
      f.expand_label(s, suite, hs, labels::kClientHandshakeTraffic, {th1, n}, Use::chain, kGeneric, n);
  const CK_OBJECT_HANDLE s_hs =
      f.expand_label(s, suite, hs, labels::kServerHandshakeTraffic, {th1, n}, Use::chain, kGeneric, n);
  const FloorWriteKey c_hs_key = floor_write_key(f, s, suite, c_hs);
  const FloorWriteKey s_hs_key = floor_write_key(f, s, suite, s_hs);
  f.digest(s, suite, all.first(k.certificate_verify_end), {th2, n});
  f.finished(s, suite, s_hs, {th2, n}, server_vd);
  f.digest(s, suite, all, {th3, n});
  salt = f.expand_label(s, suite, hs, labels::kDerived, empty.span(), Use::chain, kGeneric, n);
  const CK_OBJECT_HANDLE master = f.extract(s, suite, k.floor_zeros, salt, CK_INVALID_HANDLE, n);
  f.destroy(s, salt);
  const CK_OBJECT_HANDLE c_ap =
      f.expand_label(s, suite, master, labels::kClientApplicationTraffic, {th3, n}, Use::chain, kGeneric, n);
  const CK_OBJECT_HANDLE s_ap =
      f.expand_label(s, suite, master, labels::kServerApplicationTraffic, {th3, n}, Use::chain, kGeneric, n);
  const FloorWriteKey c_ap_key = floor_write_key(f, s, suite, c_ap);
  const FloorWriteKey s_ap_key = floor_write_key(f, s, suite, s_ap);
  f.finished(s, suite, c_hs, {th3, n}, client_vd);
  for (CK_OBJECT_HANDLE h : {early, hs, c_hs, s_hs, c_hs_key.key, s_hs_key.key, master, c_ap, s_ap, c_ap_key.key,
                             s_ap_key.key}) {
    f.destroy(s, h);
  }
}

}  // namespace sslp11::bench
