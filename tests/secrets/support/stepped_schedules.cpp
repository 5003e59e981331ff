#include "secrets/support/stepped_schedules.h"

#include <stdexcept>

#include "secrets/support/schedule_parts.h"
#include "support/provider_env.h"

namespace sslp11::secretstest {

using namespace coretest;

namespace {

// SslExportKey with the two-call size query, both through `c`.
bool export_public(Calls& c, NCRYPT_KEY_HANDLE key, LPCWSTR type, Bytes& out) {
  DWORD cb = 0;
  if (!c("SslExportKey(size)", [&] { return SslExportKey(c.p(), key, type, nullptr, 0, &cb, 0); })) return false;
  out.assign(cb, 0);
  if (!c("SslExportKey", [&] { return SslExportKey(c.p(), key, type, out.data(), cb, &cb, 0); })) return false;
  out.resize(cb);
  return true;
}

// SslImportKey of the peer's public `blob` into r.peer_public, through `c`.
bool import_peer_public(Calls& c, std::string_view call, SteppedRun& r, LPCWSTR type, Bytes& blob) {
  return c(call, [&] {
    return SslImportKey(c.p(), r.peer_public.out(), type, blob.data(), static_cast<DWORD>(blob.size()), 0);
  });
}

// SslGenerateMasterKey of our ephemeral key and the peer's public one (ECDHE, DHE).
bool ephemeral_master_key(Calls& c, std::string_view call, SteppedRun& r) {
  ParamList params = master_params(r);
  return c(call, [&] {
    return SslGenerateMasterKey(c.p(), r.ephemeral.get(), r.peer_public.get(), r.master.out(), kTls12, r.suite->id,
                                params.desc(), nullptr, 0, nullptr, role_flag(r));
  });
}

}  // namespace

// ---- Calls ----

void Calls::fail(const std::string& call, SECURITY_STATUS s) {
  status_ = s;
  failed_call_ = call;
  why_ = test::last_error();
}

std::string Calls::failure() const {
  if (!failed()) return "";
  return failed_call_ + ": " + status_hex(status_) + " " + why_;
}

void Calls::clear_failure() {
  status_ = ERROR_SUCCESS;
  failed_call_.clear();
  why_.clear();
}

// ---- SteppedRun ----

SteppedRun start_run(const std::string& name, Exchange exchange, const SuiteFacts& suite, bool client, bool ems) {
  SteppedRun r = start_schedule<SteppedRun>(name, suite, client, ems);
  r.exchange = exchange;
  return r;
}

void SteppedRun::learn() {
  learnt.clear();
  auto add = [&](const std::string& what, Bytes pre_master) {
    Learnt l;
    l.what = what;
    l.master_secret = master_secret(*suite, pre_master, client_random, server_random, session_hash);
    l.key_block = key_block(*suite, l.master_secret, client_random, server_random);
    l.pre_master = std::move(pre_master);
    learnt.push_back(std::move(l));
  };
  switch (exchange) {
    case Exchange::ecdhe:
      if (peer && !our_public.empty()) {
        add("pre-master",
            ecdh(peer->get(), ec_public_from_point(*curve, ecc_point_from_blob(*curve, our_public)).get()));
      }
      break;
    case Exchange::dhe:
      if (peer && !our_public.empty()) {
        const Bytes y = dh_y_from_blob(ffdhe2048_p(), ffdhe2048_g(), our_public);
        add("pre-master",
            strip_leading_zeros(dh_padded(peer->get(), dh_public_from(ffdhe2048_p(), ffdhe2048_g(), y).get())));
      }
      break;
    case Exchange::rsa_client:
      if (!encrypted_pre_master.empty()) {
        add("pre-master", open_client_pre_master(peer_server, encrypted_pre_master));
      }
      break;
    case Exchange::rsa_server:
      if (chosen_pre_master != nullptr) add("pre-master", *chosen_pre_master);
      break;
  }
  // What the token's randoms became, whether or not the peer's side knows it:
  // a composed-path RSA client's pre-master, the random pre-master an RSA
  // server keeps ready for a refused ciphertext.
  if (exchange == Exchange::rsa_client || exchange == Exchange::rsa_server) {
    for (std::size_t i = 0; i < token_randoms.size(); ++i) {
      Bytes pms = token_randoms[i];
      pms[0] = 0x03;
      pms[1] = 0x03;
      if (!learnt.empty() && learnt.front().pre_master == pms) continue;
      add("token random #" + std::to_string(i) + " as pre-master", std::move(pms));
    }
  }
}

void SteppedRun::add_secrets_to(SecretSet& set) const {
  for (const auto& l : learnt) {
    const std::string prefix = name + " " + (l.what == "pre-master" ? std::string() : "(" + l.what + ") ");
    set.add(prefix + "pre-master", l.pre_master);
    set.add(prefix + "master secret", l.master_secret);
    set.add(prefix + "key block", l.key_block);
  }
}

void SteppedRun::free_all(Calls* c) {
  auto free = [c](SslObject& o, const char* what) {
    if (o.get() == 0) return;
    if (c == nullptr) return o.reset();
    const NCRYPT_HANDLE h = o.release();
    c->unchecked(std::string("SslFreeObject(") + what + ")", [h] { return SslFreeObject(h, 0); });
  };
  free(read, "read key");
  free(write, "write key");
  free(master, "master key");
  free(premaster, "pre-master key");
  free(peer_public, "peer public key");
  free(ephemeral, "ephemeral key");
}

// ---- The schedules ----

bool ecdhe(Calls& c, SteppedRun& r, const CurveFacts& curve) {
  r.curve = &curve;
  const DWORD suite = r.suite->id;
  if (!c("SslCreateEphemeralKey", [&] {
        return SslCreateEphemeralKey(c.p(), r.ephemeral.out(), kTls12, suite, curve.group, curve.bits, nullptr, 0, 0);
      })) {
    return false;
  }
  if (!export_public(c, r.ephemeral.get(), BCRYPT_ECCPUBLIC_BLOB, r.our_public)) return false;
  r.peer = std::make_shared<Pkey>(ec_generate(curve));
  Bytes blob = ecc_public_blob(curve, ec_public_point(r.peer->get()));
  if (!import_peer_public(c, "SslImportKey(peer)", r, BCRYPT_ECCPUBLIC_BLOB, blob)) return false;
  return ephemeral_master_key(c, "SslGenerateMasterKey", r);
}

bool dhe(Calls& c, SteppedRun& r) {
  const DWORD suite = r.suite->id;
  Bytes params_blob = dh_parameters_blob(ffdhe2048_p(), ffdhe2048_g());
  if (!c("SslCreateEphemeralKey(DH)", [&] {
        return SslCreateEphemeralKey(c.p(), r.ephemeral.out(), kTls12, suite, 0, 2048, params_blob.data(),
                                     static_cast<DWORD>(params_blob.size()), 0);
      })) {
    return false;
  }
  if (!export_public(c, r.ephemeral.get(), BCRYPT_DH_PUBLIC_BLOB, r.our_public)) return false;
  r.peer = std::make_shared<Pkey>(dh_generate(ffdhe2048_p(), ffdhe2048_g()));
  Bytes blob = dh_public_blob(ffdhe2048_p(), ffdhe2048_g(), dh_public_value(r.peer->get(), ffdhe2048_p().size()));
  if (!import_peer_public(c, "SslImportKey(peer DH)", r, BCRYPT_DH_PUBLIC_BLOB, blob)) return false;
  return ephemeral_master_key(c, "SslGenerateMasterKey(DH)", r);
}

bool rsa_client(Calls& c, SteppedRun& r, EVP_PKEY* peer_server, bool via_pre_master) {
  r.peer_server = peer_server;
  const DWORD suite = r.suite->id;
  Bytes blob = rsa_public_blob(rsa_modulus(peer_server), rsa_public_exponent(peer_server));
  if (!import_peer_public(c, "SslImportKey(server RSA)", r, BCRYPT_RSAPUBLIC_BLOB, blob)) return false;
  Bytes encrypted(rsa_modulus(peer_server).size());
  DWORD cb = 0;
  ParamList params = master_params(r);
  params.add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, kTls12);
  if (!via_pre_master) {
    if (!c("SslGenerateMasterKey(RSA, one call)", [&] {
          return SslGenerateMasterKey(c.p(), 0, r.peer_public.get(), r.master.out(), kTls12, suite, params.desc(),
                                      encrypted.data(), static_cast<DWORD>(encrypted.size()), &cb,
                                      NCRYPT_SSL_CLIENT_FLAG);
        })) {
      return false;
    }
    encrypted.resize(cb);
    r.encrypted_pre_master = std::move(encrypted);
    return true;
  }
  ParamList pre_params;
  pre_params.add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, kTls12);
  if (!c("SslGeneratePreMasterKey", [&] {
        return SslGeneratePreMasterKey(c.p(), r.peer_public.get(), r.premaster.out(), kTls12, suite, pre_params.desc(),
                                       encrypted.data(), static_cast<DWORD>(encrypted.size()), &cb,
                                       NCRYPT_SSL_CLIENT_FLAG);
      })) {
    return false;
  }
  encrypted.resize(cb);
  r.encrypted_pre_master = std::move(encrypted);
  return c("SslGenerateMasterKey(pre-master)", [&] {
    return SslGenerateMasterKey(c.p(), r.premaster.get(), r.peer_public.get(), r.master.out(), kTls12, suite,
                                params.desc(), nullptr, 0, nullptr, NCRYPT_SSL_CLIENT_FLAG);
  });
}

