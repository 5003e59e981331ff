// Turning the opaque handles an Ssl* caller passes into typed core objects,
// once, at the C boundary: right kind, right provider instance, still alive.
#pragma once

#include <memory>

#include <sslp11/sslprovider.h>

#include "abi/guard.h"
#include "core/handle_table.h"
#include "core/keys.h"

namespace sslp11::abi {

std::shared_ptr<core::Provider> provider_from(NCRYPT_PROV_HANDLE h);

// The key must be of `kind` and belong to `provider` (when given).
template <class T>
std::shared_ptr<T> key_from(NCRYPT_KEY_HANDLE h, core::ObjectKind kind, const core::Provider* provider) {
  auto object = core::HandleTable::instance().find(h);
  if (!object || object->kind() != kind) {
    fail(NTE_INVALID_HANDLE, std::string("the handle is not a live ") + core::kind_name(kind));
  }
  if (provider != nullptr && object->provider_id() != provider->provider_id()) {
    fail(NTE_INVALID_HANDLE, std::string("the ") + core::kind_name(kind) + " belongs to another provider instance");
  }
  return std::static_pointer_cast<T>(std::move(object));  // moved: no extra refcount round trip per call
}

// Live secret: its token objects still exist (the session that made them was
// not lost).
void require_alive(const p11::Object& object, const char* what);

NCRYPT_KEY_HANDLE publish(std::shared_ptr<core::HandleObject> object);

// A suite this provider's token offers for the protocol, else NTE_NOT_SUPPORTED
// with the reason (sslp11 runs TLS 1.2 only).
const core::CipherSuite& offered_suite(const core::Provider& provider, DWORD protocol, DWORD suite);

// A master key of this provider whose secret still exists on the token.
std::shared_ptr<core::MasterKey> live_master_from(NCRYPT_KEY_HANDLE h, const core::Provider& provider);

// CNG's two-call convention: *pcb_result always gets the size; a NULL output
// is a size query (false: nothing to produce), a short one NTE_BUFFER_TOO_SMALL.
bool output_wanted(std::size_t size, PBYTE out, DWORD cb_out, DWORD* pcb_result);

}  // namespace sslp11::abi
