// Turning the opaque handles an Ssl* caller passes into typed core objects,
// once, at the C boundary: right kind, right provider instance, still alive.
#pragma once

#include <exception>
#include <memory>
#include <type_traits>

#include <sslp11/sslprovider.h>

#include "abi/guard.h"
#include "abi/handle_table.h"
#include "core/keys.h"

namespace sslp11::abi {

// A live provider handle, looked up: the core provider (through -> and *)
// and the C boundary's record of the instance (the owner of what it makes).
//
// On a pool (core/token_pool.h) the call is also bound to one member: the
// member of the first key it takes (key_from binds), or the one placed() picks
// for a new key schedule. -> and * then give the provider working on that
// member, so every core function makes and uses keys there. A lone token's
// provider is never rebound: that path allocates and locks nothing.
class ProviderRef {
 public:
  ProviderRef(std::shared_ptr<const HandleEntry> entry, NCRYPT_PROV_HANDLE handle)
      : entry_(std::move(entry)),
        provider_(&entry_->as<core::Provider>()),
        handle_(handle),
        unwinding_at_birth_(std::uncaught_exceptions()) {}
  ProviderRef(ProviderRef&&) noexcept = default;
  ProviderRef& operator=(ProviderRef&&) noexcept = default;
  ~ProviderRef();
  const core::Provider& operator*() const noexcept { return *provider_; }
  const core::Provider* operator->() const noexcept { return provider_; }
  const std::shared_ptr<Owner>& owner() const noexcept { return entry_->owner; }
  NCRYPT_PROV_HANDLE handle() const noexcept { return handle_; }

  // Bind the call to `key`'s member: NTE_BAD_KEY_STATE when that member was
  // lost since the key was made, NTE_INVALID_PARAMETER when the call is bound
  // to another member already (keys of two members cannot meet in one call).
  void bind(const core::Key& key) const;
  // The same for an object that knows only its member (a TLS 1.3 secret).
  void bind_member(const std::shared_ptr<core::TokenContext>& member) const;
  // A new key schedule: `op()` (which uses *this) runs on a member placed by
  // the pool's policy, and once more on another healthy member for each
  // member found gone meanwhile. Turn::keep for what only travels with a
  // schedule (a handshake hash): it does not count as one (core::Turn).
  template <class Op>
  decltype(auto) placed(Op&& op, core::Turn turn = core::Turn::take) const {
    return (*this)->pool()->run_placed(
        [&](const std::shared_ptr<core::TokenContext>& member) {
          bind_to(member);
          placed_ = true;
          return op();
        },
        turn);
  }

 private:
  void bind_to(const std::shared_ptr<core::TokenContext>& member) const;
  std::shared_ptr<const HandleEntry> entry_;  // keeps the provider alive for the call
  mutable const core::Provider* provider_;    // the entry's provider, or *bound_
  mutable std::unique_ptr<core::Provider> bound_;  // the provider on one member of a pool (not its first)
  mutable bool placed_ = false;  // bound: to the first member when bound_ is empty
  mutable std::unique_ptr<core::TokenPool::Watched> watched_;  // bound to an existing key's member, while watching
  NCRYPT_PROV_HANDLE handle_;
  int unwinding_at_birth_;  // std::uncaught_exceptions() when made: more at death means the call failed
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
// The same, and the call bound to the key's pool member (ProviderRef::bind)
// when the key has token objects there. EC and DH peer public keys have
// none (host memory only): they go with whichever key they meet, so an
// import needs no placement and a peer key can serve any member.
template <class T>
std::shared_ptr<T> key_from(NCRYPT_HANDLE h, const ProviderRef& provider) {
  auto key = key_from<T>(h, *provider.owner());
  if constexpr (std::is_base_of_v<core::Key, T>) {
    if (!provider->pool()->single_member()) {
      if constexpr (std::is_same_v<T, core::PublicKey>) {
        if (key->kind != core::ExchangeKind::rsa) return key;
      }
      provider.bind(*key);
    }
  }
  return key;
}

// A key whose pool member was lost since it was made: NTE_BAD_KEY_STATE,
// without a token call (the record calls' fast path, which skips key_from).
void require_member(const core::Key& key);

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

// A suite this provider's token offers (a pool's: its first member's) for the protocol, else NTE_NOT_SUPPORTED
// with the reason (sslp11 runs TLS 1.2 only).
const core::CipherSuite& offered_suite(const core::Provider& provider, DWORD protocol, DWORD suite);

// A master key of this provider whose secret still exists on the token.
std::shared_ptr<core::MasterKey> live_master_from(NCRYPT_KEY_HANDLE h, const ProviderRef& provider);

// CNG's two-call convention: *pcb_result always gets the size; a NULL output
// is a size query (false: nothing to produce), a short one NTE_BUFFER_TOO_SMALL.
bool output_wanted(std::size_t size, PBYTE out, DWORD cb_out, DWORD* pcb_result);

}  // namespace sslp11::abi
