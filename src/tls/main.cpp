// sslp11-tls: a small TLS 1.2 / TLS 1.3 client and server whose every cryptographic
// step goes through sslp11's Ssl* API (the provider config comes from
// $SSLP11_CONF). Handshake parsing and framing live here, not in the library.
//
//   sslp11-tls client --connect 127.0.0.1:PORT --cafile ca.pem --suite NAME[,NAME...]
//                     [--servername NAME] [--no-ems] [--groups LIST] [--key-update] [--resume] [--send TEXT]
//                     [--cert client.pem [--import-key key.pem]]
//   sslp11-tls server --listen 127.0.0.1:PORT --cert cert.pem --suite NAME[,NAME...]
//                     [--once] [--no-ems] [--groups LIST] [--key-update] [--import-key key.pem]
//                     [--verify-client CA.pem]
//   sslp11-tls soak --connect 127.0.0.1:PORT --cafile ca.pem --suite NAME[,NAME...]
//                   [--handshakes N] [--seconds S] [--resume-every K] [--servername NAME] [--no-ems]
//   sslp11-tls suites
//
// Exit status: 0 success, 1 a connection failed, 2 usage, 3 set-up (config,
// token, certificate or suites) failed.
#include <boost/program_options.hpp>
#include <sslp11/sslp11.h>
#include <sslp11/version.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <iostream>
#include <string>
#include <vector>

#include "tls/client.h"
#include "tls/provider.h"
#include "tls/server.h"
#include "tls/soak.h"
#include "tls/suites.h"

namespace po = boost::program_options;
using namespace sslp11::tls;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitConnection = 1;
constexpr int kExitUsage = 2;
constexpr int kExitSetup = 3;

void usage(std::ostream& out) {
  out << "usage: sslp11-tls client --connect HOST:PORT --cafile CA.pem --suite NAME[,NAME...] [options]\n"
         "       sslp11-tls server --listen HOST:PORT --cert CERT.pem --suite NAME[,NAME...] [options]\n"
         "       sslp11-tls soak --connect HOST:PORT --cafile CA.pem --suite NAME[,NAME...] [options]\n"
         "       sslp11-tls suites\n"
         "       sslp11-tls help client|server|soak\n"
         "The provider configuration is read from the file named by $SSLP11_CONF.\n";
}

po::variables_map parse(const po::options_description& desc, const std::vector<std::string>& args) {
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).run(), vm);
  po::notify(vm);
  return vm;
}

void print_provider(const Provider& provider) {
  const char* conf = std::getenv("SSLP11_CONF");
  std::cout << "-- provider: config " << (conf != nullptr ? conf : "(SSLP11_CONF not set: default search)") << ", token '"
            << provider.token_label() << "', derivation path " << provider.derivation_path() << "\n";
}

