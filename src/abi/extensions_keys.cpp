// The key part of the extension API (include/sslp11/sslp11.h):
// Sslp11DescribeKey (an audit of the token objects behind a key handle) and
// the set-up aid Sslp11ImportPemKey / Sslp11DeleteImportedKey.
#include <sslp11/sslp11.h>

#include <cstring>
#include <vector>

#include "abi/guard.h"
#include "abi/handles.h"
#include "abi/tls13_keys.h"
#include "core/object_facts.h"
#include "core/pem_import.h"

using namespace sslp11;
using namespace sslp11::abi;

namespace {

DWORD value_or_unknown(const std::optional<CK_ULONG>& v) {
  return v ? static_cast<DWORD>(*v) : SSLP11_UNKNOWN_VALUE;
}

LONG flag(const std::optional<bool>& b) { return b ? (*b ? 1 : 0) : SSLP11_UNKNOWN_FLAG; }

SSLP11_KEY_OBJECT_INFO info_of(p11::SessionPool& pool, CK_OBJECT_HANDLE handle, DWORD role) {
  const core::TokenObjectFacts f = core::read_object_facts(pool, handle);
  SSLP11_KEY_OBJECT_INFO info{};
  info.dwRole = role;
  info.dwClass = value_or_unknown(f.object_class);
  info.dwKeyType = value_or_unknown(f.key_type);
  info.cbValue = f.value_length ? static_cast<DWORD>(*f.value_length) : 0;
  info.lToken = flag(f.token_object);
  info.lSensitive = flag(f.sensitive);
  info.lExtractable = flag(f.extractable);
  return info;
}

// An object made for the key; one lost with its session is no longer there.
void add(std::vector<SSLP11_KEY_OBJECT_INFO>& out, const p11::Object& o, DWORD role) {
  if (o.alive()) out.push_back(info_of(*o.pool(), o.handle(), role));
}

std::vector<SSLP11_KEY_OBJECT_INFO> objects_of(NCRYPT_KEY_HANDLE h) {
  const auto entry = HandleTable::instance().find(h);
  if (!entry) fail(NTE_INVALID_HANDLE, "the handle is not a live sslp11 key handle");
  std::vector<SSLP11_KEY_OBJECT_INFO> out;
  switch (entry->kind) {
    case HandleKind::private_key: {
      const auto& k = entry->as<const core::PrivateKey>();
      out.push_back(info_of(*k.token()->pool(), k.handle, SSLP11_OBJECT_ROLE_PRIVATE_KEY));
      break;
    }
    case HandleKind::ephemeral_key:
      add(out, entry->as<const core::EphemeralKey>().private_key, SSLP11_OBJECT_ROLE_PRIVATE_KEY);
      break;
    case HandleKind::public_key:
      add(out, entry->as<const core::PublicKey>().rsa_object, SSLP11_OBJECT_ROLE_PUBLIC_KEY);
      break;
    case HandleKind::pre_master_key:
      add(out, entry->as<const core::PreMasterKey>().secret, SSLP11_OBJECT_ROLE_SECRET);
      break;
    case HandleKind::master_key:
      add(out, entry->as<const core::MasterKey>().secret, SSLP11_OBJECT_ROLE_SECRET);
      break;
    case HandleKind::session_key: {
      const auto& k = entry->as<const core::SessionKey>();
      add(out, k.cipher_key, SSLP11_OBJECT_ROLE_CIPHER_KEY);
      add(out, k.mac_key, SSLP11_OBJECT_ROLE_MAC_KEY);
      break;
    }
    case HandleKind::tls13_secret:
      add(out, entry->as<const Tls13SecretKey>().secret.object, SSLP11_OBJECT_ROLE_SECRET);
      break;
    default:
      fail(NTE_INVALID_HANDLE, std::string("the handle is a ") + kind_name(entry->kind) + ", not a key");
  }
  return out;
}

}  // namespace

