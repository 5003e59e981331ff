#include "pool/pool_support.h"

#include <gtest/gtest.h>

#include <openssl/pem.h>

#include <cstdlib>
#include <fstream>

#include "pkcs11/module.h"
#include "support/provider_env.h"
#include "support/token_objects.h"

namespace sslp11::pool_test {

namespace {

struct Members {
  Member a{"a", test::TestTokens::softhsm()};
  Member b{"b", test::TestTokens::create_softhsm_token("sslp11-pool-b")};
  Member n{"n", test::TestTokens::nss()};
};

const Members& members() {
  static const Members m;
  return m;
}

oracle::Bytes drain(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  oracle::Bytes out(data, data + n);
  BIO_free(bio);
  return out;
}

}  // namespace

const Member& member_a() { return members().a; }
const Member& member_b() { return members().b; }
const Member& member_n() { return members().n; }

void use_pool(const std::string& variant, const std::vector<Member>& list, const std::string& pool_lines) {
  (void)members();  // every token exists before a module is initialised
  const std::string path = test::TestTokens::temp_dir() + "/sslp11-pool-" + variant + ".conf";
  std::ofstream out(path, std::ios::trunc);
  out << "[provider]\ndefault-token = farm\n";
  std::string names;
  for (const Member& m : list) {
    out << "\n[token." << m.name << "]\nmodule = " << m.spec.module_path << "\n";
    if (!m.spec.init_args.empty()) out << "init-args = \"" << m.spec.init_args << "\"\n";
    out << "label = " << m.spec.label << "\n";
    if (m.spec.login_required) {
      const std::string var = "SSLP11_TEST_POOL_PIN_" + m.name;
      ::setenv(var.c_str(), m.spec.user_pin.c_str(), 1);
      out << "pin = env:" << var << "\n";
    } else {
      out << "pin = none\n";
    }
    names += (names.empty() ? "" : ", ") + m.name;
  }
  out << "\n[pool.farm]\nmembers = " << names << "\n" << pool_lines << "\n";
  out.close();
  ::setenv("SSLP11_CONF", path.c_str(), 1);
}

PoolProvider::PoolProvider(const std::string& variant, const std::vector<Member>& list, const std::string& pool_lines) {
  use_pool(variant, list, pool_lines);
  status_ = SslOpenProvider(&handle_, nullptr, 0);
  if (status_ != 0) ADD_FAILURE() << "SslOpenProvider on the pool: 0x" << std::hex << status_ << " " << test::last_error();
}

PoolProvider::~PoolProvider() {
  if (handle_ != 0) SslFreeObject(handle_, 0);
}

std::size_t objects_on(const Member& m) { return test::objects_visible_on(m.spec); }

std::vector<std::size_t> counts(const std::vector<Member>& list) {
  std::vector<std::size_t> out;
  for (const Member& m : list) out.push_back(objects_on(m));
  return out;
}

int grown_member(const std::vector<Member>& list, const std::vector<std::size_t>& before) {
  int grown = -1;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (objects_on(list[i]) <= before[i]) continue;
    if (grown != -1) return -1;
    grown = static_cast<int>(i);
  }
  return grown;
}

ImportedKeyId import_pem_key_on(const Member& m, EVP_PKEY* key, const oracle::Bytes& cert_der,
                                const std::string& label) {
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  const oracle::Bytes key_pem = drain(key_bio);
  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio(cert_bio, "CERTIFICATE", "", cert_der.data(), static_cast<long>(cert_der.size()));
  const oracle::Bytes cert_pem = drain(cert_bio);
  PoolProvider lone("import-" + m.name, {m}, "");
  ImportedKeyId id{};
  EXPECT_EQ(Sslp11ImportPemKey(lone.get(), key_pem.data(), static_cast<DWORD>(key_pem.size()), cert_pem.data(),
                               static_cast<DWORD>(cert_pem.size()), label.c_str(), id.data(),
                               SSLP11_IMPORT_TOKEN_OBJECTS),
            0)
      << "on [token." << m.name << "]: " << test::last_error();
  return id;
}

void delete_imported_key_on(const Member& m, const ImportedKeyId& id) {
  PoolProvider lone("delete-" + m.name, {m}, "");
  EXPECT_EQ(Sslp11DeleteImportedKey(lone.get(), id.data(), static_cast<DWORD>(id.size()), 0), 0)
      << "on [token." << m.name << "]: " << test::last_error();
}

SECURITY_STATUS open_private_key(NCRYPT_PROV_HANDLE p, const oracle::Bytes& cert_der, NCRYPT_KEY_HANDLE* key) {
  oracle::Bytes der = cert_der;  // CERT_CONTEXT points at mutable bytes
  CERT_CONTEXT context{X509_ASN_ENCODING, der.data(), static_cast<DWORD>(der.size()), nullptr, nullptr};
  return SslOpenPrivateKey(p, key, &context, 0);
}

std::set<std::pair<DWORD, DWORD>> offered_suites(NCRYPT_PROV_HANDLE p) {
  std::set<std::pair<DWORD, DWORD>> out;
  NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
  void* state = nullptr;
  while (SslEnumCipherSuites(p, 0, &suite, &state, 0) == 0) {
    out.emplace(suite->dwProtocol, suite->dwCipherSuite);
    SslFreeBuffer(suite);
  }
  if (state != nullptr) SslFreeBuffer(state);  // the enumeration state is the caller's to free
  return out;
}

}  // namespace sslp11::pool_test