int run_client(const std::vector<std::string>& args) {
  po::options_description desc("sslp11-tls client options");
  std::string connect, cafile, suites;
  long timeout_ms = 10000;
  desc.add_options()("help,h", "this text")("connect", po::value(&connect)->required(), "server HOST:PORT")(
      "cafile", po::value(&cafile)->required(), "PEM file of trusted CA certificates")(
      "suite", po::value(&suites)->required(),
      "cipher suite(s) to offer, IANA or OpenSSL names, comma-separated; TLS 1.3 suites (TLS_AES_128_GCM_SHA256, ...) "
      "offer TLS 1.3, TLS 1.2 suites TLS 1.2")(
      "servername", po::value<std::string>(), "SNI and the name checked in the certificate (default: the host)")(
      "no-ems", "do not offer the extended master secret (RFC 7627)")(
      "groups", po::value<std::string>(),
      "key-exchange groups to offer, in order (P-256,P-384,P-521,x25519); TLS 1.3 sends a key share for the first")(
      "key-update", "TLS 1.3: after the first exchange send KeyUpdate(update_requested) and --send the text again")(
      "cert", po::value<std::string>(),
      "PEM client certificate (then its chain) for a server that asks for one; its private key must be on the token")(
      "import-key", po::value<std::string>(),
      "test aid: put this PEM private key and --cert on the token as session objects first (as the server's)")(
      "resume", "after the first connection, reconnect and resume: TLS 1.2 by session id, TLS 1.3 with the ticket")(
      "send", po::value<std::string>(), "text to send after the handshake (a newline is added); the reply is printed")(
      "timeout", po::value(&timeout_ms), "socket timeout in milliseconds (default 10000)");
  if (std::find(args.begin(), args.end(), "--help") != args.end() || std::find(args.begin(), args.end(), "-h") != args.end()) {
    std::cout << desc;
    return kExitOk;
  }
  const po::variables_map vm = parse(desc, args);
  ClientOptions options;
  options.connect = connect;
  options.cafile = cafile;
  options.suites = parse_suite_list(suites);
  options.ems = vm.count("no-ems") == 0;
  if (vm.count("servername")) options.server_name = vm["servername"].as<std::string>();
  if (vm.count("send")) options.send = vm["send"].as<std::string>();
  if (vm.count("groups")) options.groups = parse_group_list(vm["groups"].as<std::string>());
  options.key_update = vm.count("key-update") > 0;
  if (vm.count("cert")) options.cert_file = vm["cert"].as<std::string>();
  if (vm.count("import-key")) {
    if (!options.cert_file) throw po::error("--import-key needs --cert");
    options.import_key = vm["import-key"].as<std::string>();
  }
  options.timeout = std::chrono::milliseconds(timeout_ms);
  const bool resume = vm.count("resume") > 0;

  std::unique_ptr<Provider> provider;
  try {
    provider = std::make_unique<Provider>();
    print_provider(*provider);
  } catch (const std::exception& e) {
    std::cerr << "sslp11-tls client: cannot open the provider: " << e.what() << "\n";
    return kExitSetup;
  }
  Client client(*provider, options, std::cout);
  try {
    client.prepare();
  } catch (const std::exception& e) {
    std::cout << "!! " << e.what() << "\n";
    std::cerr << "sslp11-tls client: " << e.what() << "\n";
    return kExitSetup;
  }
  std::vector<ConnectionReport> reports;
  int status = kExitOk;
  {
    ClientSession session;  // released before the provider
    reports.push_back(client.connect(nullptr, resume ? &session : nullptr));
    if (resume && reports.back().ok) {
      if (session.ticket13) {
        std::cout << "-- connection closed; reconnecting to resume with the TLS 1.3 ticket (its PSK kept on the token)\n";
        reports.push_back(client.connect(&session, nullptr));
        if (reports.back().ok && !reports.back().resumed) {
          reports.back().ok = false;
          reports.back().failure = "the server did not accept the ticket (it answered with a full handshake)";
        }
      } else if (!session.master) {
        reports.back().ok = false;
        reports.back().failure = reports.back().protocol == 0x0304 ? "the server sent no NewSessionTicket: nothing to resume"
                                                                    : "the server issued no session id: nothing to resume";
      } else {
        std::cout << "-- connection closed; reconnecting to resume session " << hex(session.session_id).substr(0, 16)
                  << "... with the master key kept on the token\n";
        reports.push_back(client.connect(&session, nullptr));
        if (reports.back().ok && !reports.back().resumed) {
          reports.back().ok = false;
          reports.back().failure = "the server did not resume the session (it answered with a full handshake)";
        }
      }
    }
  }
  for (const auto& r : reports)
    if (!r.ok) status = kExitConnection;
  print_account(std::cout, *provider, reports);
  if (status != kExitOk) std::cerr << "sslp11-tls client: " << reports.back().failure << "\n";
  return status;
}

