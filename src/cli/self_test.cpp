#include "cli/self_test.h"

#include <random>

#include "cli/errors.h"
#include "cli/object_templates.h"
#include "cli/selftest_prf.h"
#include "core/composed_prf.h"
#include "core/key_schedule.h"
#include "pkcs11/attributes.h"
#include "pkcs11/object.h"
#include "pkcs11/tls_params.h"

namespace sslp11::cli {

namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kMasterBytes = 48;

// Throwaway inputs: nothing derived from them is ever used for traffic.
struct Inputs {
  p11::SecureBytes premaster{48};
  core::Random client{}, server{};
  std::array<std::uint8_t, 32> session_hash{};
  Inputs() {
    std::random_device rd;
    auto fill = [&rd](std::span<std::uint8_t> out) {
      for (auto& b : out) b = static_cast<std::uint8_t>(rd());
    };
    fill(premaster.span());
    fill(client);
    fill(server);
    fill(session_hash);
  }
  Bytes client_server() const {
    Bytes seed(client.begin(), client.end());
    seed.insert(seed.end(), server.begin(), server.end());
    return seed;
  }
  Bytes server_client() const {
    Bytes seed(server.begin(), server.end());
    seed.insert(seed.end(), client.begin(), client.end());
    return seed;
  }
};

const core::CipherSuite* pick_suite(const core::TokenContext& token) {
  const core::CipherSuite* fallback = nullptr;
  for (const core::CipherSuite* s : token.suites()) {
    if (s->prf != core::HashAlg::sha256) continue;
    if (s->fixed_iv_bytes != 0) return s;  // its IVs come back to the host: comparable on every token
    if (fallback == nullptr) fallback = s;
  }
  return fallback;
}

bool same(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// CKA_VALUE of a throwaway object, into a wiped buffer; nullopt when the token keeps it sensitive.
std::optional<p11::SecureBytes> read_value(const p11::Lease& lease, CK_OBJECT_HANDLE o) {
  return p11::read_secret_bytes(lease.api(), lease.handle(), o, CKA_VALUE);
}

class Check {
 public:
  explicit Check(SelfTestReport& r) : r_(r) {}
  // Records a comparison; false (and the report's failure) when it differs.
  bool compare(std::string_view what, std::span<const std::uint8_t> token, std::span<const std::uint8_t> software) {
    if (!same(token, software)) {
      if (r_.failure.empty()) r_.failure = std::string(what) + " from the token differs from the software TLS 1.2 PRF";
      r_.steps.push_back(std::string(what) + ": MISMATCH");
      return false;
    }
    r_.steps.push_back(std::string(what) + ": " + std::to_string(token.size()) + " bytes agree");
    return true;
  }

 private:
  SelfTestReport& r_;
};

// The master secret (or extended master secret) on the token, readable.
struct TokenMaster {
  p11::Object object;
  p11::SecureBytes value;
};

TokenMaster native_master(const core::TokenContext& token, const p11::Object& pms, const Inputs& in, bool extended,
                          CK_MECHANISM_TYPE ems_mechanism) {
  const auto& pool = token.pool();
  core::Random client = in.client, server = in.server;
  std::array<std::uint8_t, 32> hash = in.session_hash;
  CK_TLS12_MASTER_KEY_DERIVE_PARAMS classic{
      {client.data(), client.size(), server.data(), server.size()}, nullptr, CKM_SHA256};
  CK_TLS12_EXTENDED_MASTER_KEY_DERIVE_PARAMS ems{CKM_SHA256, hash.data(), hash.size(), nullptr};
  CK_MECHANISM mech = extended ? CK_MECHANISM{ems_mechanism, &ems, sizeof ems}
                               : CK_MECHANISM{CKM_TLS12_MASTER_KEY_DERIVE_DH, &classic, sizeof classic};
  auto tmpl = object_templates::selftest_secret({}, kMasterBytes);
  return pool->run([&](p11::Lease& lease) {
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    lease.api().C_DeriveKey(lease.handle(), mech, pms.handle(), tmpl.span(), &h);
    TokenMaster m{p11::Object(pool, lease, h), {}};
    auto value = read_value(lease, h);
    if (!value) {
      throw OperationError("the token made the self-test's throwaway master secret sensitive; cannot compare it");
    }
    m.value = std::move(*value);
    return m;
  });
}

TokenMaster composed_master(const core::TokenContext& token, const p11::Object& pms, const Inputs& in, bool extended) {
  const auto& pool = token.pool();
  const Bytes seed = extended ? Bytes(in.session_hash.begin(), in.session_hash.end()) : in.client_server();
  return pool->run([&](p11::Lease& lease) {
    p11::SecureBytes value(kMasterBytes);
    core::composed_prf(lease, CKM_SHA256_HMAC, 32, pms.handle(), extended ? "extended master secret" : "master secret",
                       seed, value.span());
    auto tmpl = object_templates::selftest_secret(value.span());
    const CK_OBJECT_HANDLE h = lease.api().C_CreateObject(lease.handle(), tmpl.span());
    return TokenMaster{p11::Object(pool, lease, h), std::move(value)};
  });
}

}  // namespace

SelfTestReport run_self_test(const core::TokenContext& token) {
  SelfTestReport report;
  report.path = token.path();
  const core::CipherSuite* suite = pick_suite(token);
  if (suite == nullptr) {
    report.skipped = true;
    report.passed = true;
    report.steps.push_back("skipped: no offered suite uses the SHA-256 PRF, the one this self-test recomputes");
    return report;
  }
  report.suite = std::string(suite->name);
  const bool native = token.path() == p11::Tier::native;
  report.steps.push_back(std::string("path exercised: ") +
                         (native ? "native (CKM_TLS12_MASTER_KEY_DERIVE_DH, CKM_TLS12_KEY_AND_MAC_DERIVE)"
                                 : "composed (TLS PRF from C_Sign with CKM_SHA256_HMAC on token keys)"));
  Check check(report);
  const Inputs in;
  const auto& pool = token.pool();

  // The throwaway pre-master, deliberately readable (see object_templates::selftest_secret).
  const p11::Object pms = pool->run([&](p11::Lease& lease) {
    auto tmpl = object_templates::selftest_secret(in.premaster.span());
    return p11::Object(pool, lease, lease.api().C_CreateObject(lease.handle(), tmpl.span()));
  });

  // 1. master secret
  p11::SecureBytes expected_master(kMasterBytes);
  selftest::tls12_prf_sha256(in.premaster.span(), "master secret", in.client_server(), expected_master.span());
  TokenMaster master = native ? native_master(token, pms, in, false, 0) : composed_master(token, pms, in, false);
  if (!check.compare("master secret", master.value.span(), expected_master.span())) return report;

  // 2. extended master secret (RFC 7627), when the token can make one
  const auto ems = token.capabilities().extended_master_mechanism(true);
  if (!native || ems) {
    p11::SecureBytes expected(kMasterBytes);
    selftest::tls12_prf_sha256(in.premaster.span(), "extended master secret", in.session_hash, expected.span());
    const TokenMaster extended =
        native ? native_master(token, pms, in, true, *ems) : composed_master(token, pms, in, true);
    const std::string how = native ? p11::mechanism_name(*ems) : std::string("composed");
    if (!check.compare("extended master secret (" + how + ")", extended.value.span(), expected.span())) {
      return report;
    }
  } else {
    report.steps.push_back("extended master secret: not checked (the token has no RFC 7627 mechanism)");
  }

  // 3. key block, through the provider's own key schedule
  const std::size_t mac = suite->mac_bytes(), key = suite->key_bytes, iv = suite->fixed_iv_bytes;
  p11::SecureBytes expected_block(2 * (mac + key + iv));
  selftest::tls12_prf_sha256(expected_master.span(), "key expansion", in.server_client(), expected_block.span());
  const auto part = [&](std::size_t offset, std::size_t n) { return expected_block.span().subspan(offset, n); };
  const std::size_t client_key_at = 2 * mac, server_key_at = 2 * mac + key, client_iv_at = 2 * (mac + key);

  const core::KeyBlock block = token.schedule().derive_key_block(pool, master.object, *suite, in.client, in.server);
  if (iv != 0) {
    if (!check.compare("client write IV", block.client_iv.span(), part(client_iv_at, iv))) return report;
    if (!check.compare("server write IV", block.server_iv.span(), part(client_iv_at + iv, iv))) return report;
  }
  std::size_t sensitive = 0;
  const struct {
    const char* name;
    const p11::Object& object;
    std::size_t offset, length;
  } keys[] = {{"client MAC key", block.client_mac, 0, mac},
              {"server MAC key", block.server_mac, mac, mac},
              {"client write key", block.client_key, client_key_at, key},
              {"server write key", block.server_key, server_key_at, key}};
  for (const auto& k : keys) {
    if (k.object.empty()) continue;
    const auto value = pool->run([&](p11::Lease& lease) { return read_value(lease, k.object.handle()); });
    if (!value) {
      ++sensitive;
      continue;
    }
    if (!check.compare(k.name, value->span(), part(k.offset, k.length))) return report;
  }
  if (sensitive != 0) {
    report.steps.push_back(std::to_string(sensitive) + " key-block keys stay sensitive on this token" +
                           (native ? "" : "; compared through the composed PRF below"));
  }
  if (!native) {
    p11::SecureBytes composed_block(expected_block.size());
    pool->run([&](p11::Lease& lease) {
      core::composed_prf(lease, CKM_SHA256_HMAC, 32, master.object.handle(), "key expansion", in.server_client(),
                         composed_block.span());
      return 0;
    });
    if (!check.compare("key block (composed PRF)", composed_block.span(), expected_block.span())) return report;
  }
  report.passed = true;
  return report;
}

}  // namespace sslp11::cli
