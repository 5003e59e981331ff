#include "secrets/support/schedules.h"

#include <stdexcept>

#include "secrets/support/schedule_parts.h"

namespace sslp11::secretstest {

using namespace coretest;

// ---- schedule_parts.h ----

const Bytes& ffdhe2048_p() {
  static const Bytes p = [] {
    Bytes prime = openssl_ffdhe2048_prime();
    if (prime.size() != 256) throw std::runtime_error("OpenSSL's ffdhe2048 prime is not 256 bytes");
    return prime;
  }();
  return p;
}
const Bytes& ffdhe2048_g() {
  static const Bytes g{0x02};
  return g;
}

std::size_t key_block_bytes(const SuiteFacts& suite) {
  return 2 * (hash_bytes(suite.mac) + suite.key_bytes + suite.fixed_iv_bytes);
}

Bytes key_block(const SuiteFacts& suite, const Bytes& master_secret, const Bytes& client_random,
                const Bytes& server_random) {
  return tls12_prf(suite.prf, master_secret, "key expansion", concat(server_random, client_random),
                   key_block_bytes(suite));
}

Bytes open_client_pre_master(EVP_PKEY* peer_server, const Bytes& encrypted) {
  auto pms = rsa_decrypt_pkcs1(peer_server, encrypted);
  if (!pms || pms->size() != 48) throw std::runtime_error("OpenSSL cannot open the client's pre-master");
  return *pms;
}

bool offers_suite(NCRYPT_PROV_HANDLE p, DWORD id) {
  for (DWORD offered : enumerate_suites(p))
    if (offered == id) return true;
  return false;
}

// ---- Schedule ----

namespace {

void session_keys(NCRYPT_PROV_HANDLE p, Schedule& s) {
  ParamList randoms = session_key_params(s);
  require_ok(SslGenerateSessionKeys(p, s.master.get(), s.read.out(), s.write.out(), randoms.desc(), 0),
             "SslGenerateSessionKeys");
}

}  // namespace

void Schedule::learn() {
  pre_master = derive_pre_master();
  if (pre_master.empty()) return;  // a bad RSA ciphertext: the token's random pre-master
  master_secret = coretest::master_secret(*suite, pre_master, client_random, server_random, session_hash);
  key_block = secretstest::key_block(*suite, master_secret, client_random, server_random);
  keys = expected_keys(*suite, master_secret, client_random, server_random);
}

void Schedule::add_secrets_to(SecretSet& set) const {
  set.add(name + " pre-master", pre_master);
  set.add(name + " master secret", master_secret);
  set.add(name + " key block", key_block);
}

void Schedule::free_keys() {
  read.reset();
  write.reset();
  master.reset();
}

const SuiteFacts& offered_suite(NCRYPT_PROV_HANDLE p, DWORD id) {
  const SuiteFacts* facts = find_suite_facts(id);
  if (facts == nullptr) throw std::runtime_error("suite " + status_hex(static_cast<LONG>(id)) + " has no facts");
  if (offers_suite(p, id)) return *facts;
  throw std::runtime_error(std::string(facts->name) + " is not offered on this token");
}

Schedule run_ecdhe(NCRYPT_PROV_HANDLE p, const SuiteFacts& suite, const CurveFacts& curve, bool client, bool ems) {
  Schedule s = start_schedule<Schedule>(client ? "ecdhe-client" : "ecdhe-server", suite, client, ems);
  SslObject ephemeral, peer_public;
  require_ok(SslCreateEphemeralKey(p, ephemeral.out(), kTls12, suite.id, curve.group, curve.bits, nullptr, 0, 0),
             "SslCreateEphemeralKey");
  const Bytes our_point = ecc_point_from_blob(curve, export_key(p, ephemeral.get(), BCRYPT_ECCPUBLIC_BLOB));
  auto peer = std::make_shared<Pkey>(ec_generate(curve));
  Bytes blob = ecc_public_blob(curve, ec_public_point(peer->get()));
  require_ok(SslImportKey(p, peer_public.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0),
             "SslImportKey");
  ParamList params = master_params(s);
  require_ok(SslGenerateMasterKey(p, ephemeral.get(), peer_public.get(), s.master.out(), kTls12, suite.id,
                                  params.desc(), nullptr, 0, nullptr, role_flag(s)),
             "SslGenerateMasterKey");
  session_keys(p, s);
  const CurveFacts* c = &curve;
  s.derive_pre_master = [peer, our_point, c] { return ecdh(peer->get(), ec_public_from_point(*c, our_point).get()); };
  return s;
}

Schedule run_dhe(NCRYPT_PROV_HANDLE p, const SuiteFacts& suite, bool client, bool ems) {
  Schedule s = start_schedule<Schedule>(client ? "dhe-client" : "dhe-server", suite, client, ems);
  SslObject ephemeral, peer_public;
  Bytes params_blob = dh_parameters_blob(ffdhe2048_p(), ffdhe2048_g());
  require_ok(SslCreateEphemeralKey(p, ephemeral.out(), kTls12, suite.id, 0, 2048, params_blob.data(),
                                   static_cast<DWORD>(params_blob.size()), 0),
             "SslCreateEphemeralKey(DH)");
  const Bytes our_y =
      dh_y_from_blob(ffdhe2048_p(), ffdhe2048_g(), export_key(p, ephemeral.get(), BCRYPT_DH_PUBLIC_BLOB));
  auto peer = std::make_shared<Pkey>(dh_generate(ffdhe2048_p(), ffdhe2048_g()));
  Bytes blob = dh_public_blob(ffdhe2048_p(), ffdhe2048_g(), dh_public_value(peer->get(), ffdhe2048_p().size()));
  require_ok(SslImportKey(p, peer_public.out(), BCRYPT_DH_PUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0),
             "SslImportKey(DH)");
  ParamList params = master_params(s);
  require_ok(SslGenerateMasterKey(p, ephemeral.get(), peer_public.get(), s.master.out(), kTls12, suite.id,
                                  params.desc(), nullptr, 0, nullptr, role_flag(s)),
             "SslGenerateMasterKey(DH)");
  session_keys(p, s);
  s.derive_pre_master = [peer, our_y] {
    return strip_leading_zeros(
        dh_padded(peer->get(), dh_public_from(ffdhe2048_p(), ffdhe2048_g(), our_y).get()));
  };
  return s;
}

Schedule run_rsa_client(NCRYPT_PROV_HANDLE p, const SuiteFacts& suite, EVP_PKEY* peer_server, bool ems) {
  Schedule s = start_schedule<Schedule>("rsa-client", suite, true, ems);
  Bytes blob = rsa_public_blob(rsa_modulus(peer_server), rsa_public_exponent(peer_server));
  SslObject server_public;
  require_ok(
      SslImportKey(p, server_public.out(), BCRYPT_RSAPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0),
      "SslImportKey(RSA)");
  Bytes encrypted(rsa_modulus(peer_server).size());
  DWORD cb = 0;
  if (!ems) {
    ParamList params = master_params(s);
    params.add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, kTls12);
    require_ok(SslGenerateMasterKey(p, 0, server_public.get(), s.master.out(), kTls12, suite.id, params.desc(),
                                    encrypted.data(), static_cast<DWORD>(encrypted.size()), &cb,
                                    NCRYPT_SSL_CLIENT_FLAG),
               "SslGenerateMasterKey(RSA)");
  } else {
    ParamList pre_params;
    pre_params.add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, kTls12);
    SslObject premaster;
    require_ok(SslGeneratePreMasterKey(p, server_public.get(), premaster.out(), kTls12, suite.id, pre_params.desc(),
                                       encrypted.data(), static_cast<DWORD>(encrypted.size()), &cb,
                                       NCRYPT_SSL_CLIENT_FLAG),
               "SslGeneratePreMasterKey");
    ParamList params = master_params(s);
    params.add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, kTls12);
    require_ok(SslGenerateMasterKey(p, premaster.get(), server_public.get(), s.master.out(), kTls12, suite.id,
                                    params.desc(), nullptr, 0, nullptr, NCRYPT_SSL_CLIENT_FLAG),
               "SslGenerateMasterKey(pre-master)");
  }
  encrypted.resize(cb);
  session_keys(p, s);
  s.derive_pre_master = [encrypted, peer_server] { return open_client_pre_master(peer_server, encrypted); };
  return s;
}

Schedule run_rsa_server(NCRYPT_PROV_HANDLE p, const SuiteFacts& suite, const ServerRsaKey& server,
                        const Bytes& encrypted_pre_master, const Bytes* pre_master, bool ems) {
  Schedule s = start_schedule<Schedule>(pre_master ? "rsa-server" : "rsa-server-bad-ciphertext", suite, false, ems);
  ParamList params = master_params(s);
  params.add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, kTls12);
  Bytes copy = encrypted_pre_master;
  require_ok(SslImportMasterKey(p, server.handle(), s.master.out(), kTls12, suite.id, params.desc(), copy.data(),
                                static_cast<DWORD>(copy.size()), NCRYPT_SSL_SERVER_FLAG),
             "SslImportMasterKey");
  session_keys(p, s);
  s.derive_pre_master = [pre_master] {
    // A bad ciphertext leaves the token's random pre-master, which nobody knows.
    return pre_master != nullptr ? *pre_master : Bytes{};
  };
  return s;
}

}  // namespace sslp11::secretstest
