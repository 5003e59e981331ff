// The typed objects behind NCRYPT_KEY_HANDLEs. Every secret is a token object
// owned through p11::Object; host memory holds only public values, and the
// implicit IVs that TLS sends no differently from a sequence number.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/cipher_suites.h"
#include "core/error.h"
#include "core/handle_table.h"
#include "core/token_context.h"
#include "pkcs11/object.h"
#include "pkcs11/secure_buffer.h"

namespace sslp11::core {

enum class Role { client, server };

// Which provider handle made a key, and whether it is still open: what a
// record call checks instead of looking the provider handle up. Written once
// at open and once at the last release, so the threads of every connection
// only read it (the provider's table entry and counters are shared by them all).
struct ProviderIdentity {
  std::atomic<std::uintptr_t> handle{0};
  std::atomic<bool> open{true};
};

// One SslOpenProvider: the token it uses and its reference count.
class Provider : public HandleObject {
 public:
  Provider(std::uint64_t id, std::shared_ptr<TokenContext> token)
      : HandleObject(ObjectKind::provider, id),
        token_(std::move(token)),
        opaque_blobs_(token_->opaque_blobs()),
        identity_(std::make_shared<ProviderIdentity>()) {}
  const std::shared_ptr<TokenContext>& token() const noexcept { return token_; }
  const std::shared_ptr<ProviderIdentity>& identity() const noexcept { return identity_; }
  std::atomic<int>& references() noexcept { return refs_; }
  // Shared with the other providers on the token (core/opaque_blobs.h).
  OpaqueBlobRegistry& opaque_blobs() const noexcept { return *opaque_blobs_; }

 private:
  std::shared_ptr<TokenContext> token_;
  std::shared_ptr<OpaqueBlobRegistry> opaque_blobs_;
  std::shared_ptr<ProviderIdentity> identity_;
  std::atomic<int> refs_{1};
};

// Base of every key: knows its token and must be alive on it to be used.
class Key : public HandleObject {
 public:
  Key(ObjectKind kind, std::uint64_t provider_id, std::shared_ptr<TokenContext> token)
      : HandleObject(kind, provider_id), token_(std::move(token)) {}
  const std::shared_ptr<TokenContext>& token() const noexcept { return token_; }

 private:
  std::shared_ptr<TokenContext> token_;
};

// The handle of a token object sslp11 found rather than made (a long-term
// private key). It is only meaningful in the module epoch it was found in:
// after a re-initialisation the same number may name another object. Reading
// it (the conversion, done under a lease) checks that; a stale one throws
// Error(Fault::bad_key_state) instead of reaching the token.
class FoundHandle {
 public:
  FoundHandle(CK_OBJECT_HANDLE handle, const p11::Module& module) noexcept
      : handle_(handle), module_(&module), epoch_(module.epoch()) {}
  operator CK_OBJECT_HANDLE() const {  // NOLINT(google-explicit-constructor): used where the raw handle was
    if (!current()) {
      throw Error(Fault::bad_key_state,
                  "the private key handle was opened before the token connection was lost (or before "
                  "fork()); open the key again");
    }
    return handle_;
  }
  bool current() const noexcept { return !module_->forked() && module_->epoch() == epoch_; }

 private:
  CK_OBJECT_HANDLE handle_;
  const p11::Module* module_;  // kept alive by the key's TokenContext
  std::uint64_t epoch_;
};

// A long-term private key on the token (not ours to destroy).
class PrivateKey : public Key {
 public:
  PrivateKey(std::uint64_t pid, std::shared_ptr<TokenContext> t, CK_OBJECT_HANDLE handle, CK_KEY_TYPE type,
             std::uint32_t bits)
      : Key(ObjectKind::private_key, pid, std::move(t)),
        handle(handle, token()->pool()->module()),
        key_type(type),
        bits(bits) {}
  FoundHandle handle;
  CK_KEY_TYPE key_type;  // CKK_RSA or CKK_EC
  std::uint32_t bits;
};

enum class ExchangeKind { ec, dh, rsa };

// Our (EC)DH key pair for one handshake.
class EphemeralKey : public Key {
 public:
  EphemeralKey(std::uint64_t pid, std::shared_ptr<TokenContext> t) : Key(ObjectKind::ephemeral_key, pid, std::move(t)) {}
  ExchangeKind kind = ExchangeKind::ec;
  const NamedCurve* curve = nullptr;       // EC
  std::vector<std::uint8_t> prime, generator;  // DH group, big-endian
  std::vector<std::uint8_t> public_value;  // EC: 04||X||Y; DH: Y left-padded to the prime length
  p11::Object private_key;
  p11::Object public_key;
};

// The peer's public key. Public values live in host memory; an RSA key is also
// created as a token object because the token encrypts the pre-master with it.
class PublicKey : public Key {
 public:
  PublicKey(std::uint64_t pid, std::shared_ptr<TokenContext> t) : Key(ObjectKind::public_key, pid, std::move(t)) {}
  ExchangeKind kind = ExchangeKind::ec;
  const NamedCurve* curve = nullptr;
  std::vector<std::uint8_t> public_value;      // EC point 04||X||Y, or DH Y
  std::vector<std::uint8_t> prime, generator;  // DH
  std::vector<std::uint8_t> modulus, exponent; // RSA
  p11::Object rsa_object;
};

// An RSA pre-master secret made by SslGeneratePreMasterKey (client, EMS flow).
class PreMasterKey : public Key {
 public:
  PreMasterKey(std::uint64_t pid, std::shared_ptr<TokenContext> t) : Key(ObjectKind::pre_master_key, pid, std::move(t)) {}
  std::uint32_t protocol = 0;
  const CipherSuite* suite = nullptr;
  p11::Object secret;
};

class MasterKey : public Key {
 public:
  MasterKey(std::uint64_t pid, std::shared_ptr<TokenContext> t) : Key(ObjectKind::master_key, pid, std::move(t)) {}
  std::uint32_t protocol = 0;
  const CipherSuite* suite = nullptr;
  Role role = Role::client;
  p11::Tier path = p11::Tier::native;  // which derivation made it (reported by SslGetKeyProperty)
  bool extended = false;               // RFC 7627
  p11::Object secret;                  // 48-byte CKK_GENERIC_SECRET, sensitive, not extractable
  // Objects made on the way to this master whose destruction is deferred to
  // its own, so that SslImportMasterKey makes the same token calls whether the
  // client's ciphertext was good or not (Bleichenbacher).
  std::vector<p11::Object> leftovers;
};

// One direction's record protection key.
class SessionKey : public Key {
 public:
  SessionKey(std::uint64_t pid, std::shared_ptr<TokenContext> t) : Key(ObjectKind::session_key, pid, std::move(t)) {}
  std::uint32_t protocol = 0;
  const CipherSuite* suite = nullptr;
  bool write = false;
  p11::Tier path = p11::Tier::native;
  p11::Object cipher_key;
  p11::Object mac_key;            // CBC suites only
  std::shared_ptr<const ProviderIdentity> owner;  // the provider that made it (see ProviderIdentity)
  // Nothing here changes after creation, and each record borrows a session
  // of its own, so threads may protect records with one key at once (their
  // order is the caller's, by sequence number): no per-key lock.
  p11::SecureBytes fixed_iv;  // GCM salt / ChaCha nonce (from the key block; wiped on free)
};

}  // namespace sslp11::core
