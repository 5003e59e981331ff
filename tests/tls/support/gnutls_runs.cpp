#include "tls/support/gnutls_runs.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <iterator>
#include <memory>

#include <sslp11/sslprovider.hpp>

#include "support/provider_env.h"
#include "tls/support/pki.h"
#include "tls/support/process.h"
#include "tls/support/tls_runs.h"

namespace sslp11::tlstest {

namespace {

constexpr auto kStartWait = 10s;
constexpr auto kRunWait = 20s;
// Start, echo and exits stay within the tests' 30 s even when every wait runs out.
constexpr auto kEchoWait = 12s;
// GnuTLS's default priority string, named rather than left implicit so a
// system-wide override (@SYSTEM) cannot change what the tests negotiate.
constexpr const char* kPriority = "NORMAL";

// Whether something accepts TCP connections on 127.0.0.1:`port` right now.
bool accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// gnutls-serv says nothing on stdout when it listens (and its stderr wording
// is not an interface), so: probe the port until it accepts. The probe is one
// aborted connection, which gnutls-serv logs and forgets.
bool wait_listening(ChildProcess& process, std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (accepts(port)) return true;
    // Keeps its pipes drained while waiting (the needle is never printed).
    process.wait_for("\n\x01", 50ms, /*in_stderr=*/true);
    ::usleep(20000);
  }
  return false;
}

// "$ argv...\n": the first line of ChildProcess::describe().
std::string command_line(const ChildProcess& process) {
  const std::string d = process.describe();
  return d.substr(0, d.find('\n') + 1);
}

void collect(GnutlsRunResult& run, const ChildProcess& ours, const ChildProcess& peer) {
  run.ours_out = ours.out();
  run.ours_err = ours.err();
  run.peer_out = peer.out();
  run.peer_err = peer.err();
  run.commands = command_line(peer) + command_line(ours);
}

}  // namespace

std::string GnutlsRunResult::describe() const {
  std::string s;
  if (!setup_error.empty()) s += "set-up: " + setup_error + "\n";
  s += commands;
  s += "sslp11-tls exit: " + (ours ? std::to_string(*ours) : std::string("timed out / killed")) +
       "\n--- sslp11-tls stdout:\n" + ours_out + "--- sslp11-tls stderr:\n" + ours_err +
       "\n--- GnuTLS peer exit: " + (peer ? std::to_string(*peer) : std::string("killed/timed out")) +
       "\n--- GnuTLS peer stdout:\n" + peer_out + "--- GnuTLS peer stderr:\n" + peer_err;
  return s;
}

GnutlsRunResult run_against_gnutls_serv(const TokenSpec& token, const GnutlsServRun& spec) {
  const TestPki& pki = test_pki();
  const bool ecdsa = spec.cert == ServerCert::ecdsa;
  const std::uint16_t port = free_port();
  // gnutls-serv asks for a client certificate by default, but accepts none:
  // unless the run is about client authentication, it asks for none.
  std::vector<std::string> serv{"gnutls-serv", "--echo", "--port", std::to_string(port), "--x509certfile",
                                ecdsa ? pki.ec_cert : pki.rsa_cert, "--x509keyfile", ecdsa ? pki.ec_key : pki.rsa_key,
                                "--priority", kPriority};
  if (spec.require_client_cert) {
    serv.insert(serv.end(), {"--require-client-cert", "--x509cafile", pki.ca});
  } else {
    serv.emplace_back("--disable-client-cert");
  }
  ChildProcess peer(serv);
  GnutlsRunResult run;
  if (!wait_listening(peer, port, kStartWait)) {
    peer.wait_exit(300ms);
    run.setup_error = "gnutls-serv did not start listening: " + peer.describe();
    return run;
  }
  std::vector<std::string> client{tls_binary(), "client", "--connect", "127.0.0.1:" + std::to_string(port),
                                  "--cafile", pki.ca, "--servername", "localhost", "--suite", spec.suites,
                                  "--send", spec.text};
  client.insert(client.end(), spec.args.begin(), spec.args.end());
  ChildProcess ours(client, {"SSLP11_CONF=" + test::write_provider_config(token)});
  run.ours = ours.wait_exit(kRunWait);
  run.peer = peer.wait_exit(300ms);  // gnutls-serv keeps serving: collect its output, then it is killed
  collect(run, ours, peer);
  return run;
}

