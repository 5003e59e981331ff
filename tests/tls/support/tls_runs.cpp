#include "tls/support/tls_runs.h"

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>
#include <thread>

#include <sslp11/sslprovider.hpp>

#include "support/provider_env.h"
#include "tls/suites.h"
#include "tls/support/pki.h"
#include "tls/pem_files.h"

namespace sslp11::tlstest {

namespace {

constexpr auto kStartWait = 10s;
constexpr auto kRunWait = 20s;

// A suite by either name: its id and OpenSSL's name (for -cipher; a TLS 1.3
// suite's OpenSSL name, for -ciphersuites, is its IANA name).
struct NamedSuite {
  std::uint32_t id;
  std::string openssl;
};
NamedSuite suite_named(const std::string& name) {
  const std::optional<std::uint32_t> id = tls::find_suite_id(name);
  if (id && tls::is_tls13_suite(*id)) return {*id, *tls::iana_suite_name(*id)};
  if (!id || tls::openssl_suite_name(*id) == nullptr) throw std::invalid_argument("unknown suite " + name);
  return {*id, tls::openssl_suite_name(*id)};
}

std::string first_suite(const std::string& list) { return list.substr(0, list.find(',')); }

}  // namespace

TokenKey::TokenKey(const TokenSpec& token, const std::string& key_pem, const std::string& cert_pem)
    : provider_(std::make_unique<test::ProviderHandle>(token, "", "tls-setup")) {
  if (provider_->get() == 0) throw std::runtime_error("cannot open the provider to put a key on the token");
  const tls::Bytes key = tls::read_file(key_pem), cert = tls::read_file(cert_pem);
  const SECURITY_STATUS s = Sslp11ImportPemKey(provider_->get(), key.data(), static_cast<DWORD>(key.size()),
                                               cert.data(), static_cast<DWORD>(cert.size()), "sslp11-tls test key",
                                               id_.data(), SSLP11_IMPORT_TOKEN_OBJECTS);
  if (s != ERROR_SUCCESS) throw std::runtime_error(failure_text("Sslp11ImportPemKey", s));
}

TokenKey::~TokenKey() { Sslp11DeleteImportedKey(provider_->get(), id_.data(), static_cast<DWORD>(id_.size()), 0); }

std::vector<std::string> key_on_token(const TokenSpec& token, const std::string& key_pem, const std::string& cert_pem,
                                      std::unique_ptr<TokenKey>& holder) {
  if (token.name == "softhsm") {
    holder = std::make_unique<TokenKey>(token, key_pem, cert_pem);
    return {};
  }
  return {"--import-key", key_pem};
}

ServerUnderTest::ServerUnderTest(const TokenSpec& token, const std::string& suites, std::vector<std::string> args,
                                 bool once, std::optional<bool> ecdsa_cert)
    : port_(free_port()) {
  const TestPki& pki = test_pki();
  const bool ecdsa = ecdsa_cert.value_or(tls::suite_uses_ecdsa(suite_named(first_suite(suites)).id));
  const std::string cert = ecdsa ? pki.ec_cert : pki.rsa_cert;
  const std::string key = ecdsa ? pki.ec_key : pki.rsa_key;
  std::vector<std::string> server{tls_binary(), "server", "--listen", "127.0.0.1:" + std::to_string(port_), "--cert",
                                  cert, "--suite", suites, "--idle", "5000", "--accept-wait", "15000"};
  if (once) server.push_back("--once");
  const std::vector<std::string> import = key_on_token(token, key, cert, key_);
  server.insert(server.end(), import.begin(), import.end());
  server.insert(server.end(), args.begin(), args.end());
  process_ = std::make_unique<ChildProcess>(server, std::vector<std::string>{"SSLP11_CONF=" + test::write_provider_config(token)});
  if (!process_->wait_for("-- listening on", kStartWait)) {
    process_->wait_exit(2s);
    throw std::runtime_error("sslp11-tls server did not start listening:\n" + process_->describe());
  }
}

ServerUnderTest::~ServerUnderTest() {
  process_.reset();  // reaped before its key leaves the token
  key_.reset();
}

std::string RunResult::describe() const {
  std::string s;
  if (!setup_error.empty()) s += "set-up: " + setup_error + "\n";
  s += "sslp11-tls exit: " + (ours ? std::to_string(*ours) : std::string("timed out")) + "\n--- sslp11-tls stdout:\n" +
       ours_out + "--- sslp11-tls stderr:\n" + ours_err + "\n--- openssl exit: " +
       (peer ? std::to_string(*peer) : std::string("killed/timed out")) + "\n--- openssl stdout:\n" + peer_out +
       "--- openssl stderr:\n" + peer_err;
  return s;
}

bool s_client_echoes(const std::vector<std::string>& s_client, const std::string& text) {
  ChildProcess peer(s_client, {}, /*pipe_stdin=*/true);
  peer.write_stdin(text + "\n");
  const bool echoed = peer.wait_for(text, kRunWait);
  peer.close_stdin();
  peer.wait_exit(10s);
  return echoed;
}

std::string reversed(std::string text) {
  std::reverse(text.begin(), text.end());
  return text;
}

RunResult run_client(const TokenSpec& token, const ClientRun& spec) {
  const TestPki& pki = test_pki();
  const NamedSuite suite = suite_named(spec.suite);
  const bool ecdsa = spec.tls13 ? spec.ecdsa_cert : tls::suite_uses_ecdsa(suite.id);
  const std::string port = std::to_string(free_port());
  std::vector<std::string> s_server{"openssl", "s_server", spec.tls13 ? "-tls1_3" : "-tls1_2", "-accept", "127.0.0.1:" + port,
                                    "-cert", ecdsa ? pki.ec_cert : pki.rsa_cert, "-key", ecdsa ? pki.ec_key : pki.rsa_key,
                                    "-rev", spec.tls13 ? "-ciphersuites" : "-cipher", suite.openssl, "-dhparam", pki.dh_params};
  s_server.insert(s_server.end(), spec.peer_args.begin(), spec.peer_args.end());
  std::vector<std::string> peer_env;
  if (!spec.peer_ems) peer_env.push_back("OPENSSL_CONF=" + pki.no_ems_conf);
  RunResult run;
  ChildProcess peer(s_server, peer_env);
  if (!peer.wait_for("ACCEPT", kStartWait)) {
    run.setup_error = "openssl s_server did not start: " + peer.describe();
    return run;
  }
  std::optional<TamperProxy> proxy;
  std::string connect_port = port;
  if (spec.tampering) {
    proxy.emplace(static_cast<std::uint16_t>(std::stoi(port)), spec.tampering->direction, spec.tampering->tamper);
    connect_port = std::to_string(proxy->port());
  }
  std::vector<std::string> client{tls_binary(), "client", "--connect", "127.0.0.1:" + connect_port,
                                  "--cafile", spec.cafile.value_or(pki.ca), "--servername", spec.server_name,
                                  "--suite", spec.our_suites.value_or(spec.suite), "--send", spec.text};
  client.insert(client.end(), spec.args.begin(), spec.args.end());
  ChildProcess ours(client, {"SSLP11_CONF=" + test::write_provider_config(token)});
  run.ours = ours.wait_exit(kRunWait);
  run.peer = peer.wait_exit(300ms);  // s_server keeps serving: collect its output, then it is killed
  run.ours_out = ours.out();
  run.ours_err = ours.err();
  run.peer_out = peer.out();
  run.peer_err = peer.err();
  run.tampered = proxy && proxy->tampered();
  return run;
}

RunResult run_server(const TokenSpec& token, const ServerRun& spec) {
  const TestPki& pki = test_pki();
  RunResult run;
  std::unique_ptr<ServerUnderTest> server;
  try {
    server = std::make_unique<ServerUnderTest>(token, spec.suites, spec.args, /*once=*/true, spec.ecdsa_cert);
  } catch (const std::exception& e) {
    run.setup_error = e.what();
    return run;
  }
  ChildProcess& ours = server->process();
  std::optional<TamperProxy> proxy;
  std::string connect_port = std::to_string(server->port());
  if (spec.tampering) {
    proxy.emplace(server->port(), spec.tampering->direction, spec.tampering->tamper);
    connect_port = std::to_string(proxy->port());
  }
  std::vector<std::string> s_client{"openssl", "s_client", "-connect", "127.0.0.1:" + connect_port,
                                    "-CAfile", pki.ca, "-verify_return_error", "-servername", "localhost",
                                    spec.tls13 ? "-ciphersuites" : "-cipher", spec.peer_cipher, "-quiet", "-no_ign_eof"};
  if (spec.tls13) {
    s_client.insert(s_client.begin() + 2, "-tls1_3");
  } else if (spec.peer_tls12_only) {
    s_client.insert(s_client.begin() + 2, "-tls1_2");
  }
  s_client.insert(s_client.end(), spec.peer_args.begin(), spec.peer_args.end());
  std::vector<std::string> peer_env;
  if (!spec.peer_ems) peer_env.push_back("OPENSSL_CONF=" + pki.no_ems_conf);
  ChildProcess peer(s_client, peer_env, /*pipe_stdin=*/true);
  try {
    peer.write_stdin(spec.text + "\n");
  } catch (const std::exception&) {
    // s_client already gave up (a failed handshake): its output says why.
  }
  if (spec.expect_echo) {
    peer.wait_for(spec.text, kRunWait);
    for (const std::string& line : spec.more_lines) {
      try {
        peer.write_stdin(line + "\n");
      } catch (const std::exception&) {
        break;
      }
      if (line.size() > 1) {
        peer.wait_for(line, kRunWait);
      } else {
        // s_client takes a whole read of stdin as one command: let it act before the next line.
        std::this_thread::sleep_for(300ms);
      }
    }
    peer.close_stdin();
    run.peer = peer.wait_exit(10s);
    run.ours = ours.wait_exit(10s);
  } else {
    // A failure is expected: keep s_client reading until our server has
    // ended the connection, so it sees the alert instead of leaving first.
    run.ours = ours.wait_exit(kRunWait);
    peer.close_stdin();
    run.peer = peer.wait_exit(10s);
  }
  run.ours_out = ours.out();
  run.ours_err = ours.err();
  run.peer_out = peer.out();
  run.peer_err = peer.err();
  run.tampered = proxy && proxy->tampered();
  return run;
}

}  // namespace sslp11::tlstest
