// Throwaway certificates for the TLS tests, made with OpenSSL's libcrypto once
// per test process in the per-process token directory: a CA (EC P-256), a
// server certificate for an RSA-2048 key and one for an EC P-256 key (both
// for DNS:localhost and IP:127.0.0.1), client certificates for an RSA-2048
// and an EC P-256 key, a second, unrelated CA (for the unknown-CA tests)
// with a client certificate of its own, ffdhe2048 parameters for `openssl s_server -dhparam`, and
// an OpenSSL config that turns the extended master secret off for the
// OpenSSL peer (OpenSSL 3.0's s_server/s_client have no -no_ems).
#pragma once

#include <string>

namespace sslp11::tlstest {

struct TestPki {
  std::string dir;
  std::string ca;        // PEM CA certificate
  std::string other_ca;  // PEM of a CA that signed nothing here
  std::string rsa_cert, rsa_key;
  std::string ec_cert, ec_key;
  // Client certificates (clientAuth) by the test CA, and one for the EC
  // client key by the unrelated CA (client_ec_key is its key).
  std::string client_rsa_cert, client_rsa_key;
  std::string client_ec_cert, client_ec_key;
  std::string stranger_cert;
  std::string dh_params;     // ffdhe2048, PEM
  std::string no_ems_conf;   // OPENSSL_CONF with Options = -ExtendedMasterSecret
};

const TestPki& test_pki();

}  // namespace sslp11::tlstest
