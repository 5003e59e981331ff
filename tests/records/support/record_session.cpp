#include "records/support/record_session.h"

#include <map>

#include "abi/guard.h"
#include "support/oracle/cng_blobs.h"
#include "support/oracle/keys.h"
#include "pkcs11/capabilities.h"
#include "pkcs11/module.h"
#include "pkcs11/token.h"

#include <cstring>
#include <mutex>
#include <stdexcept>

namespace sslp11::recordtest {

namespace {

constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;

void require_ok(SECURITY_STATUS s, const char* call) {
  if (s != ERROR_SUCCESS) throw std::runtime_error(std::string(call) + ": " + status_name(s) + " " + test::last_error());
}

Bytes export_key(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key, LPCWSTR type) {
  DWORD n = 0;
  require_ok(SslExportKey(p, key, type, nullptr, 0, &n, 0), "SslExportKey (size)");
  Bytes blob(n);
  require_ok(SslExportKey(p, key, type, blob.data(), n, &n, 0), "SslExportKey");
  blob.resize(n);
  return blob;
}

SslHandle import_key(NCRYPT_PROV_HANDLE p, LPCWSTR type, const Bytes& blob) {
  SslHandle h;
  require_ok(SslImportKey(p, h.out(), type, const_cast<std::uint8_t*>(blob.data()), static_cast<DWORD>(blob.size()), 0),
             "SslImportKey");
  return h;
}

// The OpenSSL side's key pair for one exchange, and the pre-master both
// sides end up with.
struct Exchanged {
  SslHandle own;   // our ephemeral key (ECDHE/DHE)
  SslHandle peer;  // the peer's public key, imported
  Bytes pre_master;
};

Exchanged ecdhe(NCRYPT_PROV_HANDLE p, const SuiteFacts& s) {
  // A SHA-384 PRF keyed with a P-256 secret is refused by tokens whose
  // CKM_SHA384_HMAC wants 48-byte keys (SoftHSM's composed path): use P-384.
  const CurveFacts& curve = s.prf == Hash::sha384 ? p384() : p256();
  Exchanged x;
  require_ok(SslCreateEphemeralKey(p, x.own.out(), kTls12, s.id, curve.group, 0, nullptr, 0, 0),
             "SslCreateEphemeralKey");
  const Bytes our_point = ecc_point_from_blob(curve, export_key(p, x.own.get(), BCRYPT_ECCPUBLIC_BLOB));
  Pkey server = ec_generate(curve);
  x.peer = import_key(p, BCRYPT_ECCPUBLIC_BLOB, ecc_public_blob(curve, ec_public_point(server.get())));
  Pkey ours = ec_public_from_point(curve, our_point);
  x.pre_master = ecdh(server.get(), ours.get());
  return x;
}

Exchanged dhe(NCRYPT_PROV_HANDLE p, const SuiteFacts& s) {
  Exchanged x;
  const Bytes prime = openssl_ffdhe2048_prime(), generator{2};
  Pkey server = dh_generate(prime, generator);
  const Bytes params = dh_parameters_blob(prime, generator);
  require_ok(SslCreateEphemeralKey(p, x.own.out(), kTls12, s.id, 0, 0, const_cast<std::uint8_t*>(params.data()),
                                   static_cast<DWORD>(params.size()), 0),
             "SslCreateEphemeralKey(ffdhe2048)");
  const Bytes our_y = dh_y_from_blob(prime, generator, export_key(p, x.own.get(), BCRYPT_DH_PUBLIC_BLOB));
  x.peer = import_key(p, BCRYPT_DH_PUBLIC_BLOB,
                      dh_public_blob(prime, generator, dh_public_value(server.get(), prime.size())));
  Pkey ours = dh_public_from(prime, generator, our_y);
  x.pre_master = strip_leading_zeros(dh_padded(server.get(), ours.get()));
  return x;
}

EVP_PKEY* rsa_server_key() {
  static std::once_flag once;
  static Pkey key;
  std::call_once(once, [] { key = rsa_test_key(); });
  return key.get();
}

Bytes rsa_public_blob(EVP_PKEY* key) { return oracle::rsa_public_blob(rsa_modulus(key), rsa_public_exponent(key)); }

}  // namespace

std::string status_name(SECURITY_STATUS s) {
  const char* name = abi::status_name(s);
  if (*name == '\0') name = "?";
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(s));
  return std::string(name) + " (" + hex + ")";
}

std::vector<std::uint32_t> offered_suites(NCRYPT_PROV_HANDLE provider) {
  std::vector<std::uint32_t> ids;
  PVOID state = nullptr;
  for (;;) {
    NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
    const SECURITY_STATUS s = SslEnumCipherSuites(provider, 0, &suite, &state, 0);
    if (s == NTE_NO_MORE_ITEMS) break;
    if (s != ERROR_SUCCESS) {
      if (state != nullptr) SslFreeBuffer(state);
      require_ok(s, "SslEnumCipherSuites");
    }
    if (suite->dwProtocol == TLS1_2_PROTOCOL_VERSION) ids.push_back(suite->dwCipherSuite);  // TLS 1.3: tests/tls13_api
    SslFreeBuffer(suite);
  }
  if (state != nullptr) SslFreeBuffer(state);
  return ids;
}

