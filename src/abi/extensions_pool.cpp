// The pool part of the extension API (include/sslp11/sslp11.h, version 3):
// Sslp11GetPoolStatus, what `sslp11-admin pool status` prints. It reads the
// health the pool keeps (core/token_pool.h) and each member's session pool;
// it never calls a token, so it answers at once even while a member hangs.
#include <sslp11/sslp11.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

#include "abi/guard.h"
#include "abi/handles.h"
#include "core/token_pool.h"

using namespace sslp11;
using namespace sslp11::abi;

namespace {

// `text` into a fixed char array, cut to fit, always NUL-terminated.
template <std::size_t N>
void copy_cut(const std::string& text, char (&out)[N]) {
  const std::size_t n = std::min(text.size(), N - 1);
  std::memcpy(out, text.data(), n);
  out[n] = '\0';
}

DWORD as_dword(std::size_t n) { return static_cast<DWORD>(std::min<std::size_t>(n, 0xFFFFFFFFu)); }

SSLP11_POOL_MEMBER_STATUS member_status(const core::MemberStatus& health, const core::TokenContext& member) {
  SSLP11_POOL_MEMBER_STATUS out{};
  copy_cut(health.name, out.szName);
  out.dwUp = health.up ? 1 : 0;
  const auto& sessions = *member.pool();
  // Two separate reads of a pool other threads use: clamp, never wrap.
  const std::size_t open = sessions.open_sessions();
  const std::size_t idle = sessions.idle_sessions();
  out.cSessionsInUse = as_dword(open > idle ? open - idle : 0);
  out.cSessionsOpen = as_dword(open);
  out.cPoolSize = as_dword(sessions.max_sessions());
  out.cOutstanding = as_dword(health.outstanding);
  if (health.down_since != std::chrono::system_clock::time_point{}) {
    out.ullDownSinceUnixMs = static_cast<ULONGLONG>(
        std::chrono::duration_cast<std::chrono::milliseconds>(health.down_since.time_since_epoch()).count());
  }
  copy_cut(health.last_error, out.szLastError);
  return out;
}

}  // namespace

extern "C" {

SSLP11_API SECURITY_STATUS WINAPI Sslp11GetPoolStatus(NCRYPT_PROV_HANDLE hSslProvider,
                                                      SSLP11_POOL_MEMBER_STATUS* pMembers, DWORD cMembers,
                                                      DWORD* pcMembers, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "cMembers", cMembers, "dwFlags", dwFlags), [&] {
    if (pcMembers == nullptr) fail(NTE_INVALID_PARAMETER, "pcMembers is NULL");
    *pcMembers = 0;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "Sslp11GetPoolStatus takes no flags");
    const auto provider = provider_from(hSslProvider);
    const core::TokenPool& pool = *provider->pool();
    const std::vector<core::MemberStatus> health = pool.status();  // parallel to pool.members()
    *pcMembers = as_dword(health.size());
    if (pMembers == nullptr) return;
    if (cMembers < health.size()) {
      fail(NTE_BUFFER_TOO_SMALL, "the pool has " + std::to_string(health.size()) + " members");
    }
    for (std::size_t i = 0; i < health.size(); ++i) pMembers[i] = member_status(health[i], *pool.members()[i]);
  });
}

}  // extern "C"