bool rsa_server(Calls& c, SteppedRun& r, const ServerRsaKey& server, const Bytes& ciphertext, const Bytes* pre_master) {
  r.chosen_pre_master = pre_master;
  ParamList params = master_params(r);
  params.add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, kTls12);
  Bytes copy = ciphertext;
  return c(pre_master != nullptr ? "SslImportMasterKey" : "SslImportMasterKey(bad ciphertext)", [&] {
    return SslImportMasterKey(c.p(), server.handle(), r.master.out(), kTls12, r.suite->id, params.desc(), copy.data(),
                              static_cast<DWORD>(copy.size()), NCRYPT_SSL_SERVER_FLAG);
  });
}

bool session_keys(Calls& c, SteppedRun& r) {
  ParamList randoms = session_key_params(r);
  return c("SslGenerateSessionKeys", [&] {
    return SslGenerateSessionKeys(c.p(), r.master.get(), r.read.out(), r.write.out(), randoms.desc(), 0);
  });
}

bool record_and_finished(Calls& c, SteppedRun& r) {
  Bytes plaintext(64, 0x11), record(200);
  DWORD cb = 0;
  if (!c("SslEncryptPacket", [&] {
        return SslEncryptPacket(c.p(), r.write.get(), plaintext.data(), 64, record.data(),
                                static_cast<DWORD>(record.size()), &cb, 0, CT_APPLICATIONDATA, 0);
      })) {
    return false;
  }
  SslObject hash;
  if (!c("SslCreateHandshakeHash", [&] { return SslCreateHandshakeHash(c.p(), hash.out(), kTls12, r.suite->id, 0); })) {
    return false;
  }
  if (!c("SslHashHandshake", [&] { return SslHashHandshake(c.p(), hash.get(), plaintext.data(), 64, 0); })) {
    return false;
  }
  Bytes finished(12);
  return c("SslComputeFinishedHash", [&] {
    return SslComputeFinishedHash(c.p(), r.master.get(), hash.get(), finished.data(), 12, role_flag(r));
  });
}

const SuiteFacts* suite_if_offered(NCRYPT_PROV_HANDLE p, DWORD id) {
  const SuiteFacts* facts = find_suite_facts(id);
  return facts != nullptr && offers_suite(p, id) ? facts : nullptr;
}

}  // namespace sslp11::secretstest
