// The TLS 1.2 PRF and key schedule by OpenSSL (EVP_KDF "TLS1-PRF"):
// RFC 5246 §5, §6.3, §8.1 and RFC 7627.
#pragma once

#include <optional>
#include <string_view>

#include "support/oracle/bytes.h"
#include "support/suite_facts.h"

namespace sslp11::oracle {

// P_hash(secret, label || seed), `length` bytes. An empty secret (RFC 5216's
// IV) is allowed.
Bytes tls12_prf(Hash h, ByteView secret, std::string_view label, ByteView seed, std::size_t length);

// PRF(pms, "master secret", client_random || server_random), or with a session
// hash PRF(pms, "extended master secret", session_hash). 48 bytes.
Bytes master_secret(const SuiteFacts& suite, ByteView pms, ByteView client_random, ByteView server_random,
                    const std::optional<Bytes>& session_hash = std::nullopt);

struct DirectionKeys {
  Bytes mac, key, iv;
};
struct ExpectedKeys {
  DirectionKeys client, server;
};
// key_block = PRF(master, "key expansion", server_random || client_random),
// split client MAC, server MAC, client key, server key, client IV, server IV.
ExpectedKeys expected_keys(const SuiteFacts& suite, ByteView master, ByteView client_random, ByteView server_random);

}  // namespace sslp11::oracle
