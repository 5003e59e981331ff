#include "core/session_keys.h"

namespace sslp11::core {

SessionKeyPair generate_session_keys(const MasterKey& master, const Random& client_random,
                                     const Random& server_random) {
  const auto& token = master.token();
  KeyBlock block =
      token->schedule().derive_key_block(token->pool(), master.secret, *master.suite, client_random, server_random);

  auto make = [&](bool write, p11::Object& cipher_key, p11::Object& mac_key, p11::SecureBytes& fixed_iv) {
    return std::make_shared<SessionKey>(token, master.protocol, *master.suite, write, token->path(),
                                        std::move(cipher_key), std::move(mac_key), std::move(fixed_iv));
  };
  // A client writes with the client_write keys; a server with the server_write ones.
  auto client = make(master.role == Role::client, block.client_key, block.client_mac, block.client_iv);
  auto server = make(master.role == Role::server, block.server_key, block.server_mac, block.server_iv);
  if (master.role == Role::client) return {server, client};
  return {client, server};
}

}  // namespace sslp11::core