int run_server(const std::vector<std::string>& args) {
  po::options_description desc("sslp11-tls server options");
  std::string listen, cert, suites;
  long timeout_ms = 10000, idle_ms = 10000, accept_ms = 60000;
  desc.add_options()("help,h", "this text")("listen", po::value(&listen)->required(), "HOST:PORT to listen on (port 0: any)")(
      "cert", po::value(&cert)->required(), "PEM certificate (then its chain); its private key must be on the token")(
      "suite", po::value(&suites)->required(),
      "cipher suite(s) to serve in preference order, comma-separated; with TLS 1.3 suites a client offering TLS 1.3 "
      "gets it")(
      "once", "serve one connection, then exit with its status")("no-ems", "never agree to the extended master secret")(
      "groups", po::value<std::string>(),
      "TLS 1.3 key-share groups in preference order (P-256,P-384,P-521,x25519); a client without a share for the "
      "first one it supports gets a HelloRetryRequest")(
      "key-update", "TLS 1.3: send KeyUpdate(update_requested) after the first reply")(
      "verify-client", po::value<std::string>(),
      "require a client certificate (TLS 1.3 and 1.2) that verifies against this PEM file of CA certificates")(
      "post-handshake-auth",
      "with --verify-client, TLS 1.3: ask for the certificate after the first reply (post-handshake "
      "authentication) when the client offers it, else in the handshake")(
      "import-key", po::value<std::string>(),
      "test aid: put this PEM private key and --cert on the token as session objects first (for tokens such as the "
      "NSS softoken without a database, which keep no token objects)")(
      "timeout", po::value(&timeout_ms), "socket timeout in milliseconds (default 10000)")(
      "idle", po::value(&idle_ms), "close a connection after this many quiet milliseconds (default 10000)")(
      "accept-wait", po::value(&accept_ms), "with --once: wait this long for the client (default 60000)");
  if (std::find(args.begin(), args.end(), "--help") != args.end() || std::find(args.begin(), args.end(), "-h") != args.end()) {
    std::cout << desc;
    return kExitOk;
  }
  const po::variables_map vm = parse(desc, args);
  ServerOptions options;
  options.listen = listen;
  options.cert_file = cert;
  options.suites = parse_suite_list(suites);
  options.once = vm.count("once") > 0;
  if (vm.count("groups")) options.groups = parse_group_list(vm["groups"].as<std::string>());
  options.key_update = vm.count("key-update") > 0;
  options.ems = vm.count("no-ems") == 0;
  if (vm.count("import-key")) options.import_key = vm["import-key"].as<std::string>();
  if (vm.count("verify-client")) options.client_cafile = vm["verify-client"].as<std::string>();
  options.post_handshake_auth = vm.count("post-handshake-auth") > 0;
  if (options.post_handshake_auth && !options.client_cafile) throw po::error("--post-handshake-auth needs --verify-client");
  options.timeout = std::chrono::milliseconds(timeout_ms);
  options.idle = std::chrono::milliseconds(idle_ms);
  options.accept_wait = std::chrono::milliseconds(accept_ms);

  std::unique_ptr<Provider> provider;
  try {
    provider = std::make_unique<Provider>();
    print_provider(*provider);
  } catch (const std::exception& e) {
    std::cerr << "sslp11-tls server: cannot open the provider: " << e.what() << "\n";
    return kExitSetup;
  }
  int status = kExitOk;
  {
    Server server(*provider, options, std::cout);  // released before the provider
    try {
      server.prepare();
    } catch (const std::exception& e) {
      std::cout << "!! " << e.what() << "\n";
      std::cerr << "sslp11-tls server: " << e.what() << "\n";
      return kExitSetup;
    }
    try {
      status = server.run();
    } catch (const std::exception& e) {
      std::cerr << "sslp11-tls server: " << e.what() << "\n";
      return kExitSetup;
    }
  }
  return status;
}

