#include "core/finished.h"

#include "core/error.h"
#include "core/exporters.h"
#include "core/prf_labels.h"
#include "pkcs11/tls_params.h"

namespace sslp11::core {

namespace {

// Native: CKM_TLS_MAC (§3.6 of the PKCS#11 reference), a Sign mechanism keyed
// by the master that takes the handshake hash and returns verify_data; the
// PRF output never exists outside the token's answer.
void native_finished(const p11::Lease& lease, CK_MECHANISM_TYPE tls_mac, const MasterKey& master, Role sender,
                     std::span<const std::uint8_t> handshake_hash, std::span<std::uint8_t> verify_data) {
  CK_TLS_MAC_PARAMS params{hash_mechanism(master.suite->prf), verify_data.size(),
                           sender == Role::server ? SSLP11_TLS_MAC_SERVER : SSLP11_TLS_MAC_CLIENT};
  CK_MECHANISM mech{tls_mac, &params, sizeof params};
  lease.api().C_SignInit(lease.handle(), mech, master.secret.handle());
  const std::size_t n = lease.api().C_Sign(lease.handle(), handshake_hash, verify_data);
  if (n != verify_data.size()) {
    throw Error(Fault::internal, p11::mechanism_name(tls_mac) + " returned " + std::to_string(n) +
                                     " bytes of verify_data instead of " +
                                     std::to_string(verify_data.size()));
  }
}

}  // namespace

void compute_finished(const MasterKey& master, const HandshakeHash& transcript, Role sender,
                      std::span<std::uint8_t> verify_data) {
  if (transcript.hash() != master.suite->prf) {
    throw Error(Fault::invalid_parameter, "the handshake hash does not use the master key's PRF hash");
  }
  // The path is chosen by what the token can do, not by MasterKey::path: the
  // PRF is the same function either way, so a master made by the composed
  // schedule on a token that has CKM_TLS_MAC still gets the native Finished.
  const auto tls_mac = master.token()->capabilities().tls_mac_mechanism();
  master.token()->pool()->run([&](p11::Lease& lease) {
    const std::vector<std::uint8_t> handshake_hash = transcript.digest(lease);
    if (tls_mac) {
      native_finished(lease, *tls_mac, master, sender, handshake_hash, verify_data);
    } else {
      master_prf(lease, master, sender == Role::server ? prf_labels::kServerFinished : prf_labels::kClientFinished, handshake_hash,
                 verify_data);
    }
  });
}

}  // namespace sslp11::core
