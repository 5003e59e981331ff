// Record protection: SslEncryptPacket, SslDecryptPacket (reference §2.F, §6).
// Validate, translate, call the core (core/records.h).
#include <memory>
#include <optional>
#include <span>

#include "abi/guard.h"
#include "abi/handles.h"
#include "core/records.h"
#include "core/token_pool.h"

using namespace sslp11;
using namespace sslp11::abi;

namespace {

// The record calls' handle check, the same answers as provider_from +
// key_from but with one table look-up: the key entry's Owner tells whether
// hSslProvider is the open provider that made it, without touching the
// provider's own entry and counters, which the threads of every connection
// would otherwise all write. Anything less than a live session key of that
// open provider takes the full path, so each error keeps its status, text and
// order.
class RecordHandles {
 public:
  RecordHandles(NCRYPT_PROV_HANDLE provider, NCRYPT_KEY_HANDLE key) : key_handle_(key) {
    auto entry = HandleTable::instance().find(key);
    if (entry && entry->kind == HandleKind::session_key) {
      const Owner* owner = entry->owner.get();
      if (owner != nullptr && owner->open.load(std::memory_order_acquire) &&
          owner->handle.load(std::memory_order_acquire) == provider) {
        owner_ = owner;
        key_ = HandleTable::object_of<core::SessionKey>(std::move(entry));
        return;
      }
    }
    provider_ = provider_from(provider);
    owner_ = provider_->owner().get();
  }

  // The session key for the direction the call needs. A key of the other
  // direction is the wrong handle, as Windows treats it.
  std::shared_ptr<core::SessionKey> key(bool write) {
    auto key = key_ ? std::move(key_) : key_from<core::SessionKey>(key_handle_, *provider_);
    // A TLS 1.3 write key (SslExpandWriteKey) protects one direction: its
    // writer seals with it and the peer's reader opens with it.
    if (key->protocol != core::kTls13RecordProtocol && key->write != write) {
      fail(NTE_INVALID_HANDLE, write ? "hKey is a read key; SslEncryptPacket takes the write key"
                                     : "hKey is a write key; SslDecryptPacket takes the read key");
    }
    require_member(*key);
    // Watched for the rest of the call, as every call on a pool member is
    // (core::TokenPool::Watched): nothing to do unless the pool has a call-timeout.
    // The pool is held while watched: the key may be the last thing keeping
    // its owner alive, and it is released before these handles are.
    if (owner_->pool && owner_->pool->watching()) {
      watching_pool_ = owner_->pool;
      watched_.emplace(*watching_pool_, *key->token());
    }
    require_alive(key->cipher_key, "record key");
    if (!key->suite->aead()) require_alive(key->mac_key, "record MAC key");
    return key;
  }

 private:
  NCRYPT_KEY_HANDLE key_handle_;
  std::shared_ptr<core::SessionKey> key_;  // found by the fast check
  std::optional<ProviderRef> provider_;    // else: the provider, checked the full way
  const Owner* owner_ = nullptr;           // of the provider instance (alive while key() runs)
  std::shared_ptr<core::TokenPool> watching_pool_;   // only while watched
  std::optional<core::TokenPool::Watched> watched_;  // last: released first
};

std::span<const std::uint8_t> input(PBYTE p, DWORD n) {
  if (p == nullptr && n != 0) fail(NTE_INVALID_PARAMETER, "pbInput is NULL");
  return {p, p == nullptr ? 0 : n};
}

// pbOutput NULL is a size query: NTE_BUFFER_TOO_SMALL with the size.
std::span<std::uint8_t> output(PBYTE p, DWORD n, std::size_t needed, DWORD* pcb_result) {
  if (p == nullptr || n < needed) {
    *pcb_result = static_cast<DWORD>(needed);
    fail(NTE_BUFFER_TOO_SMALL, "pbOutput needs " + std::to_string(needed) + " bytes");
  }
  return {p, needed};
}

}  // namespace

extern "C" {

SECURITY_STATUS WINAPI SslEncryptPacket(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hKey, PBYTE pbInput,
                                        DWORD cbInput, PBYTE pbOutput, DWORD cbOutput, DWORD* pcbResult,
                                        ULONGLONG SequenceNumber, DWORD dwContentType, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hKey", hKey, "cbInput", cbInput, "cbOutput", cbOutput,
                           "dwContentType", dwContentType, "dwFlags", dwFlags), [&] {
    RecordHandles handles(hSslProvider, hKey);
    if (pcbResult == nullptr) fail(NTE_INVALID_PARAMETER, "pcbResult is NULL");
    *pcbResult = 0;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslEncryptPacket takes no flags");
    const auto plaintext = input(pbInput, cbInput);
    if (plaintext.size() > core::max_plaintext(core::kTls13RecordProtocol)) {
      fail(NTE_INVALID_PARAMETER, "a TLS fragment is at most 16384 bytes");
    }
    if (!core::is_content_type(dwContentType)) fail(NTE_INVALID_PARAMETER, "dwContentType must be 20..23");
    auto key = handles.key(/*write=*/true);
    if (plaintext.size() > core::max_plaintext(key->protocol)) {
      fail(NTE_INVALID_PARAMETER, "a TLS fragment is at most 16384 bytes");
    }
    if (key->protocol == core::kTls13RecordProtocol && plaintext.empty()) {
      fail(NTE_INVALID_PARAMETER, "a TLS 1.3 record holds at least its inner content type (pbInput is TLSInnerPlaintext)");
    }
    const auto record = output(pbOutput, cbOutput, core::sealed_size(*key->suite, plaintext.size()), pcbResult);
    if (!core::seal_layout_allowed(*key->suite, plaintext, record)) {
      fail(NTE_BUFFERS_OVERLAP, "pbInput overlaps pbOutput other than at pbOutput + 5 or + 5 + explicit IV");
    }
    *pcbResult = static_cast<DWORD>(
        core::seal_record(*key, SequenceNumber, static_cast<std::uint8_t>(dwContentType), plaintext, record));
  });
}

SECURITY_STATUS WINAPI SslDecryptPacket(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hKey, PBYTE pbInput,
                                        DWORD cbInput, PBYTE pbOutput, DWORD cbOutput, DWORD* pcbResult,
                                        ULONGLONG SequenceNumber, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hKey", hKey, "cbInput", cbInput, "cbOutput", cbOutput,
                           "dwFlags", dwFlags), [&] {
    RecordHandles handles(hSslProvider, hKey);
    if (pcbResult == nullptr) fail(NTE_INVALID_PARAMETER, "pcbResult is NULL");
    *pcbResult = 0;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslDecryptPacket takes no flags");
    const auto record = input(pbInput, cbInput);
    auto key = handles.key(/*write=*/false);
    // For CBC the capacity is an upper bound: the real length is known only
    // once the MAC has verified.
    const auto plaintext = output(pbOutput, cbOutput, core::open_capacity(*key, record), pcbResult);
    if (!core::open_layout_allowed(*key->suite, record, plaintext)) {
      fail(NTE_BUFFERS_OVERLAP, "pbOutput overlaps pbInput other than at pbInput + 5 or + 5 + explicit IV");
    }
    *pcbResult = static_cast<DWORD>(core::open_record(*key, SequenceNumber, record, plaintext));
  });
}

}  // extern "C"
