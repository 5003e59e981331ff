// The composed key schedule: TLS 1.2 PRF = P_hash over the token's HMAC.
#include "core/composed_schedule.h"

#include "core/composed_prf.h"
#include "core/error.h"
#include "core/prf_labels.h"
#include "core/templates.h"

namespace sslp11::core {

void ComposedKeySchedule::check_hmac_key(HashAlg prf, std::size_t key_bytes) const {
  if (auto why = caps_.hmac_key_too_short(hmac_mechanism(prf), key_bytes)) {
    throw Error(Fault::not_supported, *why + " but this pre-master has " + std::to_string(key_bytes) +
                                          " (use a larger (EC)DH group, e.g. P-384, or a SHA-256 suite)");
  }
}

MasterResult ComposedKeySchedule::derive_master(const std::shared_ptr<p11::SessionPool>& pool,
                                                const p11::Object& pms, const CipherSuite& suite,
                                                const MasterInput& in) const {
  check_hmac_key(suite.prf, in.premaster_bytes);
  std::vector<std::uint8_t> seed;
  std::string_view label;
  if (in.session_hash) {
    label = prf_labels::kExtendedMasterSecret;
    seed = *in.session_hash;
  } else {
    label = prf_labels::kMasterSecret;
    seed.insert(seed.end(), in.client_random.begin(), in.client_random.end());
    seed.insert(seed.end(), in.server_random.begin(), in.server_random.end());
  }
  return pool->run([&](p11::Lease& lease) {
    p11::SecureBytes master(48);
    composed_prf(lease, hmac_mechanism(suite.prf), hash_bytes(suite.prf), pms.handle(), label, seed, master.span());
    auto tmpl = templates::master(master.span(), in.wrappable);
    master.clear();
    const CK_OBJECT_HANDLE h = lease.api().C_CreateObject(lease.handle(), tmpl.span());
    // The composed path cannot read the version inside a sensitive pre-master.
    return MasterResult{p11::Object(pool, lease, h), std::nullopt};
  });
}

KeyBlock ComposedKeySchedule::derive_key_block(const std::shared_ptr<p11::SessionPool>& pool,
                                               const p11::Object& master, const CipherSuite& suite,
                                               const Random& client_random, const Random& server_random) const {
  const std::size_t mac = suite.mac_bytes();
  const std::size_t key = suite.key_bytes;
  const std::size_t iv = suite.fixed_iv_bytes;
  std::vector<std::uint8_t> seed(server_random.begin(), server_random.end());
  seed.insert(seed.end(), client_random.begin(), client_random.end());

  return pool->run([&](p11::Lease& lease) {
    p11::SecureBytes bytes(2 * (mac + key + iv));
    composed_prf(lease, hmac_mechanism(suite.prf), hash_bytes(suite.prf), master.handle(), prf_labels::kKeyExpansion, seed,
                 bytes.span());
    // RFC 5246 §6.3 order: client MAC, server MAC, client key, server key, client IV, server IV.
    std::span<const std::uint8_t> rest = bytes.span();
    auto take = [&rest](std::size_t n) {
      auto part = rest.first(n);
      rest = rest.subspan(n);
      return part;
    };
    const auto client_mac = take(mac), server_mac = take(mac);
    const auto client_key = take(key), server_key = take(key);
    const auto client_iv = take(iv), server_iv = take(iv);

    KeyBlock block;
    auto create = [&](p11::AttributeTemplate tmpl) {
      return p11::Object(pool, lease, lease.api().C_CreateObject(lease.handle(), tmpl.span()));
    };
    if (mac != 0) {
      block.client_mac = create(templates::mac_key(client_mac));
      block.server_mac = create(templates::mac_key(server_mac));
    }
    block.client_key = create(templates::write_key(suite, client_key));
    block.server_key = create(templates::write_key(suite, server_key));
    block.client_iv = p11::SecureBytes(client_iv);
    block.server_iv = p11::SecureBytes(server_iv);
    return block;  // `bytes` is wiped as it goes out of scope
  });
}

}  // namespace sslp11::core
