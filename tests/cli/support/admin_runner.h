// Running the built sslp11-admin as a child process (fork + execve with an
// argv vector, no shell), the way an operator or a script runs it: stdin is
// /dev/null and the child has no controlling terminal (setsid), so nothing
// can block on a prompt. PINs reach it only through env: sources -- or, with
// run_admin_on_terminal, typed at its prompts on a pseudo-terminal.
#pragma once

#include <boost/property_tree/ptree.hpp>

#include <string>
#include <utility>
#include <vector>

#include "support/test_tokens.h"

namespace sslp11::test {

struct AdminResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out, err;
  std::string command;  // for failure messages (no PINs: they are in the environment)
};

// `args` after the program name; `env` adds or overrides "NAME=value" entries.
AdminResult run_admin(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

// `args` run on a pseudo-terminal of their own (their controlling terminal,
// so prompts read it): each (prompt, answer) pair answers the next prompt
// once the output since the last answer shows it. `out` is what the terminal
// showed (stdout and stderr together, with the terminal's line endings);
// `err` stays empty. A run that shows nothing for 20 s is killed.
AdminResult run_admin_on_terminal(const std::vector<std::string>& args, const std::vector<std::string>& env,
                                  const std::vector<std::pair<std::string, std::string>>& answers);

// gtest-friendly description of a result: command, exit code, stdout, stderr.
std::string describe(const AdminResult& r);

// Parses stdout as JSON (Boost.PropertyTree: values are strings, arrays are
// children with empty keys). ADD_FAILURE and an empty tree on bad JSON.
boost::property_tree::ptree parse_json(const AdminResult& r);
// The children of an array node.
std::vector<boost::property_tree::ptree> array(const boost::property_tree::ptree& tree, const std::string& path);

// The number of lines of a text (a trailing newline does not start a new line).
std::size_t line_count(const std::string& text);

// A throwaway SoftHSM token whose PINs are exported to children through
// environment variables, plus the --module/--token options that reach it.
struct AdminToken {
  TokenSpec spec;
  std::string user_pin_var, so_pin_var;  // variable names, unique per token

  explicit AdminToken(const std::string& label);
  // NSS softoken (no PINs).
  explicit AdminToken(const TokenSpec& nss);
  // --module M [--init-args A] --token LABEL
  std::vector<std::string> select() const;
  // select() + --pin-source env:USER
  std::vector<std::string> user() const;
  // "USER=pin", "SO=pin" for run_admin's env.
  std::vector<std::string> env() const;
  // A config file for this token (pin = env:USER_VAR), written to the test
  // directory; `extra` lines go into the token section.
  std::string write_config(const std::string& name, const std::string& extra = "") const;
};

// Command lines: Args{"objects", "--json"} + token.user().
using Args = std::vector<std::string>;
// args + more, for building command lines.
std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b);

// Writes `text` to a new file in the per-process test directory, with `mode`.
std::string write_test_file(const std::string& name, const std::string& text, unsigned mode = 0600);

}  // namespace sslp11::test
