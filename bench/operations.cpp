#include "bench/operations.h"

#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>

#include "support/provider_env.h"

namespace sslp11::bench {

namespace {

void put_be64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}

// The AES-GCM record's AEAD inputs, as RFC 5246 §6.2.3.3 / RFC 5288 define them.
struct GcmInputs {
  std::array<std::uint8_t, 12> nonce{};
  std::array<std::uint8_t, 13> aad{};
  GcmInputs(std::span<const std::uint8_t> fixed_iv, std::uint64_t seq, std::size_t plain_len) {
    std::memcpy(nonce.data(), fixed_iv.data(), 4);
    put_be64(nonce.data() + 4, seq);
    put_be64(aad.data(), seq);
    aad[8] = CT_APPLICATIONDATA;
    aad[9] = 3;
    aad[10] = 3;
    aad[11] = static_cast<std::uint8_t>(plain_len >> 8);
    aad[12] = static_cast<std::uint8_t>(plain_len);
  }
};

std::optional<CK_MECHANISM_TYPE> tls_mac_of(const TokenAccess& a) {
  // Capabilities::tls_mac_mechanism(): CKM_TLS_MAC, else CKM_TLS12_MAC, with CKF_SIGN.
  for (CK_MECHANISM_TYPE m : {CKM_TLS_MAC, CKM_TLS12_MAC}) {
    CK_MECHANISM_INFO info{};
    if (a.fl->C_GetMechanismInfo(a.slot, m, &info) == CKR_OK && (info.flags & CKF_SIGN) != 0) return m;
  }
  return std::nullopt;
}

std::vector<std::uint8_t> export_public(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key) {
  std::vector<std::uint8_t> blob(512);
  DWORD n = 0;
  check(SslExportKey(p, key, BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), &n, 0),
        "SslExportKey");
  blob.resize(n);
  return blob;
}

Handle import_public(NCRYPT_PROV_HANDLE p, std::vector<std::uint8_t>& blob) {
  Handle h;
  check(SslImportKey(p, h.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0),
        "SslImportKey");
  return h;
}

}  // namespace

void check(SECURITY_STATUS status, const char* call) {
  if (status != ERROR_SUCCESS) {
    char code[16];
    std::snprintf(code, sizeof code, "0x%08x", static_cast<unsigned>(status));
    throw std::runtime_error(std::string(call) + " returned " + code + ": " + test::last_error());
  }
}

ProviderRandoms::ProviderRandoms() {
  for (std::size_t i = 0; i < 32; ++i) {
    r.client[i] = static_cast<std::uint8_t>(i);
    r.server[i] = static_cast<std::uint8_t>(0x80 + i);
  }
  buffers[0] = NCryptBuffer{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, r.client.data()};
  buffers[1] = NCryptBuffer{32, NCRYPTBUFFER_SSL_SERVER_RANDOM, r.server.data()};
  desc = NCryptBufferDesc{NCRYPTBUFFER_VERSION, 2, buffers.data()};
}

namespace {

// Never destroyed: a BenchToken frees provider handles, and at exit the
// provider's handle table (a function-local static made after this map)
// would already be gone. The process exit closes the module.
template <class Make>
BenchToken& bench_token(const std::string& name, Make&& make) {
  static std::mutex mutex;
  static auto* tokens = new std::map<std::string, std::unique_ptr<BenchToken>>;
  std::lock_guard lock(mutex);
  auto& slot = (*tokens)[name];
  if (!slot) slot = make();
  return *slot;
}

}  // namespace

BenchToken& BenchToken::get(const std::string& name) {
  return bench_token(name, [&] {
    if (name == "softhsm") return std::unique_ptr<BenchToken>(new BenchToken(test::TestTokens::softhsm()));
    if (name == "nss") return std::unique_ptr<BenchToken>(new BenchToken(test::TestTokens::nss()));
    throw std::invalid_argument("no bench token named " + name);
  });
}

BenchToken& BenchToken::get(const std::string& name, const test::TokenSpec& spec, const std::string& config_extra) {
  return bench_token(name, [&] { return std::unique_ptr<BenchToken>(new BenchToken(spec, config_extra)); });
}

