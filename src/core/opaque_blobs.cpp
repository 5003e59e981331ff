#include "core/opaque_blobs.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <random>
#include <string>

#include "core/error.h"
#include "core/little_endian.h"
#include "core/keys.h"
#include "core/templates.h"

namespace sslp11::core {

namespace {

constexpr std::uint8_t kMagic[4] = {'S', 'P', 'O', 'B'};
constexpr std::uint16_t kVersion = 1;
constexpr std::uint8_t kKindMaster = 1;
constexpr std::uint8_t kKindSession = 2;
constexpr std::uint8_t kFlagServer = 1;     // master key
constexpr std::uint8_t kFlagExtended = 2;   // master key
constexpr std::uint8_t kFlagWrite = 1;      // session key
constexpr std::size_t kMacKeyBytes = 32;    // SoftHSM's HMAC-SHA256 wants keys of at least 32 bytes

// What the header says about a key, apart from instance id and serial.
struct KeyFacts {
  std::uint8_t kind = 0;
  std::uint8_t flags = 0;
  std::uint32_t protocol = 0;
  std::uint32_t suite = 0;
  bool operator==(const KeyFacts&) const = default;
};

KeyFacts facts_of(const MasterKey& m) {
  return {kKindMaster,
          static_cast<std::uint8_t>((m.role == Role::server ? kFlagServer : 0) | (m.extended ? kFlagExtended : 0)),
          m.protocol, m.suite->id};
}
KeyFacts facts_of(const SessionKey& s) {
  return {kKindSession, static_cast<std::uint8_t>(s.write ? kFlagWrite : 0), s.protocol, s.suite->id};
}
KeyFacts facts_of(const BlobKey& key) {
  return std::visit([](const auto& k) { return facts_of(*k); }, key);
}

// The key's token objects still exist (their session was not lost).
bool alive(const MasterKey& m) { return m.secret.alive(); }
bool alive(const SessionKey& s) { return s.cipher_key.alive() && (s.suite->aead() || s.mac_key.alive()); }
bool alive(const BlobKey& key) {
  return std::visit([](const auto& k) { return alive(*k); }, key);
}

const void* address_of(const BlobKey& key) {
  return std::visit([](const auto& k) -> const void* { return k.get(); }, key);
}

[[noreturn]] void bad_blob(const std::string& why) { throw Error(Fault::bad_data, "opaque key blob: " + why); }

}  // namespace

OpaqueBlobRegistry::OpaqueBlobRegistry(std::shared_ptr<p11::SessionPool> pool, std::size_t capacity)
    : pool_(std::move(pool)), capacity_(capacity == 0 ? 1 : capacity) {
  // Tells registries apart (tokens, processes, provider generations); not a
  // secret - the tag is what makes a blob unforgeable.
  std::random_device rd;
  for (std::size_t i = 0; i < instance_id_.size(); i += 4) put_le(&instance_id_[i], rd(), 4);
}

OpaqueBlobRegistry::~OpaqueBlobRegistry() = default;

bool OpaqueBlobRegistry::made(std::span<const std::uint8_t> blob) const noexcept {
  return blob.size() >= 16 + instance_id_.size() &&
         std::equal(instance_id_.begin(), instance_id_.end(), blob.begin() + 16);
}

CK_OBJECT_HANDLE OpaqueBlobRegistry::mac_key() {
  std::lock_guard lock(key_mutex_);
  if (!mac_key_.alive()) {
    mac_key_ = pool_->run([&](p11::Lease& lease) {
      auto t = templates::blob_mac_key(kMacKeyBytes);
      CK_MECHANISM mech{CKM_GENERIC_SECRET_KEY_GEN, nullptr, 0};
      const CK_OBJECT_HANDLE h = lease.api().C_GenerateKey(lease.handle(), mech, t.span());
      return p11::Object(pool_, lease, h);
    });
  }
  return mac_key_.handle();
}

void OpaqueBlobRegistry::sign(std::span<const std::uint8_t> header, std::span<std::uint8_t> tag) {
  const CK_OBJECT_HANDLE key = mac_key();
  pool_->run([&](p11::Lease& lease) {
    CK_MECHANISM mech{CKM_SHA256_HMAC, nullptr, 0};
    lease.api().C_SignInit(lease.handle(), mech, key);
    if (lease.api().C_Sign(lease.handle(), header, tag) != tag.size()) {
      throw Error(Fault::internal, "CKM_SHA256_HMAC returned a tag of the wrong length");
    }
  });
}

bool OpaqueBlobRegistry::verify(std::span<const std::uint8_t> header, std::span<const std::uint8_t> tag) {
  // C_Sign and a constant-time compare rather than C_Verify: NSS softoken
  // answers a wrong HMAC in C_Verify with CKR_DEVICE_ERROR, not
  // CKR_SIGNATURE_INVALID. The expected tag is no secret once the blob exists.
  std::array<std::uint8_t, kTagBytes> expected{};
  sign(header, expected);
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < kTagBytes; ++i) diff |= static_cast<std::uint8_t>(expected[i] ^ tag[i]);
  return diff == 0;
}

