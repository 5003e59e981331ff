#include "core/key_schedule_self_test.h"

#include <algorithm>
#include <optional>

#include "core/composed_prf.h"
#include "core/error.h"
#include "core/key_schedule.h"
#include "core/self_test_vectors.h"
#include "pkcs11/attributes.h"
#include "pkcs11/object.h"
#include "pkcs11/tls_params.h"

namespace sslp11::core {

namespace {

namespace v = self_test_vectors;
using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kMasterBytes = 48;

// Sized once and copied into (not insert()): GCC 12's -Warray-bounds misreads
// the inlined insert() in release builds.
Bytes concat(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  Bytes out(a.size() + b.size());
  std::copy(a.begin(), a.end(), out.begin());
  std::copy(b.begin(), b.end(), out.begin() + static_cast<std::ptrdiff_t>(a.size()));
  return out;
}

// The self-test's own secrets: session objects the host may read back. The
// one exception to templates.h's rule (every secret sensitive and not
// extractable), which is why it is not there: nothing but this test makes
// them, and they hold the public test vectors only.
p11::AttributeTemplate readable_test_secret(std::span<const std::uint8_t> value, std::size_t length = 0) {
  p11::AttributeTemplate t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
      .add_bool(CKA_TOKEN, false)
      .add_bool(CKA_SENSITIVE, false)
      .add_bool(CKA_EXTRACTABLE, true)
      .add_bool(CKA_DERIVE, true)
      .add_bool(CKA_SIGN, true);
  if (!value.empty()) {
    t.add_bytes(CKA_VALUE, value);
  } else {
    t.add_ulong(CKA_VALUE_LEN, length);
  }
  return t;
}

const CipherSuite* pick_suite(const TokenContext& token) {
  const CipherSuite* fallback = nullptr;
  for (const CipherSuite* s : token.suites()) {
    if (s->prf != HashAlg::sha256) continue;
    if (s->fixed_iv_bytes != 0) return s;  // its IVs come back to the host: comparable on every token
    if (fallback == nullptr) fallback = s;
  }
  return fallback;
}

// CKA_VALUE of a test object, into a wiped buffer; nullopt when the token keeps it sensitive.
std::optional<p11::SecureBytes> read_value(const p11::Lease& lease, CK_OBJECT_HANDLE o) {
  return p11::read_secret_bytes(lease.api(), lease.handle(), o, CKA_VALUE);
}

class Check {
 public:
  explicit Check(SelfTestReport& r) : r_(r) {}
  // Records a comparison; false (and the report's failure) when it differs.
  bool compare(std::string_view what, std::span<const std::uint8_t> token, std::span<const std::uint8_t> expected) {
    if (!std::equal(token.begin(), token.end(), expected.begin(), expected.end())) {
      if (r_.failure.empty()) r_.failure = std::string(what) + " from the token differs from the TLS 1.2 PRF's known answer";
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

TokenMaster native_master(const TokenContext& token, const p11::Object& pms, bool extended,
                          CK_MECHANISM_TYPE ems_mechanism) {
  const auto& pool = token.pool();
  Random client = v::kClientRandom, server = v::kServerRandom;
  std::array<std::uint8_t, 32> hash = v::kSessionHash;
  CK_TLS12_MASTER_KEY_DERIVE_PARAMS classic{
      {client.data(), client.size(), server.data(), server.size()}, nullptr, CKM_SHA256};
  CK_TLS12_EXTENDED_MASTER_KEY_DERIVE_PARAMS ems{CKM_SHA256, hash.data(), hash.size(), nullptr};
  CK_MECHANISM mech = extended ? CK_MECHANISM{ems_mechanism, &ems, sizeof ems}
                               : CK_MECHANISM{CKM_TLS12_MASTER_KEY_DERIVE_DH, &classic, sizeof classic};
  auto tmpl = readable_test_secret({}, kMasterBytes);
  return pool->run([&](p11::Lease& lease) {
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    lease.api().C_DeriveKey(lease.handle(), mech, pms.handle(), tmpl.span(), &h);
    TokenMaster m{p11::Object(pool, lease, h), {}};
    auto value = read_value(lease, h);
    if (!value) {
      throw Error(Fault::operation_failed,
                  "the token made the self-test's throwaway master secret sensitive; cannot compare it");
    }
    m.value = std::move(*value);
    return m;
  });
}

TokenMaster composed_master(const TokenContext& token, const p11::Object& pms, bool extended) {
  const auto& pool = token.pool();
  const Bytes seed = extended ? Bytes(v::kSessionHash.begin(), v::kSessionHash.end())
                              : concat(v::kClientRandom, v::kServerRandom);
  return pool->run([&](p11::Lease& lease) {
    p11::SecureBytes value(kMasterBytes);
    composed_prf(lease, CKM_SHA256_HMAC, 32, pms.handle(), extended ? "extended master secret" : "master secret", seed,
                 value.span());
    auto tmpl = readable_test_secret(value.span());
    const CK_OBJECT_HANDLE h = lease.api().C_CreateObject(lease.handle(), tmpl.span());
    return TokenMaster{p11::Object(pool, lease, h), std::move(value)};
  });
}

}  // namespace

SelfTestReport run_key_schedule_self_test(const TokenContext& token) {
  SelfTestReport report;
  report.path = token.path();
  const CipherSuite* suite = pick_suite(token);
  if (suite == nullptr) {
    report.skipped = true;
    report.passed = true;
    report.steps.push_back("skipped: no offered suite uses the SHA-256 PRF, the one this self-test checks");
    return report;
  }
  report.suite = suite;
  const bool native = token.path() == p11::DerivationPath::native;
  report.steps.push_back(std::string("path exercised: ") +
                         (native ? "native (CKM_TLS12_MASTER_KEY_DERIVE_DH, CKM_TLS12_KEY_AND_MAC_DERIVE)"
                                 : "composed (TLS PRF from C_Sign with CKM_SHA256_HMAC on token keys)"));
  Check check(report);
  const auto& pool = token.pool();

  // The test pre-master, deliberately readable (see readable_test_secret).
  const p11::Object pms = pool->run([&](p11::Lease& lease) {
    auto tmpl = readable_test_secret(v::kPremaster);
    return p11::Object(pool, lease, lease.api().C_CreateObject(lease.handle(), tmpl.span()));
  });

  // 1. master secret
  TokenMaster master = native ? native_master(token, pms, false, 0) : composed_master(token, pms, false);
  if (!check.compare("master secret", master.value.span(), v::kMasterSecret)) return report;

  // 2. extended master secret (RFC 7627), when the token can make one
  const auto ems = token.capabilities().extended_master_mechanism(true);
  if (!native || ems) {
    const TokenMaster extended = native ? native_master(token, pms, true, *ems) : composed_master(token, pms, true);
    const std::string how = native ? p11::mechanism_name(*ems) : std::string("composed");
    if (!check.compare("extended master secret (" + how + ")", extended.value.span(), v::kExtendedMasterSecret)) {
      return report;
    }
  } else {
    report.steps.push_back("extended master secret: not checked (the token has no RFC 7627 mechanism)");
  }

  // 3. key block, through the provider's own key schedule
  const std::size_t mac = suite->mac_bytes(), key = suite->key_bytes, iv = suite->fixed_iv_bytes;
  const std::size_t block_bytes = 2 * (mac + key + iv);
  if (block_bytes > v::kKeyBlock.size()) {
    throw Error(Fault::internal, "the self-test's key block vector is shorter than " + std::string(suite->name) + "'s");
  }
  const std::span<const std::uint8_t> expected_block = std::span(v::kKeyBlock).first(block_bytes);
  const auto part = [&](std::size_t offset, std::size_t n) { return expected_block.subspan(offset, n); };
  const std::size_t client_key_at = 2 * mac, server_key_at = 2 * mac + key, client_iv_at = 2 * (mac + key);

  const KeyBlock block =
      token.schedule().derive_key_block(pool, master.object, *suite, v::kClientRandom, v::kServerRandom);
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
    p11::SecureBytes composed_block(block_bytes);
    const Bytes seed = concat(v::kServerRandom, v::kClientRandom);
    pool->run([&](p11::Lease& lease) {
      composed_prf(lease, CKM_SHA256_HMAC, 32, master.object.handle(), "key expansion", seed, composed_block.span());
      return 0;
    });
    if (!check.compare("key block (composed PRF)", composed_block.span(), expected_block)) return report;
  }
  report.passed = true;
  return report;
}

}  // namespace sslp11::core
