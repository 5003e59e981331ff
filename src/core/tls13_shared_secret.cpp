#include "core/tls13_shared_secret.h"

#include <string>
#include <vector>

#include "core/error.h"
#include "core/tls13_templates.h"
#include "pkcs11/error.h"

namespace sslp11::core {

p11::Object ecdhe_shared_secret(const std::shared_ptr<p11::SessionPool>& pool, p11::DerivationPath path,
                                const p11::Object& own_private, std::span<const std::uint8_t> peer_point,
                                std::size_t z_bytes) {
  std::vector<std::uint8_t> point(peer_point.begin(), peer_point.end());  // the token takes a non-const pointer
  auto t = tls13_templates::derived(path, tls13_templates::Use::ikm, CKK_GENERIC_SECRET, z_bytes);
  return pool->run([&](p11::Lease& lease) {
    CK_ECDH1_DERIVE_PARAMS ecdh{CKD_NULL, 0, nullptr, point.size(), point.data()};
    CK_MECHANISM mech{CKM_ECDH1_DERIVE, &ecdh, sizeof ecdh};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    try {
      lease.api().C_DeriveKey(lease.handle(), mech, own_private.handle(), t.span(), &h);
    } catch (const p11::Error& e) {
      // As for TLS 1.2 (core/key_exchange.cpp): the token's refusal of a point
      // is the peer's bad data, whatever code the token chose for it.
      if (p11::is_session_lost(e.rv()) || e.rv() == CKR_HOST_MEMORY || e.rv() == CKR_DEVICE_MEMORY) throw;
      throw Error(Fault::bad_data,
                  "the token refused the peer's key share (" + std::string(p11::rv_name(e.rv())) + ")");
    }
    return p11::Object(pool, lease, h);
  });
}

}  // namespace sslp11::core