// Exit status: 0 every handshake worked and the token holds what it held
// before; 1 a failure or a leak; the time limit alone is reported, not a failure.
int run_soak(const std::vector<std::string>& args) {
  po::options_description desc("sslp11-tls soak options");
  std::string connect, cafile, suites;
  std::uint64_t handshakes = 10000, resume_every = 0, progress_every = 1000;
  long seconds = 600, timeout_ms = 10000;
  desc.add_options()("help,h", "this text")("connect", po::value(&connect)->required(), "server HOST:PORT")(
      "cafile", po::value(&cafile)->required(), "PEM file of trusted CA certificates")(
      "suite", po::value(&suites)->required(), "cipher suite(s) to offer, IANA or OpenSSL names, comma-separated")(
      "servername", po::value<std::string>(), "SNI and the name checked in the certificate (default: the host)")(
      "no-ems", "do not offer the extended master secret (RFC 7627)")(
      "handshakes,n", po::value(&handshakes), "connections to make (default 10000)")(
      "seconds", po::value(&seconds), "stop after this many seconds even if not done (default 600)")(
      "resume-every", po::value(&resume_every),
      "make every K-th connection resume the last full handshake's session (default 0: all full)")(
      "send", po::value<std::string>(), "the line sent on each connection (the server must echo it reversed, "
                                        "as openssl s_server -rev does)")(
      "progress", po::value(&progress_every), "print a progress line every N handshakes (default 1000, 0: none)")(
      "timeout", po::value(&timeout_ms), "socket timeout in milliseconds (default 10000)");
  if (std::find(args.begin(), args.end(), "--help") != args.end() || std::find(args.begin(), args.end(), "-h") != args.end()) {
    std::cout << desc;
    return kExitOk;
  }
  const po::variables_map vm = parse(desc, args);
  SoakOptions options;
  options.client.connect = connect;
  options.client.cafile = cafile;
  options.client.suites = parse_suite_list(suites);
  options.client.ems = vm.count("no-ems") == 0;
  if (vm.count("servername")) options.client.server_name = vm["servername"].as<std::string>();
  if (vm.count("send")) options.client.send = vm["send"].as<std::string>();
  options.client.timeout = std::chrono::milliseconds(timeout_ms);
  options.handshakes = handshakes;
  options.resume_every = resume_every;
  options.limit = std::chrono::seconds(seconds);
  options.progress_every = progress_every;

  std::unique_ptr<Provider> provider;
  try {
    provider = std::make_unique<Provider>();
    print_provider(*provider);
  } catch (const std::exception& e) {
    std::cerr << "sslp11-tls soak: cannot open the provider: " << e.what() << "\n";
    return kExitSetup;
  }
  SoakResult result;
  try {
    std::cout << "-- soak: " << options.handshakes << " connections to " << options.client.connect
              << (options.resume_every > 0 ? ", every " + std::to_string(options.resume_every) + "th resumed" : "")
              << ", at most " << options.limit.count() << " s" << std::endl;
    result = run_soak(*provider, options, std::cout);
  } catch (const std::exception& e) {
    std::cerr << "sslp11-tls soak: " << e.what() << "\n";
    return kExitSetup;
  }
  print_soak(std::cout, options, result);
  return result.failed == 0 && !result.leaked() ? kExitOk : kExitConnection;
}

int run_suites() {
  Provider provider;
  print_provider(provider);
  for (const SuiteInfo& s : provider.suites()) {
    const char* openssl = openssl_suite_name(s.id);
    std::cout << "  " << s.name << (openssl != nullptr ? std::string("  (") + openssl + ")" : "") << "\n";
  }
  for (const SuiteInfo& s : provider.suites13()) std::cout << "  " << s.name << "  (TLS 1.3)\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  // --version anywhere: operators try it after a command too.
  if (std::find(args.begin(), args.end(), "--version") != args.end()) {
    std::cout << "sslp11-tls " << SSLP11_VERSION_STRING << " (libsslp11 extension API " << Sslp11GetExtensionVersion()
              << ")\n";
    return kExitOk;
  }
  std::string command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "help" && !rest.empty()) {
    command = rest[0];
    rest = {"--help"};
  }
  try {
    if (command == "client") return run_client(rest);
    if (command == "server") return run_server(rest);
    if (command == "soak") return run_soak(rest);
    if (command == "suites") return run_suites();
  } catch (const po::error& e) {
    std::cerr << "sslp11-tls " << command << ": " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::invalid_argument& e) {
    std::cerr << "sslp11-tls " << command << ": " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "sslp11-tls " << command << ": " << e.what() << "\n";
    return kExitSetup;
  }
  std::cerr << "sslp11-tls: unknown command '" << command << "'\n";
  usage(std::cerr);
  return kExitUsage;
}
