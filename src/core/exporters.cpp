#include "core/exporters.h"

#include <algorithm>
#include <array>
#include <vector>

#include "core/composed_prf.h"
#include "core/error.h"
#include "core/prf_labels.h"
#include "core/token_context.h"
#include "core/templates.h"
#include "pkcs11/secure_buffer.h"

namespace sslp11::core {

namespace {

constexpr std::size_t kMasterBytes = 48;
constexpr std::size_t kRandomsBytes = 64;

// How each EAP selector is formed: PRF(master, label, seed) for
// `master_bytes`, then -- EAP-TLS only -- `public_iv_bytes` of the RFC 5216
// IV, which is the PRF with an *empty* secret.
struct EapRecipe {
  EapKeyBlock kind;
  std::string_view label;
  std::size_t master_bytes;
  std::size_t public_iv_bytes;
  // EAP-FAST: seed = server_random || client_random and the output is the 40
  // bytes of the key block that follow the suite's own key material.
  bool after_key_block;
};

// Lengths: EAP-TLS is SecPkgContext_EapKeyBlock (rgbKeys[128] = MSK || EMSK,
// rgbIVs[64]); TTLS keying material is MSK || EMSK (RFC 5281 §8); the TTLS
// challenge is 17 bytes, what CHAP and MS-CHAP-V2 take (16-byte challenge +
// identifier; MS-CHAP takes the first 9, and a PRF output's prefix is the
// shorter output); EAP-FAST's session_key_seed is 40 bytes (RFC 4851 §5.1).
constexpr std::array<EapRecipe, 4> kEapRecipes{{
    {EapKeyBlock::eap_tls, "client EAP encryption", 128, 64, false},
    {EapKeyBlock::ttls_keying, "ttls keying material", 128, 0, false},
    {EapKeyBlock::ttls_challenge, "ttls challenge", 17, 0, false},
    {EapKeyBlock::eap_fast, prf_labels::kKeyExpansion, 40, 0, true},
}};

const EapRecipe& recipe(EapKeyBlock kind) {
  for (const auto& r : kEapRecipes)
    if (r.kind == kind) return r;
  throw Error(Fault::internal, "no recipe for that EAP key block");
}

std::size_t hash_block_bytes(HashAlg h) { return h == HashAlg::sha384 ? 128 : 64; }

void require_hmac(const p11::Capabilities& caps, CK_MECHANISM_TYPE hmac, std::size_t key_bytes) {
  const auto info = caps.info(hmac);
  if (!info || (info->flags & CKF_SIGN) == 0) {
    throw Error(Fault::not_supported, "the token lacks " + p11::mechanism_name(hmac) +
                                          ", which sslp11 needs to compute a TLS PRF output for the caller");
  }
  if (auto why = caps.hmac_key_too_short(hmac, key_bytes)) {
    throw Error(Fault::not_supported, *why + ", more than the " + std::to_string(key_bytes) + " it would be keyed with");
  }
}

// The TLS PRF with an empty secret (RFC 5216's IV). HMAC (RFC 2104 §2)
// zero-pads a key shorter than the hash block, so the empty key and an
// all-zero key of up to one block are the same HMAC key. Tokens refuse empty
// HMAC keys (SoftHSMv2 wants at least the hash length), so the PRF runs keyed
// by a throwaway object of zeros. Nothing secret is involved: the result
// depends only on the label and the public randoms.
void empty_secret_prf(const p11::Lease& lease, const std::shared_ptr<p11::SessionPool>& pool,
                      const p11::Capabilities& caps, HashAlg prf, std::string_view label,
                      std::span<const std::uint8_t> seed, std::span<std::uint8_t> out) {
  const CK_MECHANISM_TYPE hmac = hmac_mechanism(prf);
  const std::size_t key_bytes = std::max<std::size_t>(hash_bytes(prf), caps.min_hmac_key_bytes(hmac));
  if (key_bytes > hash_block_bytes(prf)) {
    throw Error(Fault::not_supported, "the token's " + p11::mechanism_name(hmac) +
                                          " minimum key length exceeds the hash block, so it cannot "
                                          "stand in for the empty key of the RFC 5216 IV");
  }
  require_hmac(caps, hmac, key_bytes);
  const std::vector<std::uint8_t> zeros(key_bytes, 0);
  auto tmpl = templates::mac_key(zeros);
  p11::Object key(pool, lease, lease.api().C_CreateObject(lease.handle(), tmpl.span()));
  composed_prf(lease, hmac, hash_bytes(prf), key.handle(), label, seed, out);
  key.reset(lease);
}

// The caller's buffer holds either the whole result or zeros.
template <class Fill>
void fill_or_wipe(std::span<std::uint8_t> out, Fill&& fill) {
  try {
    fill();
  } catch (...) {
    p11::wipe(out.data(), out.size());
    throw;
  }
}

// The length of the suite's own key block (RFC 5246 §6.3): two MAC keys, two
// write keys, two fixed IVs.
std::size_t key_block_bytes(const CipherSuite& suite) {
  return 2 * (suite.mac_bytes() + suite.key_bytes + suite.fixed_iv_bytes);
}

}  // namespace

void master_prf(const p11::Lease& lease, const MasterKey& master, std::string_view label,
                std::span<const std::uint8_t> seed, std::span<std::uint8_t> out) {
  const HashAlg prf = master.suite->prf;
  const CK_MECHANISM_TYPE hmac = hmac_mechanism(prf);
  require_hmac(master.token()->capabilities(), hmac, kMasterBytes);
  composed_prf(lease, hmac, hash_bytes(prf), master.secret.handle(), label, seed, out);
}

void check_exporter_input(std::string_view label, std::span<const std::uint8_t> seed) {
  if (label.empty()) throw Error(Fault::invalid_parameter, "the exporter label is empty");
  for (const char c : label) {
    if (c < 0x20 || c > 0x7e) {
      throw Error(Fault::invalid_parameter, "the exporter label has a byte outside printable ASCII");
    }
  }
  // Compare against the PRF input as the PRF sees it, without building it:
  // byte i of label || seed.
  const auto input_at = [&](std::size_t i) -> char {
    return i < label.size() ? label[i] : static_cast<char>(seed[i - label.size()]);
  };
  const std::size_t input_bytes = label.size() + seed.size();
  for (const std::string_view reserved : prf_labels::kReserved) {
    if (input_bytes < reserved.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < reserved.size() && same; ++i) same = input_at(i) == reserved[i];
    if (same) {
      throw Error(Fault::invalid_parameter,
                  "the exporter's PRF input (label || randoms || context) begins with a label of the TLS "
                  "key schedule itself (RFC 5705 §4)");
    }
  }
}

void export_keying_material(const MasterKey& master, std::string_view label, std::span<const std::uint8_t> randoms,
                            std::optional<std::span<const std::uint8_t>> context, std::span<std::uint8_t> out) {
  if (randoms.size() != kRandomsBytes) throw Error(Fault::invalid_parameter, "randoms must be 64 bytes");
  std::vector<std::uint8_t> seed(randoms.begin(), randoms.end());
  if (context) {
    if (context->size() > 0xFFFF) throw Error(Fault::invalid_parameter, "the context exceeds 65535 bytes");
    seed.push_back(static_cast<std::uint8_t>(context->size() >> 8));
    seed.push_back(static_cast<std::uint8_t>(context->size()));
    seed.insert(seed.end(), context->begin(), context->end());
  }
  check_exporter_input(label, seed);
  fill_or_wipe(out, [&] {
    master.token()->pool()->run([&](p11::Lease& lease) { master_prf(lease, master, label, seed, out); });
  });
}

std::size_t eap_key_block_bytes(EapKeyBlock kind) {
  const EapRecipe& r = recipe(kind);
  return r.master_bytes + r.public_iv_bytes;
}

void compute_eap_key_block(const MasterKey& master, EapKeyBlock kind, std::span<const std::uint8_t> randoms,
                           std::span<std::uint8_t> out) {
  const EapRecipe& r = recipe(kind);
  if (randoms.size() != kRandomsBytes) throw Error(Fault::invalid_parameter, "randoms must be 64 bytes");
  if (out.size() != r.master_bytes + r.public_iv_bytes) {
    throw Error(Fault::internal, "wrong EAP key block length");
  }
  const auto& token = master.token();
  if (r.after_key_block && token->policy() == DerivationPolicy::native_only) {
    throw Error(Fault::not_supported,
                "EAP-FAST's session_key_seed is the tail of the TLS key block, which no token mechanism "
                "returns, so sslp11 would compose the whole block (record keys included) in host memory; "
                "the configuration says derivation = native-only");
  }
  fill_or_wipe(out, [&] {
    token->pool()->run([&](p11::Lease& lease) {
      if (r.after_key_block) {
        // RFC 4851 §5.1: session_key_seed = the 40 bytes of
        // PRF(master, "key expansion", server_random || client_random) that
        // follow the suite's key material. P_hash has no way to start at an
        // offset, so the record-key part of the block passes through a wiped
        // host buffer -- on a native-path token the only place it ever does.
        std::vector<std::uint8_t> seed(randoms.begin() + 32, randoms.end());
        seed.insert(seed.end(), randoms.begin(), randoms.begin() + 32);
        const std::size_t skip = key_block_bytes(*master.suite);
        p11::SecureBytes block(skip + r.master_bytes);
        master_prf(lease, master, r.label, seed, block.span());
        std::copy_n(block.data() + skip, r.master_bytes, out.begin());
        return;
      }
      master_prf(lease, master, r.label, randoms, out.first(r.master_bytes));
      if (r.public_iv_bytes != 0) {
        empty_secret_prf(lease, token->pool(), token->capabilities(), master.suite->prf, r.label, randoms,
                         out.subspan(r.master_bytes));
      }
    });
  });
}

}  // namespace sslp11::core
