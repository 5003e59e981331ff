// The native key schedule: the token's own TLS 1.2 mechanisms do every step.
#include "core/error.h"
#include "core/key_schedule.h"
#include "core/native_schedule.h"
#include "core/templates.h"

namespace sslp11::core {

NativeKeySchedule::NativeKeySchedule(const p11::Capabilities& caps)
    : ems_dh_(caps.extended_master_mechanism(true)), ems_rsa_(caps.extended_master_mechanism(false)) {}

MasterResult NativeKeySchedule::derive_master(const std::shared_ptr<p11::SessionPool>& pool, const p11::Object& pms,
                                              const CipherSuite& suite, const MasterInput& in) const {
  auto tmpl = templates::master({}, in.wrappable);
  // wolfPKCS11 wants the version pre-filled; every token overwrites it on output.
  CK_VERSION version{3, 3};
  CK_VERSION* version_out = in.rsa_premaster ? &version : nullptr;
  Random client = in.client_random;
  Random server = in.server_random;
  std::vector<std::uint8_t> session_hash = in.session_hash.value_or(std::vector<std::uint8_t>{});

  CK_TLS12_MASTER_KEY_DERIVE_PARAMS classic{
      {client.data(), client.size(), server.data(), server.size()}, version_out, hash_mechanism(suite.prf)};
  CK_TLS12_EXTENDED_MASTER_KEY_DERIVE_PARAMS extended{hash_mechanism(suite.prf), session_hash.data(),
                                                      session_hash.size(), version_out};
  CK_MECHANISM mech{};
  if (in.session_hash) {
    const auto& ems = in.rsa_premaster ? ems_rsa_ : ems_dh_;
    if (!ems) {
      throw Error(Fault::not_supported,
                  "the token has no extended-master-secret mechanism (RFC 7627), so sslp11 cannot derive "
                  "an extended master secret on it");
    }
    mech = {*ems, &extended, sizeof extended};
  } else {
    mech = {in.rsa_premaster ? CKM_TLS12_MASTER_KEY_DERIVE : CKM_TLS12_MASTER_KEY_DERIVE_DH, &classic, sizeof classic};
  }
  return pool->run([&](p11::Lease& lease) {
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    lease.api().C_DeriveKey(lease.handle(), mech, pms.handle(), tmpl.span(), &h);
    MasterResult result{p11::Object(pool, lease, h), std::nullopt};
    if (in.rsa_premaster) result.premaster_version = version;
    return result;
  });
}

KeyBlock NativeKeySchedule::derive_key_block(const std::shared_ptr<p11::SessionPool>& pool,
                                             const p11::Object& master, const CipherSuite& suite,
                                             const Random& client_random, const Random& server_random) const {
  KeyBlock block;
  block.client_iv = p11::SecureBytes(suite.fixed_iv_bytes);
  block.server_iv = p11::SecureBytes(suite.fixed_iv_bytes);
  Random client = client_random;
  Random server = server_random;
  auto tmpl = templates::derived_write_key(suite);

  return pool->run([&](p11::Lease& lease) {
    CK_SSL3_KEY_MAT_OUT out{CK_INVALID_HANDLE, CK_INVALID_HANDLE, CK_INVALID_HANDLE, CK_INVALID_HANDLE,
                            suite.fixed_iv_bytes ? block.client_iv.data() : nullptr,
                            suite.fixed_iv_bytes ? block.server_iv.data() : nullptr};
    CK_TLS12_KEY_MAT_PARAMS params{suite.mac_bytes() * 8ul,
                                   suite.key_bytes * 8ul,
                                   suite.fixed_iv_bytes * 8ul,
                                   CK_FALSE,
                                   {client.data(), client.size(), server.data(), server.size()},
                                   &out,
                                   hash_mechanism(suite.prf)};
    CK_MECHANISM mech{CKM_TLS12_KEY_AND_MAC_DERIVE, &params, sizeof params};
    lease.api().C_DeriveKey(lease.handle(), mech, master.handle(), tmpl.span(), nullptr);
    // Own every handle at once so nothing leaks on the token if we fail below.
    p11::Object client_mac(pool, lease, out.hClientMacSecret);
    p11::Object server_mac(pool, lease, out.hServerMacSecret);
    block.client_key = p11::Object(pool, lease, out.hClientKey);
    block.server_key = p11::Object(pool, lease, out.hServerKey);
    if (block.client_key.empty() || block.server_key.empty()) {
      throw Error(Fault::internal,
                  "CKM_TLS12_KEY_AND_MAC_DERIVE returned no write keys (the token ignored the key length)");
    }
    if (suite.aead()) {
      // NSS creates empty MAC-key objects even for AEAD suites; destroy them now.
      client_mac.reset(lease);
      server_mac.reset(lease);
    } else {
      block.client_mac = std::move(client_mac);
      block.server_mac = std::move(server_mac);
    }
    return std::move(block);
  });
}

}  // namespace sslp11::core
