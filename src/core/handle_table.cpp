#include "core/handle_table.h"

#include <array>
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
  std::uintptr_t first = (static_cast<std::uintptr_t>(rd()) << 16 | 0x5000u) & ~(kStep - 1);
  if (first == 0) first = 0x10000;
  next_.store(first, std::memory_order_relaxed);
}

std::uintptr_t HandleTable::insert(std::shared_ptr<HandleObject> object) {
  const std::uintptr_t h = next_.fetch_add(kStep, std::memory_order_relaxed) + kStep;
  Shard& s = shard(h);
  std::unique_lock lock(s.mutex);
  s.objects.emplace(h, std::move(object));
  return h;
}

namespace {

// This thread's last look-ups. Weak, so a remembered object is still
// destroyed when its handle is freed; a hit needs the shard's removal count
// unchanged since, so a freed handle is never found here either.
struct RememberedLookup {
  std::uintptr_t handle = 0;
  std::uint64_t removals = 0;
  std::weak_ptr<HandleObject> object;
};
struct LookupMemory {
  std::array<RememberedLookup, 4> entries;
  std::size_t next = 0;  // replaced round-robin
};
thread_local LookupMemory t_lookups;

}  // namespace

std::shared_ptr<HandleObject> HandleTable::find(std::uintptr_t handle) const {
  const Shard& s = shard(handle);
  // Read before the table: a removal after this makes the entry stale.
  const std::uint64_t removals = s.removals.load(std::memory_order_acquire);
  LookupMemory& memory = t_lookups;
  for (const RememberedLookup& r : memory.entries) {
    if (r.handle == handle && r.removals == removals) {
      if (auto object = r.object.lock()) return object;
    }
  }
  std::shared_ptr<HandleObject> object;
  {
    std::shared_lock lock(s.mutex);
    const auto it = s.objects.find(handle);
    if (it == s.objects.end()) return nullptr;
    object = it->second;
  }
  memory.entries[memory.next] = RememberedLookup{handle, removals, object};
  memory.next = (memory.next + 1) % memory.entries.size();
  return object;
}

std::shared_ptr<HandleObject> HandleTable::remove(std::uintptr_t handle) {
  Shard& s = shard(handle);
  std::unique_lock lock(s.mutex);
  const auto it = s.objects.find(handle);
  if (it == s.objects.end()) return nullptr;
  auto object = std::move(it->second);
  s.objects.erase(it);
  s.removals.fetch_add(1, std::memory_order_release);
  return object;
}

std::size_t HandleTable::size() const {
  std::size_t n = 0;
  for (const Shard& s : shards_) {
    std::shared_lock lock(s.mutex);
    n += s.objects.size();
  }
  return n;
}

}  // namespace sslp11::core
