// How sslp11-admin fails: the one exit-code table of every subcommand.
// Every failure ends the process with one line on stderr, "sslp11-admin
// SUBCOMMAND: CAUSE", and one of these exit codes:
//   0    success
//   1    the operation failed (token, PIN, object, a doctor check, self-test...)
//   2    usage or configuration error (bad option, config file, PIN source,
//        a module that cannot be loaded)
//   130  interrupted by Ctrl-C (SIGINT) after printing partial results (bench);
//        128 + SIGINT, what a shell reports for a process SIGINT ended
// A subcommand throws UsageError or OperationError (or lets a layer's error
// through) and exit_code_for() alone picks the code; no subcommand returns
// 1, 2 or 130 for an error of its own. PINs never appear in any message.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace sslp11::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInterrupted = 130;

// The table as `sslp11-admin --help` prints it; README's operator guide
// repeats these words.
inline constexpr std::string_view kExitCodeTable =
    "Exit codes: 0 success, 1 the operation failed (token, PIN, object, doctor check, self-test),\n"
    "2 usage or configuration error (option, config file, PIN source, a module that cannot be loaded),\n"
    "130 interrupted by Ctrl-C after printing partial results (bench).\n";

// Exit 2: the command line or the configuration is wrong.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Exit 1: the token or the operation refused.
class OperationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Exit 130: Ctrl-C stopped the operation; what it had measured is printed.
class InterruptedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The exit code for an exception escaping a subcommand.
int exit_code_for(const std::exception& e) noexcept;

// `message` on one line: newlines and tabs become "; " and blanks.
std::string one_line(std::string message);

}  // namespace sslp11::cli
