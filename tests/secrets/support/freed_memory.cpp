#include "secrets/support/freed_memory.h"

#include <dlfcn.h>
#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace sslp11::secretstest {

namespace {

struct Kept {
  void* block;
  std::size_t size;
  void* caller;  // return address into whoever called operator delete
};

// Fixed storage: the allocator must not allocate while it records a free.
constexpr std::size_t kCapacity = 1 << 20;
Kept g_kept[kCapacity];
std::size_t g_count = 0;
bool g_overflow = false;
std::atomic<bool> g_armed{false};
std::atomic_flag g_lock = ATOMIC_FLAG_INIT;

struct SpinLock {
  SpinLock() {
    while (g_lock.test_and_set(std::memory_order_acquire)) {
    }
  }
  ~SpinLock() { g_lock.clear(std::memory_order_release); }
};

void* allocate(std::size_t size, std::size_t alignment) {
  if (size == 0) size = 1;
  void* p = alignment <= alignof(std::max_align_t) ? std::malloc(size)
                                                   : std::aligned_alloc(alignment, (size + alignment - 1) / alignment *
                                                                                       alignment);
  return p;
}

void* allocate_or_throw(std::size_t size, std::size_t alignment) {
  void* p = allocate(size, alignment);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void release_block(void* p, void* caller) noexcept {
  if (p == nullptr) return;
  if (g_armed.load(std::memory_order_acquire)) {
    SpinLock lock;
    if (g_count < kCapacity) {
      // malloc_usable_size: the whole block, also what a sized delete would not say.
      g_kept[g_count++] = {p, malloc_usable_size(p), caller};
      return;
    }
    g_overflow = true;
  }
  std::free(p);
}

}  // namespace

void FreedMemory::arm() {
  SpinLock lock;
  g_overflow = false;
  g_armed.store(true, std::memory_order_release);
}

void FreedMemory::disarm() { g_armed.store(false, std::memory_order_release); }

std::size_t FreedMemory::kept_blocks() {
  SpinLock lock;
  return g_count;
}

std::size_t FreedMemory::kept_bytes() {
  SpinLock lock;
  std::size_t n = 0;
  for (std::size_t i = 0; i < g_count; ++i) n += g_kept[i].size;
  return n;
}

bool FreedMemory::overflowed() {
  SpinLock lock;
  return g_overflow;
}

std::vector<FreedMemory::Hit> FreedMemory::search(const SecretSet& secrets) {
  // Disarmed by now: what this allocates and frees is not kept.
  std::vector<Hit> hits;
  const std::size_t count = kept_blocks();
  for (std::size_t i = 0; i < count; ++i) {
    const Kept k = g_kept[i];
    auto found = secrets.find_in(ByteView(static_cast<const std::uint8_t*>(k.block), k.size), 5);
    if (found.empty()) continue;
    Dl_info info{};
    std::string library = dladdr(k.caller, &info) != 0 && info.dli_fname != nullptr ? info.dli_fname : "?";
    if (info.dli_sname != nullptr) library += std::string(" (") + info.dli_sname + ")";
    hits.push_back({library, k.size, std::move(found)});
  }
  return hits;
}

void FreedMemory::release() {
  SpinLock lock;
  for (std::size_t i = 0; i < g_count; ++i) std::free(g_kept[i].block);
  g_count = 0;
}

std::string describe(const std::vector<FreedMemory::Hit>& hits) {
  std::string s;
  for (const auto& h : hits) {
    s += "\n  a " + std::to_string(h.size) + "-byte block freed by " + h.library + ": " + describe(h.findings);
  }
  return s;
}

}  // namespace sslp11::secretstest

// ---- The replaced global allocation functions ----
// Every form the standard lets a program replace, so no block escapes through
// an overload left to the default (which would free it at once).

namespace {
namespace fm = sslp11::secretstest;
void* nothrow_allocate(std::size_t n, std::size_t alignment) noexcept { return fm::allocate(n, alignment); }
std::size_t align(std::align_val_t a) { return static_cast<std::size_t>(a); }
}  // namespace

#define SSLP11_CALLER __builtin_return_address(0)

void* operator new(std::size_t n) { return fm::allocate_or_throw(n, 0); }
void* operator new[](std::size_t n) { return fm::allocate_or_throw(n, 0); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return nothrow_allocate(n, 0); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return nothrow_allocate(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return fm::allocate_or_throw(n, align(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return fm::allocate_or_throw(n, align(a)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return nothrow_allocate(n, align(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return nothrow_allocate(n, align(a));
}

void operator delete(void* p) noexcept { fm::release_block(p, SSLP11_CALLER); }
void operator delete[](void* p) noexcept { fm::release_block(p, SSLP11_CALLER); }
void operator delete(void* p, std::size_t) noexcept { fm::release_block(p, SSLP11_CALLER); }
void operator delete[](void* p, std::size_t) noexcept { fm::release_block(p, SSLP11_CALLER); }
void operator delete(void* p, const std::nothrow_t&) noexcept { fm::release_block(p, SSLP11_CALLER); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { fm::release_block(p, SSLP11_CALLER); }
void operator delete(void* p, std::align_val_t) noexcept { fm::release_block(p, SSLP11_CALLER); }
void operator delete[](void* p, std::align_val_t) noexcept { fm::release_block(p, SSLP11_CALLER); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { fm::release_block(p, SSLP11_CALLER); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { fm::release_block(p, SSLP11_CALLER); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  fm::release_block(p, SSLP11_CALLER);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  fm::release_block(p, SSLP11_CALLER);
}
