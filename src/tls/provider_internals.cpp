#include "tls/provider_internals.h"

#include <stdexcept>

#include "abi/guard.h"
#include "core/handle_table.h"
#include "core/keys.h"
#include "pkcs11/attributes.h"

namespace sslp11::tls {

namespace {

std::string key_type_name(CK_ULONG type) {
  switch (type) {
    case CKK_RSA: return "CKK_RSA";
    case CKK_EC: return "CKK_EC";
    case CKK_DH: return "CKK_DH";
    case CKK_GENERIC_SECRET: return "CKK_GENERIC_SECRET";
    case CKK_AES: return "CKK_AES";
    case CKK_CHACHA20: return "CKK_CHACHA20";
    default: return "key type " + std::to_string(type);
  }
}

int tri(const std::optional<bool>& b) { return b ? (*b ? 1 : 0) : -1; }

// Reads the attributes of one object with a session of the pool that owns it.
TokenObjectFacts facts_of(const std::shared_ptr<p11::SessionPool>& pool, CK_OBJECT_HANDLE handle,
                          const std::string& role) {
  TokenObjectFacts f;
  f.role = role;
  pool->run([&](p11::Lease& lease) {
    const p11::Api& api = lease.api();
    const auto cls = p11::read_ulong(api, lease.handle(), handle, CKA_CLASS);
    const auto type = p11::read_ulong(api, lease.handle(), handle, CKA_KEY_TYPE);
    f.kind = type ? key_type_name(*type) : "unknown type";
    if (cls && *cls == CKO_SECRET_KEY) {
      if (const auto len = p11::read_ulong(api, lease.handle(), handle, CKA_VALUE_LEN)) {
        f.kind += " (" + std::to_string(*len) + " bytes)";
      }
    } else if (cls && *cls == CKO_PRIVATE_KEY) {
      f.kind += " private key";
    }
    f.token_object = p11::read_bool(api, lease.handle(), handle, CKA_TOKEN).value_or(false);
    f.sensitive = tri(p11::read_bool(api, lease.handle(), handle, CKA_SENSITIVE));
    f.extractable = tri(p11::read_bool(api, lease.handle(), handle, CKA_EXTRACTABLE));
    return 0;
  });
  return f;
}

void add(std::vector<TokenObjectFacts>& out, const p11::Object& o, const std::string& role) {
  if (!o.empty() && o.alive()) out.push_back(facts_of(o.pool(), o.handle(), role));
}

}  // namespace

std::string last_provider_error() { return abi::last_error_message(); }

std::vector<TokenObjectFacts> describe_key_objects(NCRYPT_KEY_HANDLE key) {
  std::vector<TokenObjectFacts> out;
  const auto object = core::HandleTable::instance().find(key);
  if (!object) return out;
  switch (object->kind()) {
    case core::ObjectKind::ephemeral_key:
      add(out, static_cast<const core::EphemeralKey&>(*object).private_key, "private key");
      break;
    case core::ObjectKind::pre_master_key:
      add(out, static_cast<const core::PreMasterKey&>(*object).secret, "secret");
      break;
    case core::ObjectKind::master_key:
      add(out, static_cast<const core::MasterKey&>(*object).secret, "secret");
      break;
    case core::ObjectKind::session_key: {
      const auto& k = static_cast<const core::SessionKey&>(*object);
      add(out, k.cipher_key, "cipher key");
      add(out, k.mac_key, "MAC key");
      break;
    }
    case core::ObjectKind::private_key: {
      const auto& k = static_cast<const core::PrivateKey&>(*object);
      out.push_back(facts_of(k.token()->pool(), k.handle, "private key"));
      break;
    }
    default:
      break;
  }
  return out;
}

ImportedKey import_session_key(NCRYPT_PROV_HANDLE provider, EVP_PKEY* key, ByteView certificate_der) {
  const auto object = core::HandleTable::instance().find(provider);
  if (!object || object->kind() != core::ObjectKind::provider) throw std::runtime_error("no live provider handle");
  const auto& pool = static_cast<const core::Provider&>(*object).token()->pool();
  // The pool keeps its sessions open while it lives, so the session objects
  // made here last as long as the provider does.
  return pool->run([&](p11::Lease& lease) {
    return import_key_and_certificate(lease.api(), lease.handle(), key, certificate_der, /*token_objects=*/false,
                                      "sslp11-tls imported server key");
  });
}

std::size_t token_object_count(NCRYPT_PROV_HANDLE provider) {
  const auto object = core::HandleTable::instance().find(provider);
  if (!object || object->kind() != core::ObjectKind::provider) throw std::runtime_error("no live provider handle");
  const auto& pool = static_cast<const core::Provider&>(*object).token()->pool();
  return pool->run([](p11::Lease& lease) { return lease.api().find_objects(lease.handle(), {}).size(); });
}

std::size_t live_handle_count() { return core::HandleTable::instance().size(); }

}  // namespace sslp11::tls
