#include "core/pool_blobs.h"

#include <array>
#include <cstring>
#include <string>

#include "core/error.h"
#include "core/little_endian.h"
#include "core/templates.h"
#include "core/token_context.h"
#include "pkcs11/attributes.h"
#include "pkcs11/error.h"
#include "pkcs11/pool_key.h"

namespace sslp11::core::pool_blobs {

namespace {

constexpr std::uint8_t kMagic[4] = {'S', 'P', 'O', 'B'};
constexpr std::uint8_t kKindMaster = 1;
constexpr std::uint8_t kFlagServer = 1;
constexpr std::uint8_t kFlagExtended = 2;

[[noreturn]] void bad_blob(const std::string& why) { throw Error(Fault::bad_data, "pool key blob: " + why); }

std::optional<CK_OBJECT_HANDLE> pool_key_in(const p11::Lease& lease) {
  return p11::pool_key::find(lease.api(), lease.handle());
}

CK_OBJECT_HANDLE require_pool_key(const p11::Lease& lease, const TokenContext& token) {
  if (auto key = pool_key_in(lease)) return *key;
  throw Error(Fault::not_supported, "token '" + token.name() + "' has no pool key (label " +
                                        std::string(kPoolKeyLabel) + "); put it there with sslp11-admin pool-key");
}

// The tag key on the lease's session (no other lease is needed for it).
p11::pool_key::TagKey tag_key(const p11::Lease& lease, CK_OBJECT_HANDLE pool_key) {
  return p11::pool_key::TagKey(lease.api(), lease.handle(), pool_key);
}

bool equal_in_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) return false;
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<std::uint8_t>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

std::optional<CK_OBJECT_HANDLE> find_pool_key(TokenContext& token) {
  return token.pool()->run([](p11::Lease& lease) { return pool_key_in(lease); });
}

bool pool_key_on_every_member(const std::vector<std::shared_ptr<TokenContext>>& members) {
  for (const auto& m : members) {
    try {
      if (!find_pool_key(*m)) return false;
    } catch (const std::exception&) {
      return false;
    }
  }
  return true;
}

std::vector<std::uint8_t> check_value(TokenContext& token) {
  return token.pool()->run([&](p11::Lease& lease) {
    const auto tag = tag_key(lease, require_pool_key(lease, token));
    const auto cv = tag.check_value();
    return std::vector<std::uint8_t>(cv.begin(), cv.end());
  });
}

std::optional<std::uint16_t> blob_version(std::span<const std::uint8_t> blob) {
  if (blob.size() < 6 || std::memcmp(blob.data(), kMagic, 4) != 0) return std::nullopt;
  return static_cast<std::uint16_t>(get_le(&blob[4], 2));
}

std::vector<std::uint8_t> export_master(const MasterKey& master) {
  if (!master.wrappable) throw Error(Fault::internal, "pool key blob asked for a master that is not wrappable");
  if (!master.secret.alive()) {
    throw Error(Fault::bad_key_state, "the key no longer exists on the token (its session was lost)");
  }
  TokenContext& token = *master.token();
  std::vector<std::uint8_t> blob(kBlobBytes, 0);
  std::memcpy(blob.data(), kMagic, 4);
  put_le(&blob[4], kVersion, 2);
  blob[6] = kKindMaster;
  blob[7] = static_cast<std::uint8_t>((master.role == Role::server ? kFlagServer : 0) |
                                      (master.extended ? kFlagExtended : 0));
  put_le(&blob[8], master.protocol, 4);
  put_le(&blob[12], master.suite->id, 4);
  put_le(&blob[24], kWrappedBytes, 2);
  token.pool()->run([&](p11::Lease& lease) {
    const CK_OBJECT_HANDLE pool_key = require_pool_key(lease, token);
    const auto tag = tag_key(lease, pool_key);
    const auto cv = tag.check_value();
    std::memcpy(&blob[16], cv.data(), cv.size());
    CK_MECHANISM kwp{CKM_AES_KEY_WRAP_PAD, nullptr, 0};
    const auto wrapped = lease.api().C_WrapKey(lease.handle(), kwp, pool_key, master.secret.handle());
    if (wrapped.size() != kWrappedBytes) {
      throw Error(Fault::internal, "CKM_AES_KEY_WRAP_PAD gave " + std::to_string(wrapped.size()) + " bytes, not " +
                                       std::to_string(kWrappedBytes));
    }
    std::memcpy(&blob[kHeaderBytes], wrapped.data(), wrapped.size());
    const auto t = tag.mac(std::span(blob).first(kHeaderBytes + kWrappedBytes));
    std::memcpy(&blob[kHeaderBytes + kWrappedBytes], t.data(), t.size());
  });
  return blob;
}

std::shared_ptr<MasterKey> import_master(const Provider& provider, std::span<const std::uint8_t> blob) {
  if (blob.size() != kBlobBytes) {
    bad_blob("a pool key blob is " + std::to_string(kBlobBytes) + " bytes, not " + std::to_string(blob.size()));
  }
  if (blob_version(blob) != kVersion || blob[6] != kKindMaster) bad_blob("not a version-2 master key blob");
  if ((blob[7] & ~(kFlagServer | kFlagExtended)) != 0 || get_le(&blob[24], 2) != kWrappedBytes ||
      get_le(&blob[26], 2) != 0) {
    bad_blob("malformed header");
  }
  const auto protocol = static_cast<std::uint32_t>(get_le(&blob[8], 4));
  const CipherSuite* suite = provider.pool()->offered_suite(static_cast<std::uint32_t>(get_le(&blob[12], 4)));
  if (suite == nullptr) bad_blob("its cipher suite is not offered here");
  const auto signed_part = blob.first(kHeaderBytes + kWrappedBytes);
  const auto wrapped = blob.subspan(kHeaderBytes, kWrappedBytes);
  const auto tag = blob.subspan(kHeaderBytes + kWrappedBytes);
  const auto& token = provider.token();
  p11::Object secret = token->pool()->run([&](p11::Lease& lease) {
    const CK_OBJECT_HANDLE pool_key = require_pool_key(lease, *token);
    const auto tags = tag_key(lease, pool_key);
    // Another pool's blob is refused by name before its tag: that tag is
    // under another key anyway.
    if (!equal_in_constant_time(tags.check_value(), blob.subspan(16, kCheckValueBytes))) {
      bad_blob("wrapped under another pool key");
    }
    if (!equal_in_constant_time(tags.mac(signed_part), tag)) bad_blob("the blob was altered (tag mismatch)");
    CK_MECHANISM kwp{CKM_AES_KEY_WRAP_PAD, nullptr, 0};
    auto t = templates::unwrapped_master();
    const CK_OBJECT_HANDLE h = lease.api().C_UnwrapKey(lease.handle(), kwp, pool_key, wrapped, t.span());
    return p11::Object(token->pool(), lease, h);
  });
  return std::make_shared<MasterKey>(token, protocol, *suite, (blob[7] & kFlagServer) ? Role::server : Role::client,
                                     token->path(), (blob[7] & kFlagExtended) != 0, std::move(secret));
}

}  // namespace sslp11::core::pool_blobs
