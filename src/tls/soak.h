// sslp11-tls soak: many TLS 1.2 connections, one after the other, against one
// server (e.g. `openssl s_server -tls1_2 -rev`), each a fresh TCP connection
// with a full handshake (every k-th optionally resumed by session id), a line
// of application data and the reversed echo checked, bounded in time. It
// counts failures by cause and reports handshakes/s and the provider's token
// object and handle counts before and after (growth would be a leak).
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>

#include "tls/client.h"
#include "tls/provider.h"

namespace sslp11::tls {

struct SoakOptions {
  ClientOptions client;           // connect, cafile, suites, ems; `send` is the line echoed reversed
  std::uint64_t handshakes = 10000;
  std::uint64_t resume_every = 0;  // k > 0: every k-th connection resumes the last full one's session
  std::chrono::seconds limit{600};  // stop early (and say so) when this is used up
  std::uint64_t progress_every = 1000;
};

struct SoakResult {
  std::uint64_t attempted = 0, full_ok = 0, resumed_ok = 0, failed = 0;
  std::map<std::string, std::uint64_t> failures;  // cause -> count
  std::map<std::string, std::string> first_failure;  // cause -> its first full message
  double seconds = 0;
  bool stopped_by_limit = false;
  std::size_t objects_before = 0, objects_after = 0;
  std::size_t handles_before = 0, handles_after = 0;
  bool leaked() const { return objects_after != objects_before || handles_after != handles_before; }
};

// Runs the soak; progress lines go to `out`. Throws std::runtime_error when
// the client cannot be set up (no suite the token can run).
SoakResult run_soak(const Provider& provider, const SoakOptions& options, std::ostream& out);

void print_soak(std::ostream& out, const SoakOptions& options, const SoakResult& result);

}  // namespace sslp11::tls
