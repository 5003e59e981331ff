// Provider's opaque-blob registries: one per pool member (core/keys.h).
#include "core/keys.h"
#include "core/opaque_blobs.h"

namespace sslp11::core {

namespace {

std::shared_ptr<const std::vector<std::shared_ptr<OpaqueBlobRegistry>>> registries_of(const TokenPool& pool) {
  auto out = std::make_shared<std::vector<std::shared_ptr<OpaqueBlobRegistry>>>();
  // No token call: a registry makes its MAC key on first use.
  for (const auto& member : pool.members()) out->push_back(member->opaque_blobs());
  return out;
}

}  // namespace

Provider::Provider(std::shared_ptr<TokenPool> pool)
    : pool_(std::move(pool)), token_(pool_->members().front()), opaque_blobs_(registries_of(*pool_)) {}

OpaqueBlobRegistry& Provider::opaque_blobs_on(const TokenContext& member) const {
  const auto& members = pool_->members();
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (members[i].get() == &member) return *(*opaque_blobs_)[i];
  }
  throw Error(Fault::internal, "a key of a token that is not a member of this provider's pool");
}

OpaqueBlobRegistry& Provider::opaque_blobs_naming(std::span<const std::uint8_t> blob) const {
  for (const auto& registry : *opaque_blobs_) {
    if (registry->made(blob)) return *registry;
  }
  return opaque_blobs();
}

}  // namespace sslp11::core
