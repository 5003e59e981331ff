#include "core/tls13_secrets.h"

namespace sslp11::core {

std::string_view tls13_secret_name(Tls13SecretKind kind) {
  switch (kind) {
    case Tls13SecretKind::psk: return "pre-shared key";
    case Tls13SecretKind::early: return "early secret";
    case Tls13SecretKind::external_binder: return "external binder key";
    case Tls13SecretKind::resumption_binder: return "resumption binder key";
    case Tls13SecretKind::client_early_traffic: return "client early traffic secret";
    case Tls13SecretKind::early_exporter_master: return "early exporter master secret";
    case Tls13SecretKind::handshake: return "handshake secret";
    case Tls13SecretKind::client_handshake_traffic: return "client handshake traffic secret";
    case Tls13SecretKind::server_handshake_traffic: return "server handshake traffic secret";
    case Tls13SecretKind::master: return "master secret";
    case Tls13SecretKind::client_application_traffic: return "client application traffic secret";
    case Tls13SecretKind::server_application_traffic: return "server application traffic secret";
    case Tls13SecretKind::exporter_master: return "exporter master secret";
    case Tls13SecretKind::resumption_master: return "resumption master secret";
  }
  return "TLS 1.3 secret";
}

bool is_traffic_secret(Tls13SecretKind kind) {
  switch (kind) {
    case Tls13SecretKind::client_early_traffic:
    case Tls13SecretKind::client_handshake_traffic:
    case Tls13SecretKind::server_handshake_traffic:
    case Tls13SecretKind::client_application_traffic:
    case Tls13SecretKind::server_application_traffic:
      return true;
    default:
      return false;
  }
}

}  // namespace sslp11::core