GnutlsRunResult run_gnutls_cli(const TokenSpec& token, const GnutlsCliRun& spec) {
  const TestPki& pki = test_pki();
  GnutlsRunResult run;
  std::unique_ptr<ServerUnderTest> server;
  try {
    server = std::make_unique<ServerUnderTest>(token, spec.suites, spec.args, /*once=*/!spec.resume);
  } catch (const std::exception& e) {
    run.setup_error = e.what();
    return run;
  }
  ChildProcess& ours = server->process();
  // By address, so it is the loopback our server listens on (not ::1); the
  // name goes in SNI and is what the certificate is checked against.
  std::vector<std::string> cli{"gnutls-cli", "--port", std::to_string(server->port()), "--x509cafile", pki.ca,
                               "--priority", kPriority, "--sni-hostname", "localhost", "--verify-hostname",
                               "localhost"};
  if (spec.resume) cli.emplace_back("--resume");
  if (spec.resume && spec.tls13) cli.emplace_back("--waitresumption");
  if (spec.rekey) cli.emplace_back("--inline-commands");
  cli.insert(cli.end(), spec.peer_args.begin(), spec.peer_args.end());
  cli.emplace_back("127.0.0.1");
  ChildProcess peer(cli, {}, /*pipe_stdin=*/true);
  try {
    // gnutls-cli reads stdin only once its (last) handshake is done; the line
    // waits in the pipe until then.
    peer.write_stdin((spec.rekey ? "^rekey^\n" : "") + spec.text + "\n");
  } catch (const std::exception&) {
    // gnutls-cli already gave up (a failed handshake): its output says why.
  }
  // Our server echoes the line; gnutls-cli prints what it receives.
  peer.wait_for(spec.text, kEchoWait);
  // EOF on stdin: gnutls-cli sends close_notify and leaves once we answer it.
  peer.close_stdin();
  run.peer = peer.wait_exit(5s);
  if (spec.resume) {
    // Not --once: the server keeps listening. Let it print its account of
    // the last connection (its protocol line follows the data), then collect
    // its output (it is killed).
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto data = ours.out().find(received_line(spec.text));
      if (data != std::string::npos && ours.out().find(kOurProtocolLine, data) != std::string::npos) break;
      ours.wait_for("\n\x01", 100ms);  // reads its output (the needle is never printed)
      ::usleep(10000);
    }
    run.ours = ours.wait_exit(500ms);
  } else {
    run.ours = ours.wait_exit(5s);
  }
  collect(run, ours, peer);
  return run;
}

std::string gnutls_version(const std::string& peer_out, bool last) {
  static constexpr std::string_view kDescription = "- Description: (";
  const auto at = last ? peer_out.rfind(kDescription) : peer_out.find(kDescription);
  if (at == std::string::npos) return {};
  const auto from = at + kDescription.size();
  return peer_out.substr(from, peer_out.find('-', from) - from);
}

bool ours_negotiated(const std::string& ours_out, std::string_view version) {
  return ours_out.find(std::string(kOurProtocolLine) + std::string(version) + "\n") != std::string::npos;
}

std::string received_line(const std::string& text) {
  return "<< application data: " + std::to_string(text.size() + 1) + " bytes: \"" + text + "\\n\"";
}

bool token_offers_suite(const TokenSpec& token, const std::string& suite) {
  const test::ProviderHandle provider(token, "", "gnutls-suites");
  if (provider.get() == 0) return false;
  bool found = false;
  NCRYPT_SSL_CIPHER_SUITE* entry = nullptr;
  void* state = nullptr;
  while (SslEnumCipherSuites(provider.get(), 0, &entry, &state, 0) == ERROR_SUCCESS) {
    const SslBuffer<NCRYPT_SSL_CIPHER_SUITE> owned(entry);
    // By the provider's own name (ASCII in UTF-16), not sslp11-tls's table.
    std::string name;
    for (const WCHAR* c = entry->szCipherSuite; *c != 0 && c < std::end(entry->szCipherSuite); ++c)
      name.push_back(static_cast<char>(*c));
    if (name == suite) found = true;
  }
  if (state != nullptr) SslFreeBuffer(state);
  return found;
}

}  // namespace sslp11::tlstest
