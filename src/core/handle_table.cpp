#include "core/handle_table.h"

#include <mutex>
#include <random>

namespace sslp11::core {

const char* kind_name(ObjectKind k) {
  switch (k) {
    case ObjectKind::provider: return "provider";
    case ObjectKind::private_key: return "private key";
    case ObjectKind::ephemeral_key: return "ephemeral key";
    case ObjectKind::public_key: return "public key";
    case ObjectKind::pre_master_key: return "pre-master key";
    case ObjectKind::master_key: return "master key";
    case ObjectKind::session_key: return "session key";
    case ObjectKind::hash: return "hash";
  }
  return "object";
}

HandleTable& HandleTable::instance() {
  // Never destroyed. A static table would, at exit, destroy the objects a
  // caller never freed and so call C_DestroyObject into a module whose own
  // statics may be gone by then (SoftHSMv2 crashes in it when it was loaded
  // after another module). Session objects die with the process anyway.
  static HandleTable* const table = new HandleTable;
  return *table;
}

HandleTable::HandleTable() {
  // A random start makes handles from another process (or a guessed small
  // integer) unlikely to name a live object; the step keeps them odd-looking.
  std::random_device rd;
  next_ = (static_cast<std::uintptr_t>(rd()) << 16 | 0x5000u) & ~std::uintptr_t{0xF};
  if (next_ == 0) next_ = 0x10000;
}

std::uintptr_t HandleTable::insert(std::shared_ptr<HandleObject> object) {
  std::unique_lock lock(mutex_);
  next_ += 0x10;
  const std::uintptr_t h = next_;
  objects_.emplace(h, std::move(object));
  return h;
}

std::shared_ptr<HandleObject> HandleTable::find(std::uintptr_t handle) const {
  std::shared_lock lock(mutex_);
  const auto it = objects_.find(handle);
  return it == objects_.end() ? nullptr : it->second;
}

std::shared_ptr<HandleObject> HandleTable::remove(std::uintptr_t handle) {
  std::unique_lock lock(mutex_);
  const auto it = objects_.find(handle);
  if (it == objects_.end()) return nullptr;
  auto object = std::move(it->second);
  objects_.erase(it);
  return object;
}

std::size_t HandleTable::size() const {
  std::shared_lock lock(mutex_);
  return objects_.size();
}

}  // namespace sslp11::core
