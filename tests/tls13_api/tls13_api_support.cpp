#include "tls13_api/tls13_api_support.h"

#include <cstring>

namespace sslp11::tls13api {

using test::Status;

std::vector<const oracle::SuiteFacts*> runnable_suites(NCRYPT_PROV_HANDLE p) {
  std::vector<const oracle::SuiteFacts*> out;
  for (const auto& s : oracle::all_tls13_suite_facts()) {
    NCRYPT_SSL_CIPHER_SUITE info{};
    if (SslLookupCipherSuiteInfo(p, TLS1_3_PROTOCOL_VERSION, s.id, 0, &info, 0) == ERROR_SUCCESS) out.push_back(&s);
  }
  return out;
}

KeyShare make_key_share(NCRYPT_PROV_HANDLE p, const oracle::SuiteFacts& suite, const oracle::CurveFacts& curve) {
  KeyShare ks;
  EXPECT_OK(SslCreateEphemeralKey(p, ks.key.out(), TLS1_3_PROTOCOL_VERSION, suite.id, curve.group, 0, nullptr, 0, 0));
  DWORD n = 0;
  EXPECT_OK(SslExportKey(p, ks.key.get(), BCRYPT_ECCPUBLIC_BLOB, nullptr, 0, &n, 0));
  Bytes blob(n);
  EXPECT_OK(SslExportKey(p, ks.key.get(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), n, &n, 0));
  ks.point = oracle::ecc_point_from_blob(curve, blob);
  return ks;
}

Handle import_point(NCRYPT_PROV_HANDLE p, const oracle::CurveFacts& curve, ByteView point) {
  Bytes blob = oracle::ecc_public_blob(curve, point);
  Handle h;
  EXPECT_OK(SslImportKey(p, h.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0));
  return h;
}

void Transcript::add(NCRYPT_PROV_HANDLE p, ByteView message) {
  EXPECT_OK(SslHashHandshake(p, hash.get(), const_cast<PBYTE>(message.data()), static_cast<DWORD>(message.size()), 0));
  messages.insert(messages.end(), message.begin(), message.end());
}

Transcript make_transcript(NCRYPT_PROV_HANDLE p, const oracle::SuiteFacts& suite) {
  Transcript t;
  EXPECT_OK(SslCreateHandshakeHash(p, t.hash.out(), TLS1_3_PROTOCOL_VERSION, suite.id, 0));
  return t;
}

HandshakeScript random_script() {
  return {oracle::random_bytes(300), oracle::random_bytes(36)};
}

void run_api_schedule(NCRYPT_PROV_HANDLE p, const oracle::SuiteFacts& suite, NCRYPT_KEY_HANDLE own_share,
                      NCRYPT_KEY_HANDLE peer_share, Transcript& th, const HandshakeScript& script, ApiSchedule& s) {
  ASSERT_OK(SslExtractEarlyKey(p, 0, s.early.out(), TLS1_3_PROTOCOL_VERSION, suite.id, nullptr, 0));
  ASSERT_OK(SslExtractHandshakeKey(p, own_share, peer_share, s.early.get(), s.handshake.out(), nullptr, 0));
  ASSERT_OK(SslExpandTrafficKeys(p, s.handshake.get(), th.hash.get(), s.c_hs.out(), s.s_hs.out(), nullptr, 0));
  ASSERT_OK(SslExpandWriteKey(p, s.c_hs.get(), s.c_hs_key.out(), nullptr, 0));
  ASSERT_OK(SslExpandWriteKey(p, s.s_hs.get(), s.s_hs_key.out(), nullptr, 0));
  th.add(p, script.encrypted_extensions_to_server_finished);
  ASSERT_OK(SslExtractMasterKey(p, s.handshake.get(), s.master.out(), nullptr, 0));
  ASSERT_OK(SslExpandTrafficKeys(p, s.master.get(), th.hash.get(), s.c_ap.out(), s.s_ap.out(), nullptr, 0));
  ASSERT_OK(SslExpandWriteKey(p, s.c_ap.get(), s.c_ap_key.out(), nullptr, 0));
  ASSERT_OK(SslExpandWriteKey(p, s.s_ap.get(), s.s_ap_key.out(), nullptr, 0));
  ASSERT_OK(SslExpandExporterMasterKey(p, s.master.get(), th.hash.get(), s.exporter.out(), nullptr, 0));
  th.add(p, script.client_finished);
  ASSERT_OK(SslExpandResumptionMasterKey(p, s.master.get(), th.hash.get(), s.resumption.out(), nullptr, 0));
}

OracleSchedule oracle_schedule(const oracle::SuiteFacts& suite, ByteView z, ByteView hello_messages,
                               const HandshakeScript& script) {
  const oracle::Hash h = suite.prf;
  OracleSchedule o;
  Bytes messages(hello_messages.begin(), hello_messages.end());
  o.th_server_hello = oracle::digest(h, messages);
  messages.insert(messages.end(), script.encrypted_extensions_to_server_finished.begin(),
                  script.encrypted_extensions_to_server_finished.end());
  o.th_server_finished = oracle::digest(h, messages);
  messages.insert(messages.end(), script.client_finished.begin(), script.client_finished.end());
  o.th_client_finished = oracle::digest(h, messages);

  o.early = oracle::tls13_extract(h, std::nullopt, std::nullopt);
  o.handshake = oracle::tls13_extract(h, o.early, Bytes(z.begin(), z.end()));
  o.c_hs = oracle::tls13_derive_secret(h, o.handshake, "c hs traffic", o.th_server_hello);
  o.s_hs = oracle::tls13_derive_secret(h, o.handshake, "s hs traffic", o.th_server_hello);
  o.master = oracle::tls13_extract(h, o.handshake, std::nullopt);
  o.c_ap = oracle::tls13_derive_secret(h, o.master, "c ap traffic", o.th_server_finished);
  o.s_ap = oracle::tls13_derive_secret(h, o.master, "s ap traffic", o.th_server_finished);
  o.exporter = oracle::tls13_derive_secret(h, o.master, "exp master", o.th_server_finished);
  o.resumption = oracle::tls13_derive_secret(h, o.master, "res master", o.th_client_finished);
  return o;
}

OracleWriteKey oracle_write_key(const oracle::SuiteFacts& suite, ByteView traffic_secret) {
  return {oracle::tls13_expand_label(suite.prf, traffic_secret, "key", {}, suite.key_bytes),
          oracle::tls13_expand_label(suite.prf, traffic_secret, "iv", {}, 12)};
}

SECURITY_STATUS api_seal(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key, std::uint64_t seq, ByteView inner, Bytes& record) {
  record.assign(inner.size() + 5 + 16, 0);
  DWORD n = 0;
  const SECURITY_STATUS st =
      SslEncryptPacket(p, key, const_cast<PBYTE>(inner.data()), static_cast<DWORD>(inner.size()), record.data(),
                       static_cast<DWORD>(record.size()), &n, seq, kApplicationData, 0);
  record.resize(st == ERROR_SUCCESS ? n : 0);
  return st;
}

SECURITY_STATUS api_open(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key, std::uint64_t seq, ByteView record, Bytes& inner) {
  inner.assign(record.size(), 0);
  DWORD n = 0;
  const SECURITY_STATUS st = SslDecryptPacket(p, key, const_cast<PBYTE>(record.data()), static_cast<DWORD>(record.size()),
                                              inner.data(), static_cast<DWORD>(inner.size()), &n, seq, 0);
  inner.resize(st == ERROR_SUCCESS ? n : 0);
  return st;
}

namespace {

Bytes nonce(const OracleWriteKey& k, std::uint64_t seq) {
  Bytes n = k.iv;
  for (int i = 0; i < 8; ++i) n[11 - i] ^= static_cast<std::uint8_t>(seq >> (8 * i));
  return n;
}

}  // namespace

Bytes oracle_seal(const oracle::SuiteFacts& suite, const OracleWriteKey& k, std::uint64_t seq, ByteView inner) {
  const std::size_t body = inner.size() + 16;
  Bytes header{kApplicationData, 0x03, 0x03, static_cast<std::uint8_t>(body >> 8), static_cast<std::uint8_t>(body)};
  Bytes sealed = oracle::aead_seal(suite.cipher, k.key, nonce(k, seq), header, inner);
  return oracle::concat(header, sealed);
}

std::optional<Bytes> oracle_open(const oracle::SuiteFacts& suite, const OracleWriteKey& k, std::uint64_t seq,
                                 ByteView record) {
  if (record.size() < 5 + 16 || record[0] != kApplicationData || record[1] != 3 || record[2] != 3) return std::nullopt;
  if ((std::size_t{record[3]} << 8 | record[4]) != record.size() - 5) return std::nullopt;
  return oracle::aead_open(suite.cipher, k.key, nonce(k, seq), record.first(5), record.subspan(5));
}

::testing::AssertionResult same_write_key(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE api_key,
                                          const oracle::SuiteFacts& suite, const OracleWriteKey& k) {
  for (std::uint64_t seq : {0ull, 1ull, 0x0102030405060708ull}) {
    const Bytes inner = inner_plaintext(oracle::random_bytes(40 + seq % 7), kApplicationData);
    Bytes record;
    if (SECURITY_STATUS st = api_seal(p, api_key, seq, inner, record); st != ERROR_SUCCESS) {
      return ::testing::AssertionFailure() << "SslEncryptPacket: " << test::status_name(st) << " "
                                           << test::last_error();
    }
    const auto opened = oracle_open(suite, k, seq, record);
    if (!opened || *opened != inner) {
      return ::testing::AssertionFailure() << "OpenSSL cannot open the API's record at seq " << seq;
    }
    const Bytes theirs = oracle_seal(suite, k, seq, inner);
    Bytes mine;
    if (SECURITY_STATUS st = api_open(p, api_key, seq, theirs, mine); st != ERROR_SUCCESS) {
      return ::testing::AssertionFailure() << "SslDecryptPacket of OpenSSL's record: " << test::status_name(st) << " "
                                           << test::last_error();
    }
    if (mine != inner) return ::testing::AssertionFailure() << "SslDecryptPacket gave other bytes at seq " << seq;
    if (theirs != record) return ::testing::AssertionFailure() << "the two records differ at seq " << seq;
  }
  return ::testing::AssertionSuccess();
}

Bytes api_finished(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE base, NCRYPT_HASH_HANDLE th, std::size_t n) {
  Bytes out(n);
  EXPECT_OK(SslComputeFinishedHash(p, base, th, out.data(), static_cast<DWORD>(n), 0));
  return out;
}

Bytes api_export(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE exporter, const char* label, const Bytes* context,
                 std::size_t n) {
  Bytes out(n);
  EXPECT_OK(SslExportKeyingMaterial(p, exporter, const_cast<PCHAR>(label), nullptr, 0,
                                    context ? const_cast<PBYTE>(context->data()) : nullptr,
                                    context ? static_cast<WORD>(context->size()) : 0, out.data(),
                                    static_cast<DWORD>(n), 0));
  return out;
}

}  // namespace sslp11::tls13api