BenchToken::BenchToken(const test::TokenSpec& spec, const std::string& config_extra) : spec_(spec) {
  test::use_token(spec_, config_extra, config_extra.empty() ? "default" : "bench-extra");
  check(SslOpenProvider(reinterpret_cast<NCRYPT_PROV_HANDLE*>(provider_.out()), nullptr, 0), "SslOpenProvider");
  access_ = open_token(spec_.module_path, spec_.init_args, spec_.serial);
  setup_ = open_session();
  floor_ = std::make_unique<RawFloor>(access_.fl, spec_.expected_path == "native", tls_mac_of(access_));
}

std::unique_ptr<RawSession> BenchToken::open_session() const {
  return std::make_unique<RawSession>(access_, spec_.user_pin);
}

SuiteKeys& BenchToken::keys(DWORD suite_id) {
  auto& keys = suite_id == kGcm128 ? gcm_ : cbc_;
  if (keys) return *keys;
  keys = std::make_unique<SuiteKeys>();
  SuiteKeys& k = *keys;
  k.suite = core::find_cipher_suite(suite_id);
  if (k.suite == nullptr) throw std::logic_error("unknown suite");
  // SoftHSM's HMAC-SHA384 takes keys of 48 bytes or more: a SHA-384 suite
  // needs the P-384 pre-master there. Both tokens use the same curve per suite.
  const DWORD group = k.suite->prf == core::HashAlg::sha384 ? TLS_ECC_P384_CURVE_KEY_TYPE : TLS_ECC_P256_CURVE_KEY_TYPE;
  k.curve = core::find_curve_by_group(group);
  const NCRYPT_PROV_HANDLE p = provider();
  check(SslCreateEphemeralKey(p, k.peer.out(), kTls12, suite_id, group, 0, nullptr, 0, 0), "SslCreateEphemeralKey");
  check(SslCreateEphemeralKey(p, k.server_ephemeral.out(), kTls12, suite_id, group, 0, nullptr, 0, 0),
        "SslCreateEphemeralKey");
  k.peer_blob = export_public(p, k.peer.get());
  const std::size_t header = sizeof(BCRYPT_ECCKEY_BLOB);
  k.peer_point.push_back(0x04);
  k.peer_point.insert(k.peer_point.end(), k.peer_blob.begin() + static_cast<std::ptrdiff_t>(header),
                      k.peer_blob.end());
  auto server_blob = export_public(p, k.server_ephemeral.get());
  Handle server_view_of_client = import_public(p, k.peer_blob);
  Handle client_view_of_server = import_public(p, server_blob);
  auto* desc = const_cast<NCryptBufferDesc*>(&randoms_.desc);
  check(SslGenerateMasterKey(p, k.peer.get(), client_view_of_server.get(), k.client_master.out(), kTls12, suite_id,
                             desc, nullptr, 0, nullptr, NCRYPT_SSL_CLIENT_FLAG),
        "SslGenerateMasterKey");
  check(SslGenerateMasterKey(p, k.server_ephemeral.get(), server_view_of_client.get(), k.server_master.out(), kTls12,
                             suite_id, desc, nullptr, 0, nullptr, NCRYPT_SSL_SERVER_FLAG),
        "SslGenerateMasterKey");
  const CK_SESSION_HANDLE s = setup_->handle();
  const FloorEphemeral e = floor_->create_ephemeral(s, *k.curve);
  k.floor_master = floor_->master_from_ecdh(s, e.priv, k.peer_point, k.curve->coordinate_bytes, *k.suite, randoms_.r);
  floor_->destroy(s, e.priv);
  return k;
}

const std::vector<std::uint8_t>& transcript() {
  static const std::vector<std::uint8_t> bytes = [] {
    std::vector<std::uint8_t> v(kTranscriptBytes + kFinishedMessageBytes);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::uint8_t>(i * 7 + 1);
    return v;
  }();
  return bytes;
}

// ---- (1) --------------------------------------------------------------------

void provider_session_keys(BenchToken& t, const SuiteKeys& k) {
  NCRYPT_KEY_HANDLE read = 0, write = 0;
  check(SslGenerateSessionKeys(t.provider(), k.client_master.get(), &read, &write,
                               const_cast<NCryptBufferDesc*>(&t.randoms().desc), 0),
        "SslGenerateSessionKeys");
  check(SslFreeObject(read, 0), "SslFreeObject");
  check(SslFreeObject(write, 0), "SslFreeObject");
}

