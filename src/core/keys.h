// The typed objects behind NCRYPT_KEY_HANDLEs. Every secret is a token object
// owned through p11::Object; host memory holds only public values, and the
// implicit IVs that TLS sends no differently from a sequence number.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/cipher_suites.h"
#include "core/error.h"
#include "core/token_context.h"
#include "core/token_pool.h"
#include "pkcs11/object.h"
#include "pkcs11/secure_buffer.h"

namespace sslp11::core {

enum class Role { client, server };

// One SslOpenProvider's hold on its token or pool of tokens
// (core/token_pool.h), and the opaque-blob registry it shares with the other
// providers on that token (a pool's first member's). Which handle it has,
// whether it is open and its reference count are the C boundary's
// (abi::Owner).
//
// token() is the token the core works on: for a pool provider its first
// member (the catalogue's source), for a provider bound to one member by
// on_member() that member. Every core function takes a Provider and makes
// its keys on provider.token(), so binding is how a key lands on a member.
class Provider {
 public:
  explicit Provider(std::shared_ptr<TokenPool> pool);
  explicit Provider(std::shared_ptr<TokenContext> token) : Provider(TokenPool::single(std::move(token))) {}
  // `base`, working on `member` (one of its pool's).
  Provider(const Provider& base, std::shared_ptr<TokenContext> member)
      : pool_(base.pool_), token_(std::move(member)), opaque_blobs_(base.opaque_blobs_) {}
  const std::shared_ptr<TokenContext>& token() const noexcept { return token_; }
  const std::shared_ptr<TokenPool>& pool() const noexcept { return pool_; }
  // The opaque-blob registry of the provider's first member, shared with
  // the other providers on that token (core/opaque_blobs.h).
  OpaqueBlobRegistry& opaque_blobs() const noexcept { return *opaque_blobs_->front(); }
  // The registry of `member`: a key's blob is made where the key is, so that
  // it does not depend on any other member being up.
  OpaqueBlobRegistry& opaque_blobs_on(const TokenContext& member) const;
  // The registry whose instance made `blob` (a version-1 blob names it),
  // else the first member's, which refuses the blob as another registry's.
  OpaqueBlobRegistry& opaque_blobs_naming(std::span<const std::uint8_t> blob) const;

 private:
  std::shared_ptr<TokenPool> pool_;
  std::shared_ptr<TokenContext> token_;
  // One registry per member, in the pool's member order; held here because a
  // TokenContext keeps only a weak reference to its registry.
  std::shared_ptr<const std::vector<std::shared_ptr<OpaqueBlobRegistry>>> opaque_blobs_;
};

// Base of every key: knows its token (in a pool: the member it was placed
// on, core/token_pool.h) and must be alive on it to be used. Every key is
// made complete by its constructor and never changes after.
class Key {
 public:
  const std::shared_ptr<TokenContext>& token() const noexcept { return token_; }
  // Its pool member was marked down since it was made: its objects are gone
  // (or will be closed when the member rejoins), without asking the token.
  // A key without a token (a host-only value, as tests make) is never lost.
  bool member_lost() const noexcept {
    return token_ && (token_->down() || token_->losses() != losses_at_birth_);
  }

 protected:
  explicit Key(std::shared_ptr<TokenContext> token)
      : token_(std::move(token)), losses_at_birth_(token_ ? token_->losses() : 0) {}
  ~Key() = default;  // owned as the derived type (shared_ptr keeps its deleter)

