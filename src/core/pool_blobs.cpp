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
constexpr std::uint8_t kFlagServer = 1;
constexpr std::uint8_t kFlagExtended = 2;
constexpr std::size_t kMasterBytes = 48;

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

void bad_blob(const std::string& why) { throw Error(Fault::bad_data, "pool key blob: " + why); }

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

std::optional<std::uint8_t> blob_kind(std::span<const std::uint8_t> blob) {
  if (blob.size() < 7 || blob_version(blob) != kVersion) return std::nullopt;
  return blob[6];
}

std::vector<std::uint8_t> seal(TokenContext& token, const Header& header, CK_OBJECT_HANDLE secret) {
  const std::size_t wrapped_size = wrapped_bytes(header.secret_bytes);
  std::vector<std::uint8_t> blob(kHeaderBytes + wrapped_size + kTagBytes, 0);
  std::memcpy(blob.data(), kMagic, 4);
  put_le(&blob[4], kVersion, 2);
  blob[6] = static_cast<std::uint8_t>(header.kind);
  blob[7] = header.flags;
  put_le(&blob[8], header.protocol, 4);
  put_le(&blob[12], header.suite, 4);
  put_le(&blob[24], wrapped_size, 2);
  token.pool()->run([&](p11::Lease& lease) {
    const CK_OBJECT_HANDLE pool_key = require_pool_key(lease, token);
    const auto tag = tag_key(lease, pool_key);
    const auto cv = tag.check_value();
    std::memcpy(&blob[16], cv.data(), cv.size());
    CK_MECHANISM kwp{CKM_AES_KEY_WRAP_PAD, nullptr, 0};
    const auto wrapped = lease.api().C_WrapKey(lease.handle(), kwp, pool_key, secret);
    if (wrapped.size() != wrapped_size) {
      throw Error(Fault::internal, "CKM_AES_KEY_WRAP_PAD gave " + std::to_string(wrapped.size()) + " bytes, not " +
                                       std::to_string(wrapped_size));
    }
    std::memcpy(&blob[kHeaderBytes], wrapped.data(), wrapped.size());
    const auto t = tag.mac(std::span(blob).first(kHeaderBytes + wrapped_size));
    std::memcpy(&blob[kHeaderBytes + wrapped_size], t.data(), t.size());
  });
  return blob;
}

Header parse(std::span<const std::uint8_t> blob, Kind kind) {
  if (blob.size() < kHeaderBytes + kTagBytes) bad_blob(std::to_string(blob.size()) + " bytes is too short");
  if (blob_kind(blob) != static_cast<std::uint8_t>(kind)) bad_blob("not a version-2 blob of the kind asked for");
  const std::size_t wrapped_size = get_le(&blob[24], 2);
  // Only lengths CKM_AES_KEY_WRAP_PAD gives (a multiple of 8, more than 8).
  if (wrapped_size % 8 != 0 || wrapped_size <= 8 || get_le(&blob[26], 2) != 0) bad_blob("malformed header");
  if (blob.size() != kHeaderBytes + wrapped_size + kTagBytes) {
    bad_blob("its header says " + std::to_string(kHeaderBytes + wrapped_size + kTagBytes) + " bytes, not " +
             std::to_string(blob.size()));
  }
  // The secret's length up to the padding: each kind checks it is what it wraps.
  return Header{kind, blob[7], static_cast<std::uint32_t>(get_le(&blob[8], 4)),
                static_cast<std::uint32_t>(get_le(&blob[12], 4)), wrapped_size - 8};
}

p11::Object open(TokenContext& token, std::span<const std::uint8_t> blob, p11::AttributeTemplate unwrap_template) {
  const std::size_t wrapped_size = blob.size() - kHeaderBytes - kTagBytes;  // parse() checked it
  const auto signed_part = blob.first(kHeaderBytes + wrapped_size);
  const auto wrapped = blob.subspan(kHeaderBytes, wrapped_size);
  const auto tag = blob.subspan(kHeaderBytes + wrapped_size);
  return token.pool()->run([&](p11::Lease& lease) {
    const CK_OBJECT_HANDLE pool_key = require_pool_key(lease, token);
    const auto tags = tag_key(lease, pool_key);
    // Another pool's blob is refused by name before its tag: that tag is
    // under another key anyway.
    if (!equal_in_constant_time(tags.check_value(), blob.subspan(16, kCheckValueBytes))) {
      bad_blob("wrapped under another pool key");
    }
    if (!equal_in_constant_time(tags.mac(signed_part), tag)) bad_blob("the blob was altered (tag mismatch)");
    CK_MECHANISM kwp{CKM_AES_KEY_WRAP_PAD, nullptr, 0};
    const CK_OBJECT_HANDLE h = lease.api().C_UnwrapKey(lease.handle(), kwp, pool_key, wrapped, unwrap_template.span());
    return p11::Object(token.pool(), lease, h);
  });
}

std::vector<std::uint8_t> export_master(const MasterKey& master) {
  if (!master.wrappable) throw Error(Fault::internal, "pool key blob asked for a master that is not wrappable");
  if (!master.secret.alive()) {
    throw Error(Fault::bad_key_state, "the key no longer exists on the token (its session was lost)");
  }
  const auto flags = static_cast<std::uint8_t>((master.role == Role::server ? kFlagServer : 0) |
                                               (master.extended ? kFlagExtended : 0));
  return seal(*master.token(), Header{Kind::master, flags, master.protocol, master.suite->id, kMasterBytes},
              master.secret.handle());
}

std::shared_ptr<MasterKey> import_master(const Provider& provider, std::span<const std::uint8_t> blob) {
  const Header h = parse(blob, Kind::master);
  if ((h.flags & ~(kFlagServer | kFlagExtended)) != 0 || h.secret_bytes != kMasterBytes) bad_blob("malformed header");
  const CipherSuite* suite = provider.pool()->offered_suite(h.suite);
  if (suite == nullptr) bad_blob("its cipher suite is not offered here");
  const auto& token = provider.token();
  p11::Object secret = open(*token, blob, templates::unwrapped_master());
  return std::make_shared<MasterKey>(token, h.protocol, *suite, (h.flags & kFlagServer) ? Role::server : Role::client,
                                     token->path(), (h.flags & kFlagExtended) != 0, std::move(secret));
}

}  // namespace sslp11::core::pool_blobs
