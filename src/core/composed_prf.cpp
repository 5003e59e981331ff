#include "core/composed_prf.h"

#include <algorithm>

#include "pkcs11/secure_buffer.h"

namespace sslp11::core {

namespace {
constexpr std::size_t kMaxHash = 64;
}

void composed_prf(const p11::Lease& lease, CK_MECHANISM_TYPE hmac, std::size_t hash_len, CK_OBJECT_HANDLE secret,
                  std::string_view label, std::span<const std::uint8_t> seed, std::span<std::uint8_t> out) {
  const p11::Api& api = lease.api();
  const CK_SESSION_HANDLE s = lease.handle();
  CK_MECHANISM mech{hmac, nullptr, 0};

  // label_seed = label || seed; buffer = A(i) || label_seed so that one
  // contiguous span feeds HMAC(secret, A(i) || label_seed).
  p11::SecureBytes buffer(kMaxHash + label.size() + seed.size());
  std::uint8_t* a = buffer.data();
  std::uint8_t* label_seed = a + hash_len;
  std::copy(label.begin(), label.end(), label_seed);
  std::copy(seed.begin(), seed.end(), label_seed + label.size());
  const std::size_t label_seed_len = label.size() + seed.size();

  p11::SecretArray<kMaxHash> block;
  // A(1) = HMAC(secret, label_seed)
  api.C_SignInit(s, mech, secret);
  api.C_Sign(s, {label_seed, label_seed_len}, {a, hash_len});

  std::size_t done = 0;
  while (done < out.size()) {
    api.C_SignInit(s, mech, secret);
    api.C_Sign(s, {a, hash_len + label_seed_len}, block.first(hash_len));
    const std::size_t n = std::min(hash_len, out.size() - done);
    std::copy_n(block.data(), n, out.begin() + static_cast<std::ptrdiff_t>(done));
    done += n;
    if (done < out.size()) {
      // A(i+1) = HMAC(secret, A(i)); not needed after the last block.
      api.C_SignInit(s, mech, secret);
      api.C_Sign(s, {a, hash_len}, block.first(hash_len));
      std::copy_n(block.data(), hash_len, a);
    }
  }
}

}  // namespace sslp11::core
