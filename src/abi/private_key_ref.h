// The private key an Ssl* call uses, looked up from its handle: on a pool, a
// key found on several members (core/pool_private_keys.h) gives the holder
// the call runs on, and the call is bound to that holder's member.
#pragma once

#include <memory>

#include "abi/handles.h"

namespace sslp11::abi {

// key_from<core::PrivateKey>, choosing among a pooled key's holders (those
// whose member is up, by load, in turn). NTE_BAD_KEY_STATE when every member
// holding it is down.
std::shared_ptr<core::PrivateKey> private_key_from(NCRYPT_KEY_HANDLE h, const ProviderRef& provider);

}  // namespace sslp11::abi
