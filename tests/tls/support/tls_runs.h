// Running sslp11-tls against OpenSSL's command-line peer, bounded in time,
// with both processes always reaped:
//   run_client: openssl s_server -tls1_2 -rev  <-  sslp11-tls client --send TEXT
//   run_server: sslp11-tls server --once       <-  openssl s_client -tls1_2 (TEXT on stdin)
// With `tls13`, the peer speaks TLS 1.3 only (-tls1_3, -ciphersuites).
// Optionally through a TamperProxy. The oracle is the OpenSSL peer: what it
// echoes (reversed by s_server -rev) or prints (s_client's stdout).
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sslp11/sslp11.h>

#include "support/provider_env.h"
#include "support/test_tokens.h"
#include "tls/support/process.h"
#include "tls/support/tamper_proxy.h"

namespace sslp11::tlstest {

using test::TokenSpec;

struct Tampering {
  TamperProxy::Direction direction;
  TamperProxy::Tamper tamper;
};

struct RunResult {
  std::optional<int> ours;  // exit status of sslp11-tls (nullopt: timed out, killed)
  std::optional<int> peer;  // exit status of the openssl peer
  std::string ours_out, ours_err, peer_out, peer_err;
  bool tampered = false;
  std::string setup_error;  // the run could not start (peer never listened, ...)
  std::string describe() const;
};

struct ClientRun {
  std::string suite;                       // OpenSSL name; also the s_server -cipher
  std::string server_name = "localhost";   // --servername
  std::string text = "hello from sslp11-tls";
  bool peer_ems = true;                    // false: OPENSSL_CONF turns EMS off in s_server
  std::vector<std::string> args;           // extra sslp11-tls client arguments
  std::vector<std::string> peer_args;      // extra s_server arguments
  std::optional<std::string> cafile;       // default: the test CA
  std::optional<Tampering> tampering;
  bool tls13 = false;                      // s_server -tls1_3 -ciphersuites SUITE instead of -tls1_2 -cipher SUITE
  std::optional<std::string> our_suites;   // sslp11-tls --suite, when not `suite`
  bool ecdsa_cert = false;                 // TLS 1.3: the peer serves the EC certificate (else RSA)
};
RunResult run_client(const TokenSpec& token, const ClientRun& spec);

struct ServerRun {
  std::string suites;                      // sslp11-tls --suite
  std::string peer_cipher;                 // s_client -cipher
  std::string text = "hello from openssl s_client";
  bool peer_ems = true;
  bool expect_echo = true;                 // wait for the echo before closing s_client's stdin
  // false: s_client without -tls1_2, so it may offer TLS 1.3 (our server still
  // answers TLS 1.2). OpenSSL 3.0 lists FFDHE groups in supported_groups only then.
  bool peer_tls12_only = true;
  std::vector<std::string> args;           // extra sslp11-tls server arguments
  std::vector<std::string> peer_args;      // extra s_client arguments
  std::optional<Tampering> tampering;
  bool tls13 = false;                      // s_client -tls1_3 -ciphersuites instead of -tls1_2 -cipher
  std::optional<bool> ecdsa_cert;          // our server's certificate; default: as the first suite needs
  // After the first echo: more lines for s_client's stdin, each waited for in
  // its output unless it is a one-letter command ("K": KeyUpdate).
  std::vector<std::string> more_lines;
};
RunResult run_server(const TokenSpec& token, const ServerRun& spec);

// A key and its certificate as private token objects on SoftHSM, made by
// this (test) process with C_CreateObject (Sslp11ImportPemKey) and destroyed
// with this object.
class TokenKey {
 public:
  TokenKey(const TokenSpec& token, const std::string& key_pem, const std::string& cert_pem);
  ~TokenKey();
  TokenKey(const TokenKey&) = delete;
  TokenKey& operator=(const TokenKey&) = delete;

 private:
  std::unique_ptr<test::ProviderHandle> provider_;
  std::array<BYTE, SSLP11_IMPORTED_KEY_ID_LENGTH> id_{};
};

// Puts `key_pem` with `cert_pem` where sslp11-tls (server or client --cert)
// finds it: on SoftHSM as token objects kept in `holder`; the NSS softoken,
// which keeps no token objects, gets them from sslp11-tls itself: the
// returned arguments (--import-key) say so.
std::vector<std::string> key_on_token(const TokenSpec& token, const std::string& key_pem, const std::string& cert_pem,
                                      std::unique_ptr<TokenKey>& holder);

// sslp11-tls server listening on a free port, its key and certificate on the
// token (key_on_token).
class ServerUnderTest {
 public:
  // Throws std::runtime_error when the server does not start listening.
  // `ecdsa_cert`: the EC or RSA certificate; default: what the first suite needs.
  ServerUnderTest(const TokenSpec& token, const std::string& suites, std::vector<std::string> args, bool once,
                  std::optional<bool> ecdsa_cert = std::nullopt);
  ~ServerUnderTest();
  std::uint16_t port() const noexcept { return port_; }
  ChildProcess& process() noexcept { return *process_; }

 private:
  std::unique_ptr<TokenKey> key_;
  std::uint16_t port_;
  std::unique_ptr<ChildProcess> process_;
};

// Runs `s_client` (the whole command line), sends `text` and closes its
// stdin once the echo of our server came back; false when it did not.
bool s_client_echoes(const std::vector<std::string>& s_client, const std::string& text);

// The reverse of `text` (what s_server -rev sends back).
std::string reversed(std::string text);

}  // namespace sslp11::tlstest