Connection connect(NCRYPT_PROV_HANDLE p, const SuiteFacts& s, DWORD role) {
  const Bytes client_random = random_bytes(32), server_random = random_bytes(32);
  NCryptBuffer buffers[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, const_cast<std::uint8_t*>(client_random.data())},
                             {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, const_cast<std::uint8_t*>(server_random.data())}};
  NCryptBufferDesc params{NCRYPTBUFFER_VERSION, 2, buffers};
  SslHandle master;
  Bytes pre_master;
  if (s.exchange == Exchange::rsa) {
    if (role != NCRYPT_SSL_CLIENT_FLAG) throw std::logic_error("an RSA-exchange server needs a token key");
    SslHandle server = import_key(p, BCRYPT_RSAPUBLIC_BLOB, rsa_public_blob(rsa_server_key()));
    Bytes encrypted(256);
    DWORD n = 0;
    require_ok(SslGenerateMasterKey(p, 0, server.get(), master.out(), kTls12, s.id, &params, encrypted.data(),
                                    static_cast<DWORD>(encrypted.size()), &n, role),
               "SslGenerateMasterKey(RSA)");
    encrypted.resize(n);
    auto decrypted = rsa_decrypt_pkcs1(rsa_server_key(), encrypted);
    if (!decrypted) throw std::runtime_error("OpenSSL cannot decrypt the encrypted pre-master");
    pre_master = std::move(*decrypted);
  } else {
    Exchanged x = s.exchange == Exchange::ecdhe ? ecdhe(p, s) : dhe(p, s);
    require_ok(SslGenerateMasterKey(p, x.own.get(), x.peer.get(), master.out(), kTls12, s.id, &params, nullptr, 0,
                                    nullptr, role),
               "SslGenerateMasterKey");
    pre_master = std::move(x.pre_master);
  }
  Connection c;
  c.suite = &s;
  require_ok(SslGenerateSessionKeys(p, master.get(), c.read.out(), c.write.out(), &params, 0), "SslGenerateSessionKeys");
  const Bytes ms = master_secret(s, pre_master, client_random, server_random);
  ExpectedKeys kb = expected_keys(s, ms, client_random, server_random);
  const bool client = role == NCRYPT_SSL_CLIENT_FLAG;
  c.ours = client ? kb.client : kb.server;
  c.theirs = client ? kb.server : kb.client;
  return c;
}

CallResult encrypt(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key, ByteView plaintext, std::uint64_t seq, std::uint8_t type) {
  CallResult r;
  r.out.assign(plaintext.size() + 512, 0xA5);
  Bytes in(plaintext.begin(), plaintext.end());
  r.status = SslEncryptPacket(p, key, in.empty() ? nullptr : in.data(), static_cast<DWORD>(in.size()), r.out.data(),
                              static_cast<DWORD>(r.out.size()), &r.result, seq, type, 0);
  if (r.status == ERROR_SUCCESS) r.out.resize(r.result);
  return r;
}

CallResult decrypt(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key, ByteView record, std::uint64_t seq) {
  CallResult r;
  r.out.assign(record.size() + 16, 0xA5);
  Bytes in(record.begin(), record.end());
  r.status = SslDecryptPacket(p, key, in.empty() ? nullptr : in.data(), static_cast<DWORD>(in.size()), r.out.data(),
                              static_cast<DWORD>(r.out.size()), &r.result, seq, 0);
  if (r.status == ERROR_SUCCESS) r.out.resize(r.result);
  return r;
}

std::vector<TokenSuite> token_suites() {
  return token_suites([](const SuiteFacts&) { return true; });
}

namespace {

// Whether the token has the suite's record cipher, read from its mechanism
// list at registration time, so that a combination the token cannot run is
// never instantiated (rather than instantiated and skipped).
bool token_has_cipher(const test::TokenSpec& token, const SuiteFacts& s) {
  static std::map<std::string, p11::Capabilities> probed;
  auto it = probed.find(token.name);
  if (it == probed.end()) {
    auto module = p11::Module::load(token.module_path, token.init_args);
    p11::TokenSelector selector;
    selector.label = token.label;
    const auto slot = p11::select_token(*module, selector);
    it = probed.emplace(token.name, p11::Capabilities::probe(module->api(), slot.id)).first;
  }
  switch (s.cipher) {
    case Cipher::aes_gcm: return it->second.has(p11::Feature::AesGcm);
    case Cipher::aes_cbc: return it->second.has(p11::Feature::AesCbc);
    case Cipher::chacha20_poly1305: return it->second.has(p11::Feature::ChaCha20Poly1305);
  }
  return false;
}

}  // namespace

std::vector<TokenSuite> token_suites(bool (*keep)(const SuiteFacts&)) {
  std::vector<TokenSuite> out;
  for (const auto& token : test::TestTokens::all())
    for (const auto& s : all_suite_facts())
      if (keep(s) && token_has_cipher(token, s)) out.emplace_back(token, &s);
  return out;
}

bool same_record_layout(const SuiteFacts& a, const SuiteFacts& b) {
  return a.cipher == b.cipher && a.key_bytes == b.key_bytes && (a.aead() || a.mac == b.mac);
}

bool represents_its_layout(const SuiteFacts& s) {
  // The first ECDHE suite of the table with this layout, else the first suite.
  const SuiteFacts* first = nullptr;
  for (const auto& other : all_suite_facts()) {
    if (!same_record_layout(s, other)) continue;
    if (other.exchange == Exchange::ecdhe) return &other == &s;
    if (first == nullptr) first = &other;
  }
  return first == &s;
}

std::vector<TokenSuite> token_layouts() { return token_suites(represents_its_layout); }

std::vector<TokenSuite> token_cbc_layouts() {
  return token_suites([](const SuiteFacts& s) { return !s.aead() && represents_its_layout(s); });
}

std::string TokenSuiteName::operator()(const ::testing::TestParamInfo<TokenSuite>& info) const {
  std::string name = std::get<0>(info.param).name + "_" + std::string(std::get<1>(info.param)->name);
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

}  // namespace sslp11::recordtest