 private:
  const std::shared_ptr<TokenContext> token_;
  const std::uint64_t losses_at_birth_;
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
  PrivateKey(std::shared_ptr<TokenContext> t, CK_OBJECT_HANDLE handle, CK_KEY_TYPE type, std::uint32_t bits)
      : Key(std::move(t)), handle(handle, token()->pool()->module()), key_type(type), bits(bits) {}
  const FoundHandle handle;
  const CK_KEY_TYPE key_type;  // CKK_RSA or CKK_EC
  const std::uint32_t bits;
};

enum class ExchangeKind { ec, dh, rsa };

// Our (EC)DH key pair for one handshake. Its public half lives on in host
// memory; only the private half stays a token object.
class EphemeralKey : public Key {
 public:
  // EC: `public_value` is 04||X||Y.
  EphemeralKey(std::shared_ptr<TokenContext> t, const NamedCurve& curve, std::vector<std::uint8_t> public_value,
               p11::Object private_key)
      : Key(std::move(t)),
        kind(ExchangeKind::ec),
        curve(&curve),
        public_value(std::move(public_value)),
        private_key(std::move(private_key)) {}
  // DH: the group (big-endian) and Y left-padded to the prime length.
  EphemeralKey(std::shared_ptr<TokenContext> t, std::vector<std::uint8_t> prime, std::vector<std::uint8_t> generator,
               std::vector<std::uint8_t> public_value, p11::Object private_key)
      : Key(std::move(t)),
        kind(ExchangeKind::dh),
        prime(std::move(prime)),
        generator(std::move(generator)),
        public_value(std::move(public_value)),
        private_key(std::move(private_key)) {}
  const ExchangeKind kind;
  const NamedCurve* const curve = nullptr;           // EC
  const std::vector<std::uint8_t> prime, generator;  // DH group, big-endian
  const std::vector<std::uint8_t> public_value;      // EC: 04||X||Y; DH: Y left-padded to the prime length
  const p11::Object private_key;
};

// The peer's public key. Public values live in host memory; an RSA key is also
// created as a token object because the token encrypts the pre-master with it.
class PublicKey : public Key {
 public:
  // EC: the point 04||X||Y.
  PublicKey(std::shared_ptr<TokenContext> t, const NamedCurve& curve, std::vector<std::uint8_t> point)
      : Key(std::move(t)), kind(ExchangeKind::ec), curve(&curve), public_value(std::move(point)) {}
  // DH: the group and Y.
  PublicKey(std::shared_ptr<TokenContext> t, std::vector<std::uint8_t> prime, std::vector<std::uint8_t> generator,
            std::vector<std::uint8_t> y)
      : Key(std::move(t)),
        kind(ExchangeKind::dh),
        public_value(std::move(y)),
        prime(std::move(prime)),
        generator(std::move(generator)) {}
  // RSA: modulus, exponent and the token object made from them.
  PublicKey(std::shared_ptr<TokenContext> t, std::vector<std::uint8_t> modulus, std::vector<std::uint8_t> exponent,
            p11::Object rsa_object)
      : Key(std::move(t)),
        kind(ExchangeKind::rsa),
        modulus(std::move(modulus)),
        exponent(std::move(exponent)),
        rsa_object(std::move(rsa_object)) {}
  const ExchangeKind kind;
  const NamedCurve* const curve = nullptr;
  const std::vector<std::uint8_t> public_value;      // EC point 04||X||Y, or DH Y
  const std::vector<std::uint8_t> prime, generator;  // DH
  const std::vector<std::uint8_t> modulus, exponent; // RSA
  const p11::Object rsa_object;
};

// An RSA pre-master secret made by SslGeneratePreMasterKey (client, EMS flow).
class PreMasterKey : public Key {
 public:
  PreMasterKey(std::shared_ptr<TokenContext> t, std::uint32_t protocol, const CipherSuite& suite, p11::Object secret)
      : Key(std::move(t)), protocol(protocol), suite(&suite), secret(std::move(secret)) {}
  const std::uint32_t protocol;
  const CipherSuite* const suite;
  const p11::Object secret;
};

class MasterKey : public Key {
 public:
  MasterKey(std::shared_ptr<TokenContext> t, std::uint32_t protocol, const CipherSuite& suite, Role role,
            p11::DerivationPath path, bool extended, p11::Object secret, std::vector<p11::Object> leftovers = {},
            bool wrappable = false)
      : Key(std::move(t)),
        protocol(protocol),
        suite(&suite),
        role(role),
        path(path),
        extended(extended),
        secret(std::move(secret)),
        leftovers(std::move(leftovers)),
        wrappable(wrappable) {}
  const std::uint32_t protocol;
  const CipherSuite* const suite;
  const Role role;
  const p11::DerivationPath path;  // which derivation made it (reported by SslGetKeyProperty)
  const bool extended;   // RFC 7627
  const p11::Object secret;  // 48-byte CKK_GENERIC_SECRET, sensitive, not extractable
  // Objects made on the way to this master whose destruction is deferred to
  // its own, so that SslImportMasterKey makes the same token calls whether the
  // client's ciphertext was good or not (Bleichenbacher).
  const std::vector<p11::Object> leftovers;
  // Made extractable in a pool with a pool key: its opaque blob carries it
  // wrapped (core/pool_blobs.h). False for every other master.
  const bool wrappable;
};

// One direction's record protection key.
class SessionKey : public Key {
 public:
  SessionKey(std::shared_ptr<TokenContext> t, std::uint32_t protocol, const CipherSuite& suite, bool write,
             p11::DerivationPath path, p11::Object cipher_key, p11::Object mac_key, p11::SecureBytes fixed_iv)
      : Key(std::move(t)),
        protocol(protocol),
        suite(&suite),
        write(write),
        path(path),
        cipher_key(std::move(cipher_key)),
        mac_key(std::move(mac_key)),
        fixed_iv(std::move(fixed_iv)) {}
  // Nothing here changes after creation, and each record borrows a session
  // of its own, so threads may protect records with one key at once (their
  // order is the caller's, by sequence number): no per-key lock.
  const std::uint32_t protocol;
  const CipherSuite* const suite;
  const bool write;
  const p11::DerivationPath path;
  const p11::Object cipher_key;
  const p11::Object mac_key;         // CBC suites only
  const p11::SecureBytes fixed_iv;  // GCM salt / ChaCha nonce (from the key block; wiped on free)
};

}  // namespace sslp11::core
