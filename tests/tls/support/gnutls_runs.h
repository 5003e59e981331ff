// Running sslp11-tls against GnuTLS's command-line peer (gnutls-bin), bounded
// in time, with every process always reaped:
//   run_against_gnutls_serv: gnutls-serv --echo  <-  sslp11-tls client --send TEXT
//   run_gnutls_cli:          sslp11-tls server   <-  gnutls-cli (TEXT on stdin)
// GnuTLS runs with its default priority string, NORMAL (every version it
// has, TLS 1.3 first), so which version is negotiated is decided by what
// sslp11-tls offers or accepts. The oracle is the GnuTLS peer: what it echoes
// (gnutls-serv --echo sends each line back unchanged), what it prints
// (gnutls-cli's stdout), and the version it reports ("- Description: (TLS1.x-").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/test_tokens.h"

namespace sslp11::tlstest {

using test::TokenSpec;

// The line of sslp11-tls's account that names the negotiated protocol,
// without the version ("1.2", "1.3"). The one place that knows its wording.
inline constexpr std::string_view kOurProtocolLine = "protocol TLS ";
// The account's line naming the negotiated suite, without the suite's IANA name.
inline constexpr std::string_view kOurSuiteLine = "cipher suite     ";
// The account's verdict that every secret of a connection was a sensitive,
// non-extractable token object.
inline constexpr std::string_view kEverySecretOnToken = "=> every secret of this connection lived on the token";

struct GnutlsRunResult {
  std::optional<int> ours;  // exit status of sslp11-tls (nullopt: timed out, killed)
  std::optional<int> peer;  // exit status of the GnuTLS peer (nullopt: killed)
  std::string ours_out, ours_err, peer_out, peer_err;
  std::string commands;     // both command lines, for the failure message
  std::string setup_error;  // the run could not start (peer never listened, ...)
  std::string describe() const;
};

enum class ServerCert { ecdsa, rsa };

struct GnutlsServRun {
  std::string suites;  // sslp11-tls client --suite
  ServerCert cert = ServerCert::ecdsa;
  std::string text = "hello from sslp11-tls";
  std::vector<std::string> args;  // extra sslp11-tls client arguments (--resume, ...)
  // gnutls-serv --require-client-cert with the test CA (default: it asks for none).
  bool require_client_cert = false;
};
GnutlsRunResult run_against_gnutls_serv(const TokenSpec& token, const GnutlsServRun& spec);

struct GnutlsCliRun {
  std::string suites;  // sslp11-tls server --suite (its certificate follows the first one)
  std::string text = "hello from gnutls-cli";
  // gnutls-cli --resume: a full handshake, disconnect, then a resumed one
  // (with --waitresumption when `tls13`, so the ticket has arrived first).
  bool resume = false;
  bool tls13 = false;
  // gnutls-cli --inline-commands and "^rekey^" before the text: a TLS 1.3
  // KeyUpdate that also asks our server to update its keys.
  bool rekey = false;
  std::vector<std::string> args;  // extra sslp11-tls server arguments
  std::vector<std::string> peer_args;  // extra gnutls-cli arguments (--x509certfile, ...)
};
GnutlsRunResult run_gnutls_cli(const TokenSpec& token, const GnutlsCliRun& spec);

// What gnutls-cli prints once it has sent its KeyUpdate (^rekey^).
inline constexpr std::string_view kGnutlsRekeyed = "- Rekey was completed";

// The version a GnuTLS peer reports in its "- Description: (TLS1.x-..." line
// ("TLS1.2", "TLS1.3"), empty if it printed none. With `last`, the last such
// line (gnutls-cli --resume prints one per connection).
std::string gnutls_version(const std::string& peer_out, bool last = false);

// sslp11-tls's account says it negotiated TLS `version` ("1.2", "1.3").
bool ours_negotiated(const std::string& ours_out, std::string_view version);

// The application-data line sslp11-tls prints for `text` received (a newline
// appended, as --send and gnutls-cli add).
std::string received_line(const std::string& text);

// Whether the token's provider lists `suite` (IANA name) in SslEnumCipherSuites
// for any protocol.
bool token_offers_suite(const TokenSpec& token, const std::string& suite);

}  // namespace sslp11::tlstest
