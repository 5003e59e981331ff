// What both HKDF implementations share: the zeros secrets.
#include "core/tls13_hkdf.h"

#include <array>

#include "core/error.h"

namespace sslp11::core {

CK_OBJECT_HANDLE Tls13ZeroKeys::get(const p11::Lease& lease, std::size_t hash_bytes) {
  if (hash_bytes != 32 && hash_bytes != 48) {
    throw Error(Fault::internal, "no TLS 1.3 hash has " + std::to_string(hash_bytes) + " bytes");
  }
  std::lock_guard lock(mutex_);
  p11::Object& zeros = hash_bytes == 32 ? sha256_ : sha384_;
  if (!zeros.alive()) {
    static constexpr std::array<std::uint8_t, 48> kZeros{};
    auto t = tls13_templates::created(path_, tls13_templates::Use::chain, CKK_GENERIC_SECRET,
                                      std::span(kZeros).first(hash_bytes));
    zeros = p11::Object(pool_, lease, lease.api().C_CreateObject(lease.handle(), t.span()));
  }
  return zeros.handle();
}

}  // namespace sslp11::core
