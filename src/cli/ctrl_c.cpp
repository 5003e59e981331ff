#include "cli/ctrl_c.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace sslp11::cli {

namespace {

// A lock-free atomic is what a signal handler may touch.
std::atomic<bool> g_pressed{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_sigint(int) { g_pressed.store(true, std::memory_order_relaxed); }

}  // namespace

CtrlC::CtrlC() {
  g_pressed.store(false, std::memory_order_relaxed);
  struct sigaction action {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  // SA_RESTART: a token call the signal lands in carries on; the loop looks
  // at the flag after it.
  action.sa_flags = SA_RESTART;
  if (::sigaction(SIGINT, &action, &previous_) != 0) {
    throw std::runtime_error(std::string("sigaction(SIGINT): ") + std::strerror(errno));
  }
}

CtrlC::~CtrlC() { ::sigaction(SIGINT, &previous_, nullptr); }

bool CtrlC::pressed() const noexcept { return g_pressed.load(std::memory_order_relaxed); }

}  // namespace sslp11::cli