void floor_session_keys(const BenchToken& t, CK_SESSION_HANDLE s, const SuiteKeys& k) {
  const FloorKeys keys = t.floor().session_keys(s, k.floor_master, *k.suite, t.randoms().r);
  t.floor().destroy_keys(s, keys);
}

// ---- (2) --------------------------------------------------------------------

namespace {

// The server's part of (2): own ephemeral key, the client's public key, the master.
struct ProviderExchange {
  NCRYPT_KEY_HANDLE ephemeral = 0, peer = 0, master = 0;
  std::array<std::uint8_t, 160> own_public{};  // what ServerKeyExchange carries
  void run(BenchToken& t, const SuiteKeys& k) {
    const NCRYPT_PROV_HANDLE p = t.provider();
    check(SslCreateEphemeralKey(p, &ephemeral, kTls12, k.suite->id, k.curve->group, 0, nullptr, 0, 0),
          "SslCreateEphemeralKey");
    DWORD n = 0;
    check(SslExportKey(p, ephemeral, BCRYPT_ECCPUBLIC_BLOB, own_public.data(), own_public.size(), &n, 0),
          "SslExportKey");
    check(SslImportKey(p, &peer, BCRYPT_ECCPUBLIC_BLOB, const_cast<std::uint8_t*>(k.peer_blob.data()),
                       static_cast<DWORD>(k.peer_blob.size()), 0),
          "SslImportKey");
    check(SslGenerateMasterKey(p, ephemeral, peer, &master, kTls12, k.suite->id,
                               const_cast<NCryptBufferDesc*>(&t.randoms().desc), nullptr, 0, nullptr,
                               NCRYPT_SSL_SERVER_FLAG),
          "SslGenerateMasterKey");
  }
  void free() {
    for (NCRYPT_KEY_HANDLE h : {master, peer, ephemeral}) check(SslFreeObject(h, 0), "SslFreeObject");
  }
};

}  // namespace

void provider_master_key(BenchToken& t, const SuiteKeys& k) {
  ProviderExchange x;
  x.run(t, k);
  x.free();
}

void floor_master_key(const BenchToken& t, CK_SESSION_HANDLE s, const SuiteKeys& k) {
  const RawFloor& f = t.floor();
  const FloorEphemeral e = f.create_ephemeral(s, *k.curve);
  const CK_OBJECT_HANDLE master =
      f.master_from_ecdh(s, e.priv, k.peer_point, k.curve->coordinate_bytes, *k.suite, t.randoms().r);
  f.destroy(s, master);
  f.destroy(s, e.priv);
}

// ---- (3) --------------------------------------------------------------------

void provider_server_schedule(BenchToken& t, const SuiteKeys& k) {
  const NCRYPT_PROV_HANDLE p = t.provider();
  ProviderExchange x;
  x.run(t, k);
  NCRYPT_KEY_HANDLE read = 0, write = 0;
  check(SslGenerateSessionKeys(p, x.master, &read, &write, const_cast<NCryptBufferDesc*>(&t.randoms().desc), 0),
        "SslGenerateSessionKeys");
  NCRYPT_HASH_HANDLE hash = 0;
  check(SslCreateHandshakeHash(p, &hash, kTls12, k.suite->id, 0), "SslCreateHandshakeHash");
  auto* bytes = const_cast<std::uint8_t*>(transcript().data());
  check(SslHashHandshake(p, hash, bytes, kTranscriptBytes, 0), "SslHashHandshake");
  std::array<std::uint8_t, 12> client_verify{}, server_verify{};
  check(SslComputeFinishedHash(p, x.master, hash, client_verify.data(), 12, NCRYPT_SSL_CLIENT_FLAG),
        "SslComputeFinishedHash");
  check(SslHashHandshake(p, hash, bytes + kTranscriptBytes, kFinishedMessageBytes, 0), "SslHashHandshake");
  check(SslComputeFinishedHash(p, x.master, hash, server_verify.data(), 12, NCRYPT_SSL_SERVER_FLAG),
        "SslComputeFinishedHash");
  for (NCRYPT_HANDLE h : {hash, read, write}) check(SslFreeObject(h, 0), "SslFreeObject");
  x.free();
}

