#include "stress/support/schedule_pair.h"

#include <stdexcept>
#include <string>

#include "support/oracle/keys.h"
#include "support/oracle/tls_prf.h"

namespace sslp11::stresstest {

using coretest::export_key;
using coretest::hash_bytes;
using coretest::ParamList;
using coretest::random_bytes;
using coretest::require_ok;

namespace {

constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;
constexpr DWORD kVerifyDataBytes = 12;

void import_peer(Side& into, const Bytes& blob) {
  Bytes copy = blob;  // SslImportKey takes a non-const pointer
  require_ok(SslImportKey(into.provider, into.peer.out(), BCRYPT_ECCPUBLIC_BLOB, copy.data(),
                          static_cast<DWORD>(copy.size()), 0),
             "SslImportKey");
}

Bytes finished(Side& side, DWORD sender) {
  Bytes out(kVerifyDataBytes);
  require_ok(SslComputeFinishedHash(side.provider, side.master.get(), side.transcript.get(), out.data(),
                                    static_cast<DWORD>(out.size()), sender),
             "SslComputeFinishedHash");
  return out;
}

// Seals `plaintext` with `from`'s write key and opens it with `to`'s read key.
void one_record(Side& from, Side& to, std::uint64_t seq, const Bytes& plaintext) {
  Bytes in = plaintext;
  Bytes record(plaintext.size() + 512);
  DWORD sealed = 0;
  require_ok(SslEncryptPacket(from.provider, from.write.get(), in.empty() ? nullptr : in.data(),
                              static_cast<DWORD>(in.size()), record.data(), static_cast<DWORD>(record.size()),
                              &sealed, seq, CT_APPLICATIONDATA, 0),
             "SslEncryptPacket");
  record.resize(sealed);
  Bytes opened(record.size() + 16);
  DWORD opened_size = 0;
  require_ok(SslDecryptPacket(to.provider, to.read.get(), record.data(), static_cast<DWORD>(record.size()),
                              opened.data(), static_cast<DWORD>(opened.size()), &opened_size, seq, 0),
             "SslDecryptPacket");
  opened.resize(opened_size);
  if (opened != plaintext) {
    throw std::runtime_error("record " + std::to_string(seq) + " of " + std::to_string(plaintext.size()) +
                             " bytes opened to different bytes (" + std::to_string(opened.size()) + ")");
  }
}

}  // namespace

void run_schedule(SchedulePair& pair, const SuiteFacts& suite, const CurveFacts& curve) {
  Side& c = pair.client;
  Side& s = pair.server;
  for (Side* side : {&c, &s}) {
    require_ok(SslCreateEphemeralKey(side->provider, side->ephemeral.out(), kTls12, suite.id, curve.group, curve.bits,
                                     nullptr, 0, 0),
               "SslCreateEphemeralKey");
  }
  import_peer(c, export_key(s.provider, s.ephemeral.get(), BCRYPT_ECCPUBLIC_BLOB));
  import_peer(s, export_key(c.provider, c.ephemeral.get(), BCRYPT_ECCPUBLIC_BLOB));

  // Both sides hash the same (made-up) handshake messages; the session hash
  // for the extended master secret is one both would have computed.
  const Bytes messages = random_bytes(300);
  const Bytes session_hash = random_bytes(hash_bytes(suite.prf));
  const Bytes client_random = random_bytes(32), server_random = random_bytes(32);
  for (Side* side : {&c, &s}) {
    ParamList master_params, randoms;
    master_params.add(NCRYPTBUFFER_SSL_SESSION_HASH, session_hash);
    randoms.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random);
    require_ok(SslGenerateMasterKey(side->provider, side->ephemeral.get(), side->peer.get(), side->master.out(), kTls12,
                                    suite.id, master_params.desc(), nullptr, 0, nullptr,
                                    side == &c ? NCRYPT_SSL_CLIENT_FLAG : NCRYPT_SSL_SERVER_FLAG),
               "SslGenerateMasterKey");
    require_ok(SslGenerateSessionKeys(side->provider, side->master.get(), side->read.out(), side->write.out(),
                                      randoms.desc(), 0),
               "SslGenerateSessionKeys");
    require_ok(SslCreateHandshakeHash(side->provider, side->transcript.out(), kTls12, suite.id, 0),
               "SslCreateHandshakeHash");
    Bytes in = messages;
    require_ok(SslHashHandshake(side->provider, side->transcript.get(), in.data(), static_cast<DWORD>(in.size()), 0),
               "SslHashHandshake");
  }
  if (finished(c, NCRYPT_SSL_CLIENT_FLAG) != finished(s, NCRYPT_SSL_CLIENT_FLAG)) {
    throw std::runtime_error("the two sides computed different client Finished values");
  }
  if (finished(c, NCRYPT_SSL_SERVER_FLAG) != finished(s, NCRYPT_SSL_SERVER_FLAG)) {
    throw std::runtime_error("the two sides computed different server Finished values");
  }
}

void exchange_records(SchedulePair& pair, int count, std::mt19937& rng) {
  std::uniform_int_distribution<std::size_t> size(0, 1500);
  for (int i = 0; i < count; ++i) {
    const Bytes plaintext = random_bytes(size(rng));
    if (i % 2 == 0) {
      one_record(pair.client, pair.server, pair.client_sent++, plaintext);
    } else {
      one_record(pair.server, pair.client, pair.server_sent++, plaintext);
    }
  }
}

SECURITY_STATUS seal_one(NCRYPT_PROV_HANDLE provider, NCRYPT_KEY_HANDLE write, std::uint64_t seq) {
  Bytes in(64, 0x5A), record(64 + 512);
  DWORD sealed = 0;
  return SslEncryptPacket(provider, write, in.data(), static_cast<DWORD>(in.size()), record.data(),
                          static_cast<DWORD>(record.size()), &sealed, seq, CT_APPLICATIONDATA, 0);
}

std::vector<NCRYPT_HANDLE> release_all(SchedulePair& pair) {
  std::vector<NCRYPT_HANDLE> out;
  for (Side* side : {&pair.client, &pair.server}) {
    for (SslObject* o : {&side->ephemeral, &side->peer, &side->master, &side->read, &side->write, &side->transcript}) {
      if (o->get() != 0) out.push_back(o->release());
    }
  }
  return out;
}

}  // namespace sslp11::stresstest
