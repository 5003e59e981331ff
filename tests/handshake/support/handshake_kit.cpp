#include "handshake/support/handshake_kit.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "abi/guard.h"
#include "abi/handle_table.h"
#include "core/keys.h"
#include "support/oracle/cng_blobs.h"
#include "support/oracle/keys.h"

namespace sslp11::hstest {

namespace {

const char* status_name(SECURITY_STATUS s) {
  const char* name = abi::status_name(s);
  return *name != '\0' ? name : "?";
}

void require_ok(SECURITY_STATUS s, const char* call) {
  if (s == ERROR_SUCCESS) return;
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(s));
  throw std::runtime_error(std::string(call) + ": " + hex + " " + status_name(s) + " " + test::last_error());
}

// The oracle's curve of a TLS_ECC_*_CURVE_KEY_TYPE group.
const CurveFacts& curve_of(DWORD group) { return group == p384().group ? p384() : p256(); }

SuiteCase suite_case(std::uint32_t id, const CurveFacts& curve) {
  const SuiteFacts& facts = *find_suite_facts(id);
  std::string name(facts.name.substr(4));  // without "TLS_"
  name.erase(name.find("WITH_"), 5);
  return {facts.id, name, facts.prf, curve.group, facts.key_block_bytes()};
}

}  // namespace

void PrintTo(const Status& s, std::ostream* os) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(s.value));
  *os << status_name(s.value) << " (" << hex << ")";
}

Bytes handshake_message(std::uint8_t type, std::size_t body_bytes) {
  Bytes m{type, static_cast<std::uint8_t>(body_bytes >> 16), static_cast<std::uint8_t>(body_bytes >> 8),
          static_cast<std::uint8_t>(body_bytes)};
  const Bytes body = random_bytes(body_bytes);
  m.insert(m.end(), body.begin(), body.end());
  return m;
}

const std::vector<SuiteCase>& suite_cases() {
  static const std::vector<SuiteCase> cases{
      suite_case(TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, p256()),
      suite_case(TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, p384()),
      suite_case(TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, p256()),
  };
  return cases;
}

const SuiteCase& sha256_case() { return suite_cases()[0]; }
const SuiteCase& sha384_case() { return suite_cases()[1]; }

Session make_session(NCRYPT_PROV_HANDLE provider, const SuiteCase& suite) {
  return make_session(provider, suite, random_bytes(32), random_bytes(32));
}

Session make_session(NCRYPT_PROV_HANDLE provider, const SuiteCase& suite, ByteView client_random,
                     ByteView server_random) {
  if (client_random.size() != 32 || server_random.size() != 32) throw std::runtime_error("randoms are 32 bytes");
  Session s;
  s.suite = &suite;
  s.client_random.assign(client_random.begin(), client_random.end());
  s.server_random.assign(server_random.begin(), server_random.end());

  Handle own;
  require_ok(SslCreateEphemeralKey(provider, own.out(), TLS1_2_PROTOCOL_VERSION, suite.suite, suite.group, 0,
                                   nullptr, 0, 0),
             "SslCreateEphemeralKey");
  DWORD size = 0;
  require_ok(SslExportKey(provider, own.get(), BCRYPT_ECCPUBLIC_BLOB, nullptr, 0, &size, 0), "SslExportKey (size)");
  Bytes own_blob(size);
  require_ok(SslExportKey(provider, own.get(), BCRYPT_ECCPUBLIC_BLOB, own_blob.data(), size, &size, 0),
             "SslExportKey");
  own_blob.resize(size);

  const CurveFacts& curve = curve_of(suite.group);
  Pkey peer = ec_generate(curve);
  Bytes peer_blob = ecc_public_blob(curve, ec_public_point(peer.get()));
  Handle peer_public;
  require_ok(SslImportKey(provider, peer_public.out(), BCRYPT_ECCPUBLIC_BLOB, peer_blob.data(),
                          static_cast<DWORD>(peer_blob.size()), 0),
             "SslImportKey");

  NCryptBuffer buffers[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, s.client_random.data()},
                             {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, s.server_random.data()}};
  NCryptBufferDesc params{NCRYPTBUFFER_VERSION, 2, buffers};
  require_ok(SslGenerateMasterKey(provider, own.get(), peer_public.get(), s.master.out(), TLS1_2_PROTOCOL_VERSION,
                                  suite.suite, &params, nullptr, 0, nullptr, NCRYPT_SSL_CLIENT_FLAG),
             "SslGenerateMasterKey");

  Pkey own_public = ec_public_from_point(curve, ecc_point_from_blob(curve, own_blob));
  const Bytes z = ecdh(peer.get(), own_public.get());
  s.master_secret = tls12_prf(suite.prf, z, "master secret", s.randoms(), 48);
  return s;
}

Handle make_handshake_hash(NCRYPT_PROV_HANDLE provider, DWORD suite) {
  Handle h;
  require_ok(SslCreateHandshakeHash(provider, h.out(), TLS1_2_PROTOCOL_VERSION, suite, 0), "SslCreateHandshakeHash");
  return h;
}

void hash_into(NCRYPT_PROV_HANDLE provider, NCRYPT_HASH_HANDLE hash, ByteView message) {
  require_ok(SslHashHandshake(provider, hash, const_cast<PBYTE>(message.data()), static_cast<DWORD>(message.size()), 0),
             "SslHashHandshake");
}

Bytes session_hash(NCRYPT_PROV_HANDLE provider, NCRYPT_HASH_HANDLE hash) {
  DWORD size = 0;
  require_ok(SslComputeSessionHash(provider, hash, TLS1_2_PROTOCOL_VERSION, nullptr, 0, &size, 0),
             "SslComputeSessionHash (size)");
  Bytes out(size);
  DWORD written = 0;
  require_ok(SslComputeSessionHash(provider, hash, TLS1_2_PROTOCOL_VERSION, out.data(), size, &written, 0),
             "SslComputeSessionHash");
  out.resize(written);
  return out;
}

void lose_sessions_behind(NCRYPT_KEY_HANDLE key) {
  const auto& table = abi::HandleTable::instance();
  std::shared_ptr<core::TokenContext> token;
  if (auto k = table.find<core::EphemeralKey>(key)) token = k->token();
  if (auto k = table.find<core::PublicKey>(key)) token = k->token();
  if (auto k = table.find<core::PrivateKey>(key)) token = k->token();
  if (auto k = table.find<core::PreMasterKey>(key)) token = k->token();
  if (auto k = table.find<core::MasterKey>(key)) token = k->token();
  if (auto k = table.find<core::SessionKey>(key)) token = k->token();
  if (!token) throw std::runtime_error("lose_sessions_behind: not a live key handle");
  token->pool()->reset();
}

bool token_has_tls_mac(NCRYPT_PROV_HANDLE provider) {
  auto object = abi::HandleTable::instance().find<core::Provider>(provider);
  if (!object) throw std::runtime_error("not a provider handle");
  return object->token()->capabilities().tls_mac_mechanism().has_value();
}

}  // namespace sslp11::hstest
