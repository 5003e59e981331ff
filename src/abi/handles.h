// Turning the opaque handles an Ssl* caller passes into typed core objects,
// once, at the C boundary: right kind, right provider instance, still alive.
#pragma once

#include <memory>

#include <sslp11/sslprovider.h>

#include "abi/guard.h"
#include "abi/handle_table.h"
#include "core/keys.h"

namespace sslp11::abi {

// A live provider handle, looked up: the core provider (through -> and *)
// and the C boundary's record of the instance (the owner of what it makes).
class ProviderRef {
 public:
  ProviderRef(std::shared_ptr<const HandleEntry> entry, NCRYPT_PROV_HANDLE handle)
      : entry_(std::move(entry)), provider_(&entry_->as<core::Provider>()), handle_(handle) {}
  const core::Provider& operator*() const noexcept { return *provider_; }
  const core::Provider* operator->() const noexcept { return provider_; }
  const std::shared_ptr<Owner>& owner() const noexcept { return entry_->owner; }
  NCRYPT_PROV_HANDLE handle() const noexcept { return handle_; }

 private:
  std::shared_ptr<const HandleEntry> entry_;  // keeps the provider alive for the call
  const core::Provider* provider_;
  NCRYPT_PROV_HANDLE handle_;
};

ProviderRef provider_from(NCRYPT_PROV_HANDLE h);

// The object behind `h`, which must be a live T made by `owner`'s provider.
template <class T>
std::shared_ptr<T> key_from(NCRYPT_HANDLE h, const Owner& owner) {
  constexpr HandleKind kind = handle_kind_v<T>;
  auto entry = HandleTable::instance().find(h);
  if (!entry || entry->kind != kind) {
    fail(NTE_INVALID_HANDLE, std::string("the handle is not a live ") + kind_name(kind));
  }
  if (entry->owner.get() != &owner) {
    fail(NTE_INVALID_HANDLE, std::string("the ") + kind_name(kind) + " belongs to another provider instance");
  }
  return HandleTable::object_of<T>(std::move(entry));  // moved: no extra refcount round trip per call
}
template <class T>
std::shared_ptr<T> key_from(NCRYPT_HANDLE h, const ProviderRef& provider) {
  return key_from<T>(h, *provider.owner());
}

// Live secret: its token objects still exist (the session that made them was
// not lost).
void require_alive(const p11::Object& object, const char* what);

// A new handle to `object`, owned by `provider`.
// A new provider handle: its own owner record, the handle stored in it
// before the caller can name it (SslOpenProvider, Sslp11OpenProviderForToken).
NCRYPT_PROV_HANDLE publish_provider(std::shared_ptr<core::Provider> provider);

template <class T>
NCRYPT_HANDLE publish(std::shared_ptr<T> object, const ProviderRef& provider) {
  return HandleTable::instance().insert(std::move(object), provider.owner());
}

// A suite this provider's token offers for the protocol, else NTE_NOT_SUPPORTED
// with the reason (sslp11 runs TLS 1.2 only).
const core::CipherSuite& offered_suite(const core::Provider& provider, DWORD protocol, DWORD suite);

// A master key of this provider whose secret still exists on the token.
std::shared_ptr<core::MasterKey> live_master_from(NCRYPT_KEY_HANDLE h, const ProviderRef& provider);

// CNG's two-call convention: *pcb_result always gets the size; a NULL output
// is a size query (false: nothing to produce), a short one NTE_BUFFER_TOO_SMALL.
bool output_wanted(std::size_t size, PBYTE out, DWORD cb_out, DWORD* pcb_result);

}  // namespace sslp11::abi
