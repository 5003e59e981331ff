#include "abi/handles.h"

#include <exception>

namespace sslp11::abi {

ProviderRef provider_from(NCRYPT_PROV_HANDLE h) {
  auto entry = HandleTable::instance().find(h);
  if (!entry || entry->kind != HandleKind::provider) {
    fail(NTE_INVALID_HANDLE, "the handle is not a live sslp11 provider handle");
  }
  return ProviderRef(std::move(entry), h);
}

ProviderRef::~ProviderRef() {
  // A call that failed on a pool member has the prober look at that member at
  // once (core/token_pool.h): the destructor cannot see which error it was,
  // and must not call the token itself while the call unwinds.
  if (entry_ && placed_ && std::uncaught_exceptions() > unwinding_at_birth_) {
    provider_->pool()->suspect(*provider_->token());
  }
}

void ProviderRef::bind_to(const std::shared_ptr<core::TokenContext>& member) const {
  const core::Provider& base = entry_->as<core::Provider>();
  if (member == base.token()) {
    bound_.reset();
    provider_ = &base;
    return;
  }
  bound_ = std::make_unique<core::Provider>(base, member);
  provider_ = bound_.get();
}

void ProviderRef::bind(const core::Key& key) const {
  require_member(key);
  bind_member(key.token());
}

void ProviderRef::bind_member(const std::shared_ptr<core::TokenContext>& member) const {
  if (member->down()) {
    fail(NTE_BAD_KEY_STATE, "the key's pool member [token." + member->name() + "] is down; start a new handshake");
  }
  if (placed_) {
    if (member != provider_->token()) {
      fail(NTE_INVALID_PARAMETER, "keys live on different pool members (" + provider_->token()->name() + ", " +
                                      member->name() + ")");
    }
    return;
  }
  bind_to(member);
  placed_ = true;
  // A call with an existing key is watched like a placing one: hung there,
  // it marks the member down (core/token_pool.h). Only a watching pool
  // allocates.
  if (core::TokenPool& pool = *provider_->pool(); pool.watching()) {
    watched_ = std::make_unique<core::TokenPool::Watched>(pool, *member);
  }
}

void require_member(const core::Key& key) {
  if (key.member_lost()) {
    fail(NTE_BAD_KEY_STATE, "the key's pool member [token." + key.token()->name() +
                                "] was lost since the key was made; start a new handshake");
  }
}

void require_alive(const p11::Object& object, const char* what) {
  if (!object.alive()) {
    fail(NTE_BAD_KEY_STATE, std::string("the ") + what +
                                " no longer exists on the token (its session was lost); start a new handshake");
  }
}

const core::CipherSuite& offered_suite(const core::Provider& provider, DWORD protocol, DWORD suite) {
  if (!core::protocol_supported(protocol)) fail(NTE_NOT_SUPPORTED, "sslp11 runs the TLS 1.2 (0x0303) key schedule only");
  const core::CipherSuite* s = provider.pool()->offered_suite(suite);
  if (s == nullptr) fail(NTE_NOT_SUPPORTED, provider.pool()->why_not_offered(suite));
  return *s;
}

std::shared_ptr<core::MasterKey> live_master_from(NCRYPT_KEY_HANDLE h, const ProviderRef& provider) {
  auto master = key_from<core::MasterKey>(h, provider);
  require_alive(master->secret, "master key");
  return master;
}

bool output_wanted(std::size_t size, PBYTE out, DWORD cb_out, DWORD* pcb_result) {
  *pcb_result = static_cast<DWORD>(size);
  if (out == nullptr) return false;
  if (cb_out < size) fail(NTE_BUFFER_TOO_SMALL, "the output buffer is too small");
  return true;
}

NCRYPT_PROV_HANDLE publish_provider(std::shared_ptr<core::Provider> provider) {
  auto owner = std::make_shared<Owner>();
  owner->pool = provider->pool();
  const NCRYPT_PROV_HANDLE h = HandleTable::instance().insert(std::move(provider), owner);
  owner->handle.store(h, std::memory_order_release);
  return h;
}

}  // namespace sslp11::abi
