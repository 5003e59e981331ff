// Live handles the token-backed fuzz targets pass along with their input: an
// ECDHE (P-256) handshake run once through the public Ssl* API on both sides,
// so that the client's write key and the server's read key match.
#pragma once

#include <sslp11/sslprovider.h>

#include <cstdint>
#include <vector>

namespace sslp11::fuzz {

struct FuzzSession {
  DWORD suite = 0;
  NCRYPT_KEY_HANDLE client_ephemeral = 0, server_ephemeral = 0;
  NCRYPT_KEY_HANDLE client_peer = 0;  // the server's public key, imported by the client
  NCRYPT_KEY_HANDLE server_peer = 0;  // the client's public key, imported by the server
  NCRYPT_KEY_HANDLE client_master = 0, server_master = 0;
  NCRYPT_KEY_HANDLE client_read = 0, client_write = 0, server_read = 0, server_write = 0;
  std::vector<std::uint8_t> client_public_blob;  // BCRYPT_ECCPUBLIC_BLOB
  std::vector<std::uint8_t> client_random, server_random;
};

// Made once per suite on the fuzz provider (fuzz_provider()); lives until exit.
const FuzzSession& fuzz_session(DWORD suite);

}  // namespace sslp11::fuzz
