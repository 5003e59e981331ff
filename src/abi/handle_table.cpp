#include "abi/handle_table.h"

#include <array>
#include <mutex>
#include <random>

namespace sslp11::abi {

const char* kind_name(HandleKind k) {
  switch (k) {
    case HandleKind::provider: return "provider";
    case HandleKind::private_key: return "private key";
    case HandleKind::ephemeral_key: return "ephemeral key";
    case HandleKind::public_key: return "public key";
    case HandleKind::pre_master_key: return "pre-master key";
    case HandleKind::master_key: return "master key";
    case HandleKind::session_key: return "session key";
    case HandleKind::hash: return "hash";
    case HandleKind::tls13_secret: return "TLS 1.3 secret";
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

namespace {

std::atomic<std::uint64_t> g_next_table_id{1};

}  // namespace

HandleTable::HandleTable() : id_(g_next_table_id.fetch_add(1, std::memory_order_relaxed)) {
  // A random start makes handles from another process (or a guessed small
  // integer) unlikely to name a live object; the step keeps them odd-looking.
  std::random_device rd;
  std::uintptr_t first = (static_cast<std::uintptr_t>(rd()) << 16 | 0x5000u) & ~(kStep - 1);
  if (first == 0) first = 0x10000;
  next_.store(first, std::memory_order_relaxed);
}

std::uintptr_t HandleTable::insert(std::shared_ptr<const HandleEntry> entry) {
  const std::uintptr_t h = next_.fetch_add(kStep, std::memory_order_relaxed) + kStep;
  Shard& s = shard(h);
  std::unique_lock lock(s.mutex);
  s.entries.emplace(h, std::move(entry));
  return h;
}

namespace {

// This thread's last look-ups. Weak, so a remembered object is still
// destroyed when its handle is freed; a hit needs the shard's removal count
// unchanged since, so a freed handle is never found here either.
struct RememberedLookup {
  std::uint64_t table = 0;
  std::uintptr_t handle = 0;
  std::uint64_t removals = 0;
  std::weak_ptr<const HandleEntry> entry;
};
struct LookupMemory {
  std::array<RememberedLookup, 4> entries;
  std::size_t next = 0;  // replaced round-robin
};
thread_local LookupMemory t_lookups;

}  // namespace

std::shared_ptr<const HandleEntry> HandleTable::find(std::uintptr_t handle) const {
  const Shard& s = shard(handle);
  // Read before the table: a removal after this makes the entry stale.
  const std::uint64_t removals = s.removals.load(std::memory_order_acquire);
  LookupMemory& memory = t_lookups;
  for (const RememberedLookup& r : memory.entries) {
    if (r.handle == handle && r.removals == removals && r.table == id_) {
      if (auto entry = r.entry.lock()) return entry;
    }
  }
  std::shared_ptr<const HandleEntry> entry;
  {
    std::shared_lock lock(s.mutex);
    const auto it = s.entries.find(handle);
    if (it == s.entries.end()) return nullptr;
    entry = it->second;
  }
  memory.entries[memory.next] = RememberedLookup{id_, handle, removals, entry};
  memory.next = (memory.next + 1) % memory.entries.size();
  return entry;
}

std::shared_ptr<const HandleEntry> HandleTable::remove(std::uintptr_t handle) {
  Shard& s = shard(handle);
  std::unique_lock lock(s.mutex);
  const auto it = s.entries.find(handle);
  if (it == s.entries.end()) return nullptr;
  auto entry = std::move(it->second);
  s.entries.erase(it);
  s.removals.fetch_add(1, std::memory_order_release);
  return entry;
}

std::size_t HandleTable::size() const {
  std::size_t n = 0;
  for (const Shard& s : shards_) {
    std::shared_lock lock(s.mutex);
    n += s.entries.size();
  }
  return n;
}

}  // namespace sslp11::abi
