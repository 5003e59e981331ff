#include "tls/soak.h"

#include <algorithm>
#include <cctype>
#include <iomanip>
#include <ostream>
#include <streambuf>

#include "tls/suites.h"

namespace sslp11::tls {

namespace {

// The per-connection narration of Client goes nowhere during a soak.
class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return c == traits_type::eof() ? 0 : c; }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

// A failure's cause: its message up to the first ':' with numbers blanked, so
// that "read timed out after 10000 ms" and the like count as one cause.
std::string cause_of(const std::string& failure) {
  std::string cause = failure.substr(0, failure.find(':'));
  for (char& c : cause)
    if (std::isdigit(static_cast<unsigned char>(c))) c = '#';
  cause.erase(std::unique(cause.begin(), cause.end(), [](char a, char b) { return a == '#' && b == '#'; }),
              cause.end());
  if (cause.size() > 100) cause.resize(100);
  return cause.empty() ? "(no reason given)" : cause;
}

std::string expected_echo(const std::string& line) {
  std::string echo(line.rbegin(), line.rend());
  return echo + "\n";
}

void count_failure(SoakResult& r, const std::string& failure) {
  ++r.failed;
  const std::string cause = cause_of(failure);
  if (r.failures[cause]++ == 0) r.first_failure[cause] = failure;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The leak account: objects on the provider's token, live sslp11 handles.
std::size_t token_object_count(const Provider& provider) {
  DWORD n = 0;
  check(Sslp11CountTokenObjects(provider.get(), &n, 0), "Sslp11CountTokenObjects");
  return n;
}

std::size_t live_handle_count() {
  DWORD n = 0;
  check(Sslp11CountLiveHandles(&n, 0), "Sslp11CountLiveHandles");
  return n;
}

}  // namespace

SoakResult run_soak(const Provider& provider, const SoakOptions& options, std::ostream& out) {
  NullBuffer null_buffer;
  std::ostream quiet(&null_buffer);
  SoakOptions o = options;
  if (!o.client.send) o.client.send = "sslp11 soak";
  o.client.account = false;  // no account is printed: the timed handshakes ask the token nothing for one
  const std::string echo = expected_echo(*o.client.send);
  Client client(provider, o.client, quiet);
  client.prepare();

  SoakResult r;
  // The TLS 1.3 schedule's zeros secrets (one per hash) are made on first use
  // and kept by the provider for the token: one connection first, not counted,
  // so that only growth over the soak is counted.
  if (std::any_of(o.client.suites.begin(), o.client.suites.end(), is_tls13_suite)) {
    const ConnectionReport warm_up = client.connect(nullptr, nullptr);
    out << "-- soak: one TLS 1.3 warm-up connection before counting token objects ("
        << (warm_up.ok ? "ok" : "failed: " + warm_up.failure) << ")" << std::endl;
  }
  r.objects_before = token_object_count(provider);
  r.handles_before = live_handle_count();
  const auto start = std::chrono::steady_clock::now();
  {
    ClientSession session;  // the last full handshake's, for resumption; released before counting
    for (std::uint64_t i = 0; i < o.handshakes; ++i) {
      if (seconds_since(start) >= static_cast<double>(o.limit.count())) {
        r.stopped_by_limit = true;
        break;
      }
      // A TLS 1.2 session id and master key, or a TLS 1.3 ticket.
      const bool resume =
          o.resume_every > 0 && (i + 1) % o.resume_every == 0 && (session.master || session.ticket13);
      ClientSession fresh;
      ++r.attempted;
      // Only kept when resumption is wanted (a TLS 1.3 client waits for the ticket then).
      const ConnectionReport report =
          client.connect(resume ? &session : nullptr, resume || o.resume_every == 0 ? nullptr : &fresh);
      const std::string received(report.received.begin(), report.received.end());
      if (!report.ok) {
        count_failure(r, report.failure);
      } else if (resume && !report.resumed) {
        count_failure(r, "not resumed: the server answered a resumption with a full handshake");
      } else if (received != echo) {
        count_failure(r, "wrong echo: the reply was not the reversed line (" + std::to_string(received.size()) +
                             " bytes)");
      } else if (report.resumed) {
        ++r.resumed_ok;
      } else {
        ++r.full_ok;
        if (o.resume_every > 0 && (fresh.master || fresh.ticket13)) session = std::move(fresh);
      }
      if (o.progress_every > 0 && (i + 1) % o.progress_every == 0) {
        const double s = seconds_since(start);
        out << "  " << std::setw(7) << (i + 1) << " handshakes, " << r.failed << " failed, " << std::fixed
            << std::setprecision(1) << s << " s, " << (s > 0 ? static_cast<double>(i + 1) / s : 0.0)
            << " handshakes/s" << std::endl;
      }
    }
  }
  r.seconds = seconds_since(start);
  r.objects_after = token_object_count(provider);
  r.handles_after = live_handle_count();
  return r;
}

void print_soak(std::ostream& out, const SoakOptions& options, const SoakResult& r) {
  const double rate = r.seconds > 0 ? static_cast<double>(r.attempted) / r.seconds : 0.0;
  out << "soak: " << r.attempted << " of " << options.handshakes << " handshakes (" << r.full_ok << " full, "
      << r.resumed_ok << " resumed ok) against " << options.client.connect << " in " << std::fixed
      << std::setprecision(1) << r.seconds << " s: " << std::setprecision(1) << rate << " handshakes/s; failures "
      << r.failed << "\n";
  for (const auto& [cause, n] : r.failures) {
    out << "  failure x" << n << ": " << cause << "\n    first: " << r.first_failure.at(cause) << "\n";
  }
  if (r.stopped_by_limit) {
    out << "soak: stopped at the time limit (" << options.limit.count() << " s) after " << r.attempted << " of "
        << options.handshakes << " handshakes\n";
  }
  out << "soak: token objects " << r.objects_before << " -> " << r.objects_after << ", handles " << r.handles_before
      << " -> " << r.handles_after << (r.leaked() ? "  (LEAK)" : "") << "\n";
}

}  // namespace sslp11::tls
