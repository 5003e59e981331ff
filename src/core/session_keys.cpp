#include "core/session_keys.h"

namespace sslp11::core {

SessionKeyPair generate_session_keys(const Provider& provider, const MasterKey& master, const Random& client_random,
                                     const Random& server_random) {
  const auto& token = master.token();
  KeyBlock block =
      token->schedule().derive_key_block(token->pool(), master.secret, *master.suite, client_random, server_random);

  auto make = [&](bool write) {
    auto key = std::make_shared<SessionKey>(provider.provider_id(), token);
    key->protocol = master.protocol;
    key->suite = master.suite;
    key->write = write;
    key->path = token->path();
    key->owner = provider.identity();
    return key;
  };
  auto client = make(master.role == Role::client);
  auto server = make(master.role == Role::server);
  client->cipher_key = std::move(block.client_key);
  client->mac_key = std::move(block.client_mac);
  client->fixed_iv = std::move(block.client_iv);
  server->cipher_key = std::move(block.server_key);
  server->mac_key = std::move(block.server_mac);
  server->fixed_iv = std::move(block.server_iv);
  // A client writes with the client_write keys; a server with the server_write ones.
  if (master.role == Role::client) return {server, client};
  return {client, server};
}

}  // namespace sslp11::core
