#include "tls/support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

extern "C" char** environ;

namespace sslp11::tlstest {

namespace {

using Clock = std::chrono::steady_clock;

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv, std::vector<std::string> env, bool pipe_stdin) {
  // A child that died must not kill the test with SIGPIPE when we write to it.
  ::signal(SIGPIPE, SIG_IGN);
  for (const auto& a : argv) command_ += (command_.empty() ? "" : " ") + a;
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view kv(*e);
    bool replaced = false;
    for (const auto& x : env)
      if (kv.substr(0, kv.find('=') + 1) == std::string_view(x).substr(0, x.find('=') + 1)) replaced = true;
    if (!replaced) environment.emplace_back(kv);
  }
  environment.insert(environment.end(), env.begin(), env.end());
  std::vector<char*> cargv, cenv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  for (auto& e : environment) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  int in[2] = {-1, -1}, out[2], err[2];
  if ((pipe_stdin && ::pipe2(in, O_CLOEXEC) != 0) || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed");
  }
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::setpgid(0, 0);  // its own group: kill() reaches anything it starts
    if (pipe_stdin) {
      ::dup2(in[0], STDIN_FILENO);
    } else {
      const int devnull = ::open("/dev/null", O_RDONLY);
      ::dup2(devnull, STDIN_FILENO);
    }
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::execvpe(cargv[0], cargv.data(), cenv.data());
    const char msg[] = "exec failed\n";
    [[maybe_unused]] const auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);
  if (pipe_stdin) {
    ::close(in[0]);
    stdin_ = in[1];
  }
  ::close(out[1]);
  ::close(err[1]);
  stdout_ = out[0];
  stderr_ = err[0];
  set_nonblocking(stdout_);
  set_nonblocking(stderr_);
}

ChildProcess::~ChildProcess() {
  kill();
  close_stdin();
  if (stdout_ >= 0) ::close(stdout_);
  if (stderr_ >= 0) ::close(stderr_);
}

void ChildProcess::write_stdin(std::string_view text) {
  if (stdin_ < 0) throw std::logic_error("stdin is not a pipe");
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(stdin_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("writing to the child's stdin failed");
    done += static_cast<std::size_t>(n);
  }
}

void ChildProcess::close_stdin() {
  if (stdin_ >= 0) ::close(stdin_);
  stdin_ = -1;
}

bool ChildProcess::pump(std::chrono::milliseconds timeout) {
  std::array<pollfd, 2> fds{{{stdout_, POLLIN, 0}, {stderr_, POLLIN, 0}}};
  if (stdout_ < 0 && stderr_ < 0) return false;
  const int n = ::poll(fds.data(), fds.size(), static_cast<int>(timeout.count()));
  if (n <= 0) return true;
  std::array<std::string*, 2> sinks{&out_, &err_};
  std::array<int*, 2> owners{&stdout_, &stderr_};
  char buf[4096];
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if (fds[i].fd < 0 || fds[i].revents == 0) continue;
    for (;;) {
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(got));
        continue;
      }
      if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        ::close(*owners[i]);
        *owners[i] = -1;
      }
      break;
    }
  }
  return stdout_ >= 0 || stderr_ >= 0;
}

bool ChildProcess::reap(bool block) noexcept {
  if (status_ || pid_ <= 0) return true;
  int st = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &st, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r != pid_) return false;
  status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return true;
}

bool ChildProcess::wait_for(std::string_view needle, std::chrono::milliseconds timeout, bool in_stderr) {
  const auto deadline = Clock::now() + timeout;
  const std::string& text = in_stderr ? err_ : out_;
  while (text.find(needle) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    if (!pump(std::min(left, std::chrono::milliseconds(100)))) return text.find(needle) != std::string::npos;
  }
  return true;
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (!pump(std::chrono::milliseconds(50))) ::usleep(20000);
    if (reap(false)) {
      // Collect what is still in the pipes (bounded: a grandchild could hold them).
      const auto drain_deadline = Clock::now() + std::chrono::milliseconds(1000);
      while (pump(std::chrono::milliseconds(20)) && Clock::now() < drain_deadline) {
      }
      return status_;
    }
    if (Clock::now() >= deadline) {
      kill();
      return std::nullopt;
    }
  }
}

void ChildProcess::kill() noexcept {
  if (pid_ > 0 && !status_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    reap(true);
  }
}

std::string ChildProcess::describe() const {
  return "$ " + command_ + "\n-- exit status: " + (status_ ? std::to_string(*status_) : std::string("still running")) +
         "\n-- stdout:\n" + out_ + "\n-- stderr:\n" + err_;
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string tls_binary() { return SSLP11_TLS_BINARY; }

}  // namespace sslp11::tlstest
