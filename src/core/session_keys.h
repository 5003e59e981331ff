// SslGenerateSessionKeys in the core: the key block on the token, split into
// a read and a write key by the role recorded in the master key.
#pragma once

#include <memory>

#include "core/key_schedule.h"
#include "core/keys.h"

namespace sslp11::core {

struct SessionKeyPair {
  std::shared_ptr<SessionKey> read;
  std::shared_ptr<SessionKey> write;
};

SessionKeyPair generate_session_keys(const MasterKey& master, const Random& client_random,
                                     const Random& server_random);

}  // namespace sslp11::core