void floor_server_schedule(const BenchToken& t, CK_SESSION_HANDLE s, const SuiteKeys& k) {
  const RawFloor& f = t.floor();
  const FloorEphemeral e = f.create_ephemeral(s, *k.curve);
  const CK_OBJECT_HANDLE master =
      f.master_from_ecdh(s, e.priv, k.peer_point, k.curve->coordinate_bytes, *k.suite, t.randoms().r);
  const FloorKeys keys = f.session_keys(s, master, *k.suite, t.randoms().r);
  std::array<std::uint8_t, 12> client_verify{}, server_verify{};
  const auto& bytes = transcript();
  f.finished(s, master, *k.suite, {bytes.data(), kTranscriptBytes}, false, client_verify);
  f.finished(s, master, *k.suite, {bytes.data(), kTranscriptBytes + kFinishedMessageBytes}, true, server_verify);
  f.destroy_keys(s, keys);
  f.destroy(s, master);
  f.destroy(s, e.priv);
}

// ---- (4) --------------------------------------------------------------------

ProviderRecordKeys provider_record_keys(BenchToken& t) {
  SuiteKeys& k = t.keys(kGcm128);
  ProviderRecordKeys out;
  auto* desc = const_cast<NCryptBufferDesc*>(&t.randoms().desc);
  check(SslGenerateSessionKeys(t.provider(), k.client_master.get(), out.client_read.out(), out.client_write.out(),
                               desc, 0),
        "SslGenerateSessionKeys");
  check(SslGenerateSessionKeys(t.provider(), k.server_master.get(), out.server_read.out(), out.server_write.out(),
                               desc, 0),
        "SslGenerateSessionKeys");
  return out;
}

FloorRecordKey::~FloorRecordKey() {
  if (floor != nullptr) floor->destroy_keys(session, keys);
}

std::unique_ptr<FloorRecordKey> floor_record_key(const BenchToken& t, CK_SESSION_HANDLE s) {
  const SuiteKeys& k = const_cast<BenchToken&>(t).keys(kGcm128);
  auto out = std::make_unique<FloorRecordKey>();
  out->keys = t.floor().session_keys(s, k.floor_master, *k.suite, t.randoms().r);
  out->floor = &t.floor();
  out->session = s;
  return out;
}

std::size_t provider_encrypt(BenchToken& t, const ProviderRecordKeys& k, std::uint64_t seq,
                             std::span<std::uint8_t> plain, std::span<std::uint8_t> record) {
  DWORD n = 0;
  check(SslEncryptPacket(t.provider(), k.client_write.get(), plain.data(), static_cast<DWORD>(plain.size()),
                         record.data(), static_cast<DWORD>(record.size()), &n, seq, CT_APPLICATIONDATA, 0),
        "SslEncryptPacket");
  return n;
}

std::size_t provider_decrypt(BenchToken& t, const ProviderRecordKeys& k, std::uint64_t seq,
                             std::span<std::uint8_t> record, std::span<std::uint8_t> plain) {
  DWORD n = 0;
  check(SslDecryptPacket(t.provider(), k.server_read.get(), record.data(), static_cast<DWORD>(record.size()),
                         plain.data(), static_cast<DWORD>(plain.size()), &n, seq, 0),
        "SslDecryptPacket");
  return n;
}

std::size_t floor_encrypt(const FloorRecordKey& k, std::uint64_t seq, std::span<const std::uint8_t> plain,
                          std::span<std::uint8_t> out) {
  const GcmInputs in(k.keys.client_iv, seq, plain.size());
  return k.floor->gcm_encrypt(k.session, k.keys.client_key, in.nonce, in.aad, plain, out);
}

std::size_t floor_decrypt(const FloorRecordKey& k, std::uint64_t seq, std::span<const std::uint8_t> sealed,
                          std::span<std::uint8_t> plain) {
  const GcmInputs in(k.keys.client_iv, seq, sealed.size() - 16);
  return k.floor->gcm_decrypt(k.session, k.keys.client_key, in.nonce, in.aad, sealed, plain);
}

}  // namespace sslp11::bench
