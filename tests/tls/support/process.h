// Child processes for the TLS tests (openssl s_server / s_client, sslp11-tls):
// started with fork + execvpe, stdout and stderr captured, stdin optionally a
// pipe, every wait bounded. The destructor always reaps the child: SIGKILL to
// its process group if it still runs, then waitpid.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sslp11::tlstest {

using namespace std::chrono_literals;

class ChildProcess {
 public:
  // `env` entries ("KEY=value") are added to, or replace, this process's environment.
  ChildProcess(std::vector<std::string> argv, std::vector<std::string> env = {}, bool pipe_stdin = false);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const noexcept { return pid_; }
  void write_stdin(std::string_view text);
  void close_stdin();

  // Reads output until `needle` appears in stdout (or stderr, when
  // `in_stderr`) or the time is up; false on timeout or when the child exits
  // without printing it.
  bool wait_for(std::string_view needle, std::chrono::milliseconds timeout, bool in_stderr = false);
  // The exit status (128 + signal for a signal), or nullopt if it did not
  // exit in time (the child is then killed).
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  void kill() noexcept;

  const std::string& out() const noexcept { return out_; }
  const std::string& err() const noexcept { return err_; }
  // "command line / status / stdout / stderr", for assertion messages.
  std::string describe() const;

 private:
  // Reads what is available within `timeout`; false when both pipes are closed.
  bool pump(std::chrono::milliseconds timeout);
  bool reap(bool block) noexcept;

  std::string command_;
  pid_t pid_ = -1;
  int stdin_ = -1, stdout_ = -1, stderr_ = -1;
  std::string out_, err_;
  std::optional<int> status_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read
// back, closed).
std::uint16_t free_port();

// Where the sslp11-tls binary under test is (set by CMake).
std::string tls_binary();

}  // namespace sslp11::tlstest