extern "C" {

SSLP11_API SECURITY_STATUS WINAPI Sslp11DescribeKey(NCRYPT_KEY_HANDLE hKey, SSLP11_KEY_OBJECT_INFO* pObjects,
                                                    DWORD cObjects, DWORD* pcObjects, DWORD dwFlags) {
  return guarded(call_args("hKey", hKey, "cObjects", cObjects, "dwFlags", dwFlags), [&] {
    if (pcObjects == nullptr) fail(NTE_INVALID_PARAMETER, "pcObjects is NULL");
    *pcObjects = 0;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "Sslp11DescribeKey takes no flags");
    const std::vector<SSLP11_KEY_OBJECT_INFO> objects = objects_of(hKey);
    *pcObjects = static_cast<DWORD>(objects.size());
    if (pObjects == nullptr) return;
    if (cObjects < objects.size()) fail(NTE_BUFFER_TOO_SMALL, "pObjects has room for fewer objects than the key has");
    std::memcpy(pObjects, objects.data(), objects.size() * sizeof(SSLP11_KEY_OBJECT_INFO));
  });
}

SSLP11_API SECURITY_STATUS WINAPI Sslp11ImportPemKey(NCRYPT_PROV_HANDLE hSslProvider, const BYTE* pbKeyPem,
                                                     DWORD cbKeyPem, const BYTE* pbCertificatePem,
                                                     DWORD cbCertificatePem, const char* pszLabel, BYTE* pbKeyId,
                                                     DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "cbKeyPem", cbKeyPem, "cbCertificatePem", cbCertificatePem,
                           "dwFlags", dwFlags),
                 [&] {
                   if (dwFlags & ~static_cast<DWORD>(SSLP11_IMPORT_TOKEN_OBJECTS)) {
                     fail(NTE_BAD_FLAGS, "Sslp11ImportPemKey takes SSLP11_IMPORT_TOKEN_OBJECTS or 0");
                   }
                   if (pbKeyPem == nullptr || cbKeyPem == 0) fail(NTE_INVALID_PARAMETER, "no private key PEM");
                   if (pbCertificatePem == nullptr || cbCertificatePem == 0) {
                     fail(NTE_INVALID_PARAMETER, "no certificate PEM");
                   }
                   const auto provider = provider_from(hSslProvider);
                   core::PemKeyImport what;
                   what.key_pem = {pbKeyPem, cbKeyPem};
                   what.certificate_pem = {pbCertificatePem, cbCertificatePem};
                   what.label = pszLabel != nullptr ? pszLabel : "sslp11 imported key";
                   what.token_objects = (dwFlags & SSLP11_IMPORT_TOKEN_OBJECTS) != 0;
                   // The pool keeps its sessions open while the token context
                   // lives, so session objects made here last as long too.
                   const core::ImportedKeyObjects made = provider->token()->pool()->run(
                       [&](p11::Lease& lease) { return core::import_pem_key(lease.api(), lease.handle(), what); });
                   if (pbKeyId != nullptr) std::memcpy(pbKeyId, made.id.data(), made.id.size());
                 });
}

SSLP11_API SECURITY_STATUS WINAPI Sslp11DeleteImportedKey(NCRYPT_PROV_HANDLE hSslProvider, const BYTE* pbKeyId,
                                                          DWORD cbKeyId, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "cbKeyId", cbKeyId, "dwFlags", dwFlags), [&] {
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "Sslp11DeleteImportedKey takes no flags");
    if (pbKeyId == nullptr || cbKeyId == 0) fail(NTE_INVALID_PARAMETER, "no CKA_ID given");
    const auto provider = provider_from(hSslProvider);
    const std::size_t destroyed = provider->token()->pool()->run([&](p11::Lease& lease) {
      return core::destroy_imported_key(lease.api(), lease.handle(), {pbKeyId, cbKeyId});
    });
    if (destroyed == 0) fail(NTE_NOT_FOUND, "no key or certificate with that CKA_ID on the token");
  });
}

}  // extern "C"
