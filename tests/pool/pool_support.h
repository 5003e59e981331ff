// What the pool tests share: three throwaway members (two SoftHSM tokens of
// one module, two slots, and the NSS softoken), a config file naming them as
// a [pool.NAME], a provider opened on it, and object counts per member (what
// shows where a key schedule was placed, and that nothing leaked).
#pragma once

#include <openssl/evp.h>

#include <sslp11/sslp11.h>
#include <sslp11/sslprovider.h>

#include <array>
#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "support/oracle/bytes.h"
#include "support/test_tokens.h"

namespace sslp11::pool_test {

struct Member {
  std::string name;  // [token.NAME]
  test::TokenSpec spec;
};

// softhsm "a", softhsm "b" (a second token of the same module), nss "n".
// Made once per process, before any provider initialises the module.
const Member& member_a();
const Member& member_b();
const Member& member_n();

// Writes a config whose default-token is [pool.farm] of `members` with
// `pool_lines` added to the pool section, sets SSLP11_CONF to it.
void use_pool(const std::string& variant, const std::vector<Member>& members, const std::string& pool_lines);

// SslOpenProvider on the config use_pool wrote; frees on destruction.
class PoolProvider {
 public:
  PoolProvider(const std::string& variant, const std::vector<Member>& members, const std::string& pool_lines);
  ~PoolProvider();
  PoolProvider(const PoolProvider&) = delete;
  PoolProvider& operator=(const PoolProvider&) = delete;
  NCRYPT_PROV_HANDLE get() const { return handle_; }
  SECURITY_STATUS open_status() const { return status_; }

 private:
  NCRYPT_PROV_HANDLE handle_ = 0;
  SECURITY_STATUS status_ = 0;
};

// Objects the token of `m` holds as seen by this process (session objects of
// every session included), counted through the module instance the provider
// shares.
std::size_t objects_on(const Member& m);

// The index in `members` of the one member whose count grew from `before`
// (objects_on of each), or -1 when none or several did.
int grown_member(const std::vector<Member>& members, const std::vector<std::size_t>& before);
std::vector<std::size_t> counts(const std::vector<Member>& members);

// A server's long-lived key put on one member as Sslp11ImportPemKey does it
// (token objects, through a pool of that member alone): OpenSSL's key and a
// DER certificate for it. Returns the CKA_ID, what delete_imported_key_on takes.
using ImportedKeyId = std::array<BYTE, SSLP11_IMPORTED_KEY_ID_LENGTH>;
ImportedKeyId import_pem_key_on(const Member& m, EVP_PKEY* key, const oracle::Bytes& cert_der,
                                const std::string& label);
void delete_imported_key_on(const Member& m, const ImportedKeyId& id);

// SslOpenPrivateKey on `p` for the key of a DER certificate: the status; the
// handle in `key`.
SECURITY_STATUS open_private_key(NCRYPT_PROV_HANDLE p, const oracle::Bytes& cert_der, NCRYPT_KEY_HANDLE* key);

// (protocol, suite) of every suite SslEnumCipherSuites offers on `p` (its
// buffers and enumeration state freed).
std::set<std::pair<DWORD, DWORD>> offered_suites(NCRYPT_PROV_HANDLE p);

}  // namespace sslp11::pool_test
