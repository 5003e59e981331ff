// Ctrl-C for a subcommand that stops cleanly: while a CtrlC lives, SIGINT
// only sets a flag that the subcommand's loop polls, so it can print what it
// has so far and exit 130 (InterruptedError) instead of dying mid-output.
// One at a time; the previous SIGINT disposition comes back on destruction.
#pragma once

#include <csignal>

namespace sslp11::cli {

class CtrlC {
 public:
  CtrlC();
  ~CtrlC();
  CtrlC(const CtrlC&) = delete;
  CtrlC& operator=(const CtrlC&) = delete;

  bool pressed() const noexcept;

 private:
  struct sigaction previous_ {};
};

}  // namespace sslp11::cli
