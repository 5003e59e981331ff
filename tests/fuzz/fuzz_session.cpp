#include "fuzz_session.h"

#include <map>
#include <memory>

#include "fuzz_token.h"

namespace sslp11::fuzz {

namespace {

std::vector<std::uint8_t> export_public(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key) {
  DWORD size = 0;
  require_ok(SslExportKey(p, key, BCRYPT_ECCPUBLIC_BLOB, nullptr, 0, &size, 0), "SslExportKey (size)");
  std::vector<std::uint8_t> blob(size);
  require_ok(SslExportKey(p, key, BCRYPT_ECCPUBLIC_BLOB, blob.data(), size, &size, 0), "SslExportKey");
  return blob;
}

std::unique_ptr<FuzzSession> make(DWORD suite) {
  const NCRYPT_PROV_HANDLE p = fuzz_provider();
  auto s = std::make_unique<FuzzSession>();
  s->suite = suite;
  s->client_random.assign(32, 0xC1);
  s->server_random.assign(32, 0x5E);
  require_ok(SslCreateEphemeralKey(p, &s->client_ephemeral, TLS1_2_PROTOCOL_VERSION, suite,
                                   TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0, 0),
             "SslCreateEphemeralKey (client)");
  require_ok(SslCreateEphemeralKey(p, &s->server_ephemeral, TLS1_2_PROTOCOL_VERSION, suite,
                                   TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0, 0),
             "SslCreateEphemeralKey (server)");
  s->client_public_blob = export_public(p, s->client_ephemeral);
  auto server_blob = export_public(p, s->server_ephemeral);
  require_ok(SslImportKey(p, &s->client_peer, BCRYPT_ECCPUBLIC_BLOB, server_blob.data(),
                          static_cast<DWORD>(server_blob.size()), 0),
             "SslImportKey (server key)");
  require_ok(SslImportKey(p, &s->server_peer, BCRYPT_ECCPUBLIC_BLOB, s->client_public_blob.data(),
                          static_cast<DWORD>(s->client_public_blob.size()), 0),
             "SslImportKey (client key)");
  NCryptBuffer b[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, s->client_random.data()},
                       {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, s->server_random.data()}};
  NCryptBufferDesc params{NCRYPTBUFFER_VERSION, 2, b};
  DWORD unused = 0;
  require_ok(SslGenerateMasterKey(p, s->client_ephemeral, s->client_peer, &s->client_master, TLS1_2_PROTOCOL_VERSION,
                                  suite, &params, nullptr, 0, &unused, NCRYPT_SSL_CLIENT_FLAG),
             "SslGenerateMasterKey (client)");
  require_ok(SslGenerateMasterKey(p, s->server_ephemeral, s->server_peer, &s->server_master, TLS1_2_PROTOCOL_VERSION,
                                  suite, &params, nullptr, 0, &unused, NCRYPT_SSL_SERVER_FLAG),
             "SslGenerateMasterKey (server)");
  require_ok(SslGenerateSessionKeys(p, s->client_master, &s->client_read, &s->client_write, &params, 0),
             "SslGenerateSessionKeys (client)");
  require_ok(SslGenerateSessionKeys(p, s->server_master, &s->server_read, &s->server_write, &params, 0),
             "SslGenerateSessionKeys (server)");
  return s;
}

}  // namespace

const FuzzSession& fuzz_session(DWORD suite) {
  // Intentionally never freed: the handles live as long as the process, and
  // LeakSanitizer sees them through this static map.
  static std::map<DWORD, std::unique_ptr<FuzzSession>> sessions;
  auto& slot = sessions[suite];
  if (!slot) slot = make(suite);
  return *slot;
}

}  // namespace sslp11::fuzz
