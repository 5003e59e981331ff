// The measured operations, each in two versions: through the provider's Ssl*
// API (what an application pays) and as the raw PKCS#11 floor (what the token
// itself costs). Shared by the benchmark program and the call-count test, so
// the test checks exactly what the benchmark measures.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sslp11/sslprovider.h>
#include <sslp11/sslprovider.hpp>

#include "bench/raw_floor.h"
#include "support/test_tokens.h"

namespace sslp11::bench {

inline constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;
inline constexpr DWORD kGcm128 = 0xC02F;  // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
inline constexpr DWORD kCbc256 = 0xC028;  // TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384
inline constexpr std::size_t kTranscriptBytes = 2048;  // a handshake's messages, roughly
inline constexpr std::size_t kFinishedMessageBytes = 16;

// An NCRYPT_* handle freed with SslFreeObject.
using Handle = ::sslp11::SslHandle;

// Throws std::runtime_error with the provider's explanation.
void check(SECURITY_STATUS status, const char* call);

// The client and server randoms as the NCryptBufferDesc the provider takes.
struct ProviderRandoms {
  Randoms r;
  std::array<NCryptBuffer, 2> buffers{};
  NCryptBufferDesc desc{};
  ProviderRandoms();
  ProviderRandoms(const ProviderRandoms&) = delete;
  ProviderRandoms& operator=(const ProviderRandoms&) = delete;
};

// One suite's set-up on one token: both ends' master keys (provider), a
// master of the floor's own, and the peer point they were made with.
struct SuiteKeys {
  const core::CipherSuite* suite = nullptr;
  const core::NamedCurve* curve = nullptr;
  Handle peer;                              // the "client's" ephemeral key (provider)
  std::vector<std::uint8_t> peer_blob;      // its BCRYPT_ECCPUBLIC_BLOB
  std::vector<std::uint8_t> peer_point;     // 04 || X || Y
  Handle server_ephemeral;                  // second end, for matching client/server masters
  Handle client_master, server_master;      // provider
  CK_OBJECT_HANDLE floor_master = CK_INVALID_HANDLE;  // in the token's setup session
};

// One token, opened both ways: a provider (SslOpenProvider on a config for
// it) and the floor's direct access, sharing the module's one C_Initialize.
class BenchToken {
 public:
  // name: "softhsm" or "nss". Throwaway tokens from tests/support.
  static BenchToken& get(const std::string& name);
  // Another token under `name` (e.g. SoftHSM behind the test rig), its
  // provider config with `config_extra` lines (e.g. "pool-size = 32"); the
  // first call for a name makes it, later ones return it.
  static BenchToken& get(const std::string& name, const test::TokenSpec& spec, const std::string& config_extra);
  BenchToken(const BenchToken&) = delete;
  BenchToken& operator=(const BenchToken&) = delete;

  const std::string& name() const noexcept { return spec_.name; }
  const test::TokenSpec& spec() const noexcept { return spec_; }
  NCRYPT_PROV_HANDLE provider() const noexcept { return provider_.get(); }
  const RawFloor& floor() const noexcept { return *floor_; }
  const TokenAccess& access() const noexcept { return access_; }
  const RawSession& setup_session() const noexcept { return *setup_; }
  // A floor session per benchmark thread (opened by the caller, outside timing).
  std::unique_ptr<RawSession> open_session() const;
  const ProviderRandoms& randoms() const noexcept { return randoms_; }
  SuiteKeys& keys(DWORD suite);

 private:
  explicit BenchToken(const test::TokenSpec& spec, const std::string& config_extra = "");
  test::TokenSpec spec_;
  Handle provider_;
  TokenAccess access_;
  std::unique_ptr<RawSession> setup_;
  std::unique_ptr<RawFloor> floor_;
  ProviderRandoms randoms_;
  std::unique_ptr<SuiteKeys> gcm_, cbc_;
};

// A fake handshake transcript (public bytes; content does not matter).
const std::vector<std::uint8_t>& transcript();

// ---- (1) SslGenerateSessionKeys + SslFreeObject of both keys ------------------
void provider_session_keys(BenchToken& t, const SuiteKeys& k);
void floor_session_keys(const BenchToken& t, CK_SESSION_HANDLE s, const SuiteKeys& k);

// ---- (2) ECDHE master key: ephemeral key, peer import, master; all freed ---------
void provider_master_key(BenchToken& t, const SuiteKeys& k);
void floor_master_key(const BenchToken& t, CK_SESSION_HANDLE s, const SuiteKeys& k);

// ---- (3) TLS 1.2 server key schedule: (2), session keys, both Finished -----------
void provider_server_schedule(BenchToken& t, const SuiteKeys& k);
void floor_server_schedule(const BenchToken& t, CK_SESSION_HANDLE s, const SuiteKeys& k);

// ---- (4) AES-128-GCM records ------------------------------------------------------
// Provider: a write key (client end) and the read key of the other end, so
// that what one seals the other opens. Floor: one AES key object of the same
// kind, made by the floor's own key block. Both made by the calling thread.
struct ProviderRecordKeys {
  Handle client_read, client_write, server_read, server_write;
};
ProviderRecordKeys provider_record_keys(BenchToken& t);
struct FloorRecordKey {
  const RawFloor* floor = nullptr;
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  FloorKeys keys;
  ~FloorRecordKey();
};
std::unique_ptr<FloorRecordKey> floor_record_key(const BenchToken& t, CK_SESSION_HANDLE s);

// Seal `plain` as application data with sequence `seq`; returns the record size.
std::size_t provider_encrypt(BenchToken& t, const ProviderRecordKeys& k, std::uint64_t seq,
                             std::span<std::uint8_t> plain, std::span<std::uint8_t> record);
std::size_t provider_decrypt(BenchToken& t, const ProviderRecordKeys& k, std::uint64_t seq,
                             std::span<std::uint8_t> record, std::span<std::uint8_t> plain);
// The same AEAD work on the token: nonce = fixed IV || seq, AAD = the 13-byte
// pseudo-header, output = ciphertext || tag.
std::size_t floor_encrypt(const FloorRecordKey& k, std::uint64_t seq, std::span<const std::uint8_t> plain,
                          std::span<std::uint8_t> out);
std::size_t floor_decrypt(const FloorRecordKey& k, std::uint64_t seq, std::span<const std::uint8_t> sealed,
                          std::span<std::uint8_t> plain);

}  // namespace sslp11::bench
