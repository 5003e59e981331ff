#include "cli/support/admin_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/property_tree/json_parser.hpp>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern "C" char** environ;

namespace sslp11::test {

namespace {

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::string unique_suffix() {
  static std::atomic<int> n{0};
  return std::to_string(::getpid()) + "_" + std::to_string(n++);
}

}  // namespace

namespace {

// argv and environment of one child run, and their C views.
struct ChildCommand {
  std::vector<std::string> argv, environment;
  std::vector<char*> c_argv, c_env;

  ChildCommand(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    argv.push_back(SSLP11_ADMIN_BINARY);
    argv.insert(argv.end(), args.begin(), args.end());
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      const std::string kv(*e);
      bool overridden = false;
      for (const auto& x : env) {
        if (kv.compare(0, x.find('=') + 1, x, 0, x.find('=') + 1) == 0) overridden = true;
      }
      if (!overridden) environment.push_back(kv);
    }
    environment.insert(environment.end(), env.begin(), env.end());
    for (auto& a : argv) c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    for (auto& e : environment) c_env.push_back(e.data());
    c_env.push_back(nullptr);
  }
  ChildCommand(const ChildCommand&) = delete;  // the C views point into this object's strings
  ChildCommand& operator=(const ChildCommand&) = delete;
  std::string text() const {
    std::string t;
    for (const auto& a : argv) t += (t.empty() ? "" : " ") + a;
    return t;
  }
};

void wait_for(pid_t pid, AdminResult& result) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
}

}  // namespace

AdminResult run_admin(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  AdminResult result;
  ChildCommand command(args, env);
  result.command = command.text();
  std::vector<char*>& c_argv = command.c_argv;
  std::vector<char*>& c_env = command.c_env;

  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Child: async-signal-safe calls only. No terminal: prompts must fail, not wait.
    ::setsid();
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::execve(c_argv[0], c_argv.data(), c_env.data());
    ::_exit(127);
  }
  close_fd(out[1]);
  close_fd(err[1]);
  std::array<pollfd, 2> fds{{{out[0], POLLIN, 0}, {err[0], POLLIN, 0}}};
  std::array<std::string*, 2> sinks{&result.out, &result.err};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  close_fd(out[0]);
  close_fd(err[0]);
  wait_for(pid, result);
  return result;
}

AdminResult run_admin_on_terminal(const std::vector<std::string>& args, const std::vector<std::string>& env,
                                  const std::vector<std::pair<std::string, std::string>>& answers) {
  AdminResult result;
  ChildCommand command(args, env);
  result.command = command.text();
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) throw std::runtime_error("forkpty failed");
  if (pid == 0) {
    ::execve(command.c_argv[0], command.c_argv.data(), command.c_env.data());
    ::_exit(127);
  }
  std::size_t next = 0, answered_at = 0;
  char buf[4096];
  for (;;) {
    pollfd fd{master, POLLIN, 0};
    const int ready = ::poll(&fd, 1, 20'000);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      ::kill(pid, SIGKILL);  // a prompt that never came, or one not answered: no hang
      break;
    }
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EIO once the child has closed the terminal
    result.out.append(buf, static_cast<std::size_t>(n));
    if (next < answers.size() && result.out.find(answers[next].first, answered_at) != std::string::npos) {
      const std::string line = answers[next].second + "\n";
      if (::write(master, line.data(), line.size()) != static_cast<ssize_t>(line.size())) break;
      answered_at = result.out.size();
      ++next;
    }
  }
  close_fd(master);
  wait_for(pid, result);
  return result;
}

std::string describe(const AdminResult& r) {
  std::ostringstream s;
  s << "command: " << r.command << "\nexit code: " << r.exit_code;
  if (r.signal != 0) s << " (killed by signal " << r.signal << ")";
  s << "\n--- stdout ---\n" << r.out << "--- stderr ---\n" << r.err;
  return s.str();
}

boost::property_tree::ptree parse_json(const AdminResult& r) {
  boost::property_tree::ptree tree;
  std::istringstream in(r.out);
  try {
    boost::property_tree::read_json(in, tree);
  } catch (const boost::property_tree::json_parser_error& e) {
    ADD_FAILURE() << "stdout is not JSON: " << e.what() << "\n" << describe(r);
  }
  return tree;
}

std::vector<boost::property_tree::ptree> array(const boost::property_tree::ptree& tree, const std::string& path) {
  std::vector<boost::property_tree::ptree> out;
  const auto node = tree.get_child_optional(path);
  if (!node) return out;
  for (const auto& [key, child] : *node) out.push_back(child);
  return out;
}

std::size_t line_count(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  if (!text.empty() && text.back() != '\n') ++n;
  return n;
}

AdminToken::AdminToken(const std::string& label)
    : spec(TestTokens::create_softhsm_token(label)),
      user_pin_var("SSLP11_CLI_TEST_PIN_" + unique_suffix()),
      so_pin_var("SSLP11_CLI_TEST_SO_" + unique_suffix()) {}

AdminToken::AdminToken(const TokenSpec& nss) : spec(nss) {}

std::vector<std::string> AdminToken::select() const {
  std::vector<std::string> a{"--module", spec.module_path};
  if (!spec.init_args.empty()) a.insert(a.end(), {"--init-args", spec.init_args});
  a.insert(a.end(), {"--token", spec.label});
  return a;
}

std::vector<std::string> AdminToken::user() const {
  auto a = select();
  if (spec.login_required) {
    a.insert(a.end(), {"--pin-source", "env:" + user_pin_var});
  } else {
    a.insert(a.end(), {"--pin-source", "none"});
  }
  return a;
}

std::vector<std::string> AdminToken::env() const {
  std::vector<std::string> e;
  if (!user_pin_var.empty()) e.push_back(user_pin_var + "=" + spec.user_pin);
  if (!so_pin_var.empty()) e.push_back(so_pin_var + "=" + spec.so_pin);
  return e;
}

std::string AdminToken::write_config(const std::string& name, const std::string& extra) const {
  std::ostringstream c;
  c << "# written by the CLI tests\n[token." << name << "]\nmodule = " << spec.module_path << "\n";
  if (!spec.init_args.empty()) c << "init-args = \"" << spec.init_args << "\"\n";
  c << "label = " << spec.label << "\n";
  c << "pin = " << (spec.login_required ? "env:" + user_pin_var : std::string("none")) << "\n";
  if (!extra.empty()) c << extra << "\n";
  return write_test_file(name + ".conf", c.str());
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string write_test_file(const std::string& name, const std::string& text, unsigned mode) {
  const std::string path = TestTokens::temp_dir() + "/cli-" + unique_suffix() + "-" + name;
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f) throw std::runtime_error("cannot write " + path);
  }
  ::chmod(path.c_str(), mode);
  return path;
}

}  // namespace sslp11::test