std::vector<std::uint8_t> OpaqueBlobRegistry::export_blob(const BlobKey& key, std::uintptr_t exporter) {
  const KeyFacts facts = facts_of(key);
  if (!alive(key)) {
    throw Error(Fault::bad_key_state, "the key no longer exists on the token (its session was lost)");
  }
  std::uint64_t serial = 0;
  {
    std::lock_guard lock(mutex_);
    if (auto it = serial_of_.find(address_of(key)); it != serial_of_.end()) {
      serial = it->second;
    } else {
      serial = next_serial_++;
      by_serial_.emplace(serial, Registered{key, exporter});
      serial_of_.emplace(address_of(key), serial);
      evict_over_capacity();
    }
  }
  std::vector<std::uint8_t> blob(kBlobBytes, 0);
  std::memcpy(blob.data(), kMagic, 4);
  put_le(&blob[4], kVersion, 2);
  blob[6] = facts.kind;
  blob[7] = facts.flags;
  put_le(&blob[8], facts.protocol, 4);
  put_le(&blob[12], facts.suite, 4);
  std::memcpy(&blob[16], instance_id_.data(), instance_id_.size());
  put_le(&blob[32], serial, 8);
  sign(std::span(blob).first(kHeaderBytes), std::span(blob).subspan(kHeaderBytes));
  return blob;
}

OpaqueBlobRegistry::Registered OpaqueBlobRegistry::import_blob(std::span<const std::uint8_t> blob) {
  if (blob.size() != kBlobBytes) {
    bad_blob("an sslp11 opaque blob is " + std::to_string(kBlobBytes) + " bytes, not " + std::to_string(blob.size()));
  }
  if (std::memcmp(blob.data(), kMagic, 4) != 0 || get_le(&blob[4], 2) != kVersion) {
    bad_blob("not an sslp11 opaque key blob (magic or version)");
  }
  // Checked before the tag: another registry's tag is under another key anyway.
  if (std::memcmp(&blob[16], instance_id_.data(), instance_id_.size()) != 0) {
    bad_blob("exported by another token, process or provider instance");
  }
  if (!verify(blob.first(kHeaderBytes), blob.subspan(kHeaderBytes))) bad_blob("the blob was altered (tag mismatch)");
  const std::uint64_t serial = get_le(&blob[32], 8);
  std::optional<Registered> found;
  {
    std::lock_guard lock(mutex_);
    if (auto it = by_serial_.find(serial); it != by_serial_.end()) found = it->second;
    if (!found && serial < next_serial_) {
      throw Error(Fault::bad_key_state,
                  "opaque key blob: the key was dropped from the export registry (it holds the " +
                      std::to_string(capacity_) + " most recent exports); start a new handshake");
    }
  }
  if (!found) bad_blob("unknown serial");  // unreachable with a genuine tag
  const KeyFacts facts{blob[6], blob[7], static_cast<std::uint32_t>(get_le(&blob[8], 4)),
                       static_cast<std::uint32_t>(get_le(&blob[12], 4))};
  if (!(facts == facts_of(found->key))) bad_blob("the header does not describe the registered key");
  if (!alive(found->key)) {
    throw Error(Fault::bad_key_state, "the key no longer exists on the token (its session was lost)");
  }
  return std::move(*found);
}

std::size_t OpaqueBlobRegistry::size() const {
  std::lock_guard lock(mutex_);
  return by_serial_.size();
}

void OpaqueBlobRegistry::set_capacity(std::size_t capacity) {
  std::lock_guard lock(mutex_);
  capacity_ = capacity == 0 ? 1 : capacity;
  evict_over_capacity();
}

void OpaqueBlobRegistry::evict_over_capacity() {
  while (by_serial_.size() > capacity_) {
    const auto oldest = by_serial_.begin();
    serial_of_.erase(address_of(oldest->second.key));
    by_serial_.erase(oldest);  // the key's token objects go with its last handle
  }
}

}  // namespace sslp11::core
