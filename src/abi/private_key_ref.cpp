#include "abi/private_key_ref.h"

#include "core/pool_private_keys.h"

namespace sslp11::abi {

std::shared_ptr<core::PrivateKey> private_key_from(NCRYPT_KEY_HANDLE h, const ProviderRef& provider) {
  const core::PooledPrivateKey* pooled = nullptr;
  if (!provider->pool()->single_member()) {
    pooled = core::PooledPrivateKey::of(*key_from<core::PrivateKey>(h, *provider.owner()));
  }
  if (pooled == nullptr) return key_from<core::PrivateKey>(h, provider);
  auto holder = pooled->pick();
  if (!holder) fail(NTE_BAD_KEY_STATE, "every pool member holding the private key is down; open it again later");
  provider.bind(*holder);
  return holder;
}

}  // namespace sslp11::abi
