#include "bench/pool_rig.h"

#include <sslp11/winerror.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "bench/operations.h"
#include "support/provider_env.h"

namespace sslp11::bench {

std::vector<int> parse_int_list(const char* text) {
  std::vector<int> v;
  for (const char* p = text; *p != '\0';) {
    char* end = nullptr;
    v.push_back(static_cast<int>(std::strtol(p, &end, 10)));
    if (end == p) break;
    p = *end == ',' ? end + 1 : end;
  }
  return v;
}

const char* flag_value(const char* arg, const char* flag) {
  const std::size_t n = std::strlen(flag);
  return std::strncmp(arg, flag, n) == 0 ? arg + n : nullptr;
}

PoolRig::PoolRig(const std::string& pool_lines) {
  // Every token exists before any module is initialised (SoftHSM reads its
  // token directory once).
  const std::array<test::TokenSpec, kMembers> tokens{test::TestTokens::softhsm(),
                                                     test::TestTokens::create_softhsm_token("sslp11-bench-m2"),
                                                     test::TestTokens::create_softhsm_token("sslp11-bench-m3")};
  for (int i = 0; i < kMembers; ++i) {
    const std::string name = "m" + std::to_string(i + 1);
    rigs_.push_back(std::make_unique<faults::RigInstance>("pool-" + name));
    members_.push_back({name, rigs_.back()->member(tokens[static_cast<std::size_t>(i)], /*own_module_copy=*/true)});
  }
  pool_test::use_pool("bench", members_, pool_lines);
  check(SslOpenProvider(&provider_, nullptr, 0), "SslOpenProvider on the pool");
}

PoolRig::~PoolRig() {
  if (provider_ != 0) SslFreeObject(provider_, 0);
}

std::vector<unsigned long> PoolRig::thread_calls() const {
  std::vector<unsigned long> v;
  for (const auto& r : rigs_) v.push_back(r->thread_calls());
  return v;
}

int PoolRig::which_grew(const std::vector<unsigned long>& before, int failing) const {
  std::vector<int> grown;
  for (int i = 0; i < kMembers; ++i) {
    if (rig(i).thread_calls() > before[static_cast<std::size_t>(i)]) grown.push_back(i);
  }
  if (grown.size() == 1) return grown[0];
  if (grown.size() == 2 && failing >= 0 && (grown[0] == failing || grown[1] == failing)) {
    return grown[0] == failing ? grown[1] : grown[0];
  }
  return -1;
}

std::vector<std::size_t> PoolRig::object_counts() const {
  std::vector<std::size_t> v;
  for (const pool_test::Member& m : members_) v.push_back(pool_test::objects_on(m));
  return v;
}

std::vector<std::uint8_t> client_public_blob(NCRYPT_PROV_HANDLE provider) {
  SslHandle key;
  check(SslCreateEphemeralKey(provider, key.out(), kTls12, kGcm128, TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0, 0),
        "SslCreateEphemeralKey");
  std::vector<std::uint8_t> blob(512);
  DWORD n = 0;
  check(SslExportKey(provider, key.get(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), &n, 0),
        "SslExportKey");
  blob.resize(n);
  return blob;
}

FullSchedule::FullSchedule(const PoolRig& pool, const std::vector<std::uint8_t>& client_public)
    : pool_(pool), client_public_(client_public) {}

void FullSchedule::check(SECURITY_STATUS status, const char* call, Clock::time_point started) {
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  if (ms > longest_ms_) longest_ms_ = ms;
  if (status != 0) throw Failed{call, status};
}

void FullSchedule::run(int failing) {
  const NCRYPT_PROV_HANDLE p = pool_.provider();
  thread_local ProviderRandoms randoms;
  auto* desc = &randoms.desc;
  auto t = Clock::now();

  const std::vector<unsigned long> before = pool_.thread_calls();
  const SECURITY_STATUS placed = SslCreateEphemeralKey(p, ephemeral_.out(), kTls12, kGcm128,
                                                       TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0, 0);
  member_ = pool_.which_grew(before, failing);
  check(placed, "SslCreateEphemeralKey", t);

  std::array<std::uint8_t, 160> own_public{};  // what ServerKeyExchange carries
  DWORD n = 0;
  t = Clock::now();
  check(SslExportKey(p, ephemeral_.get(), BCRYPT_ECCPUBLIC_BLOB, own_public.data(), own_public.size(), &n, 0),
        "SslExportKey", t);
  t = Clock::now();
  check(SslImportKey(p, peer_.out(), BCRYPT_ECCPUBLIC_BLOB, const_cast<std::uint8_t*>(client_public_.data()),
                     static_cast<DWORD>(client_public_.size()), 0),
        "SslImportKey", t);
  t = Clock::now();
  check(SslGenerateMasterKey(p, ephemeral_.get(), peer_.get(), server_master_.out(), kTls12, kGcm128, desc, nullptr,
                             0, nullptr, NCRYPT_SSL_SERVER_FLAG),
        "SslGenerateMasterKey", t);
  t = Clock::now();
  check(SslGenerateMasterKey(p, ephemeral_.get(), peer_.get(), client_master_.out(), kTls12, kGcm128, desc, nullptr,
                             0, nullptr, NCRYPT_SSL_CLIENT_FLAG),
        "SslGenerateMasterKey", t);
  t = Clock::now();
  check(SslGenerateSessionKeys(p, server_master_.get(), server_read_.out(), server_write_.out(), desc, 0),
        "SslGenerateSessionKeys", t);
  t = Clock::now();
  check(SslGenerateSessionKeys(p, client_master_.get(), client_read_.out(), client_write_.out(), desc, 0),
        "SslGenerateSessionKeys", t);

  t = Clock::now();
  check(SslCreateHandshakeHash(p, hash_.out(), kTls12, kGcm128, 0), "SslCreateHandshakeHash", t);
  auto* bytes = const_cast<std::uint8_t*>(transcript().data());
  t = Clock::now();
  check(SslHashHandshake(p, hash_.get(), bytes, kTranscriptBytes, 0), "SslHashHandshake", t);
  std::array<std::uint8_t, 12> client_verify{}, server_verify{};
  t = Clock::now();
  check(SslComputeFinishedHash(p, server_master_.get(), hash_.get(), client_verify.data(), 12, NCRYPT_SSL_CLIENT_FLAG),
        "SslComputeFinishedHash", t);
  t = Clock::now();
  check(SslHashHandshake(p, hash_.get(), bytes + kTranscriptBytes, kFinishedMessageBytes, 0), "SslHashHandshake", t);
  t = Clock::now();
  check(SslComputeFinishedHash(p, server_master_.get(), hash_.get(), server_verify.data(), 12, NCRYPT_SSL_SERVER_FLAG),
        "SslComputeFinishedHash", t);

  // One application-data record each way, opened by the other end.
  std::array<std::uint8_t, 64> plain{}, opened{};
  std::array<std::uint8_t, 64 + 64> record{};
  for (const auto& [sealer, opener] : {std::pair{&client_write_, &server_read_}, std::pair{&server_write_, &client_read_}}) {
    DWORD sealed = 0, got = 0;
    t = Clock::now();
    check(SslEncryptPacket(p, sealer->get(), plain.data(), plain.size(), record.data(), record.size(), &sealed, 0,
                           CT_APPLICATIONDATA, 0),
          "SslEncryptPacket", t);
    t = Clock::now();
    check(SslDecryptPacket(p, opener->get(), record.data(), sealed, opened.data(), opened.size(), &got, 0, 0),
          "SslDecryptPacket", t);
    if (got != plain.size()) throw Failed{"SslDecryptPacket (length)", NTE_BAD_DATA};
  }
}

}  // namespace sslp11::bench
